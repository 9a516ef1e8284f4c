"""What the tests of a database that goes away share (issue 15 §4): two trials changed by the registry,
each to be told once; the session's PostgreSQL as its administrator sees it (kill a database's
connections, stop the server and start it again), and a home on it that gives up after 3 s."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.support.postgres import _as_postgres_user, _bindir
from tests.support.receivers import JsonReceiver

__all__ = ["TRIALS", "Server", "changed_two", "pg_home", "recruit", "server", "suspend", "told_once_each"]

TRIALS = ["NCT06171568", "NCT00973089"]


def recruit(study: dict) -> None:
    study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"


def suspend(study: dict) -> None:
    study["protocolSection"]["statusModule"]["overallStatus"] = "SUSPENDED"


class Server:
    """The session's PostgreSQL, as its administrator sees it: kill a database's connections,
    stop the server, start it again on the same port."""

    def __init__(self, server_url: str, database_url: str) -> None:
        self.url, self.database = make_url(server_url), make_url(database_url).database
        self.data: Path | None = None
        if not os.environ.get("MONITOR_TEST_PG_URL"):
            with self._admin() as conn:
                self.data = Path(conn.execute("SHOW data_directory").fetchone()[0])

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(host=self.url.host, port=self.url.port, user=self.url.username,
                               password=self.url.password, dbname="postgres", autocommit=True, connect_timeout=10)

    def terminate(self) -> int:
        """pg_terminate_backend on every connection to the test database: how many there were."""
        with self._admin() as conn:
            rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = %s AND pid <> pg_backend_pid()", (self.database,)).fetchall()
        return len(rows)

    def _pg_ctl(self, *args: str) -> None:
        if self.data is None or _bindir() is None:
            pytest.skip("stopping PostgreSQL needs the throwaway cluster (not MONITOR_TEST_PG_URL)")
        prefix, _, _ = _as_postgres_user()
        done = subprocess.run([*prefix, str(_bindir() / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args],
                              check=False, capture_output=True, text=True, timeout=90, cwd=self.data.parent)
        assert done.returncode == 0, done.stderr or done.stdout

    def stop(self) -> None:
        """Stop the server ("fast": every connection cut), keeping how it was started."""
        if self.data is None:
            pytest.skip("stopping PostgreSQL needs the throwaway cluster (not MONITOR_TEST_PG_URL)")
        self._options = shlex.split((self.data / "postmaster.opts").read_text())[1:]
        self._pg_ctl("-m", "fast", "stop")

    def start(self) -> None:
        options = list(self._options)
        at = options.index("-D")
        del options[at:at + 2]
        self._pg_ctl("-l", str(self.data.parent / "server.log"), "-o", shlex.join(options), "start")  # type: ignore[union-attr]


@pytest.fixture
def server(postgres_url: str, pg_database_url: str) -> Iterator[Server]:
    kept = Server(postgres_url, pg_database_url)
    try:
        yield kept
    finally:  # never leave the session's server stopped for the tests after this one
        if kept.data is not None and not (kept.data / "postmaster.pid").exists():
            kept.start()


@pytest.fixture
def pg_home(tmp_path: Path, registry: StandInRegistry, pg_database_url: str) -> Home:
    # a server gone for longer than 3 s fails what needed it (the default is 10 s)
    return Home(tmp_path, registry.base_url, MONITOR_DATABASE_URL=f"{pg_database_url}?connect_timeout=3")


def changed_two(home: Home, registry: StandInRegistry, hook: JsonReceiver | object, interval: str = "6h") -> None:
    """A baseline of both trials, then both changed by the registry's next refresh (``hook``: a receiver
    with a ``url()``)."""
    home.write_watchlist(TRIALS, [hook.url()], interval=interval)  # type: ignore[attr-defined]
    assert home.run("check").code == 0
    sponsor_edit(registry, TRIALS[0], recruit)
    sponsor_edit(registry, TRIALS[1], suspend)
    registry.refresh()


def told_once_each(home: Home, hook: JsonReceiver) -> None:
    """After recovery: each change alerted exactly once (and a further check tells nothing)."""
    hook.wait_for(2, timeout=20)
    again = home.run("check")
    assert again.code == 0, again.text
    time.sleep(0.5)
    told = Counter(trial for message in hook.messages for trial in TRIALS if trial in message.title)
    assert told == {TRIALS[0]: 1, TRIALS[1]: 1}, [m.title for m in hook.messages]
    assert len(hook.messages) == 2
