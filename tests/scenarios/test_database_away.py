"""A PostgreSQL that goes away: its connections killed, or the server stopped, during a check and
during delivery (issue 15 §4). A real check or daemon against the stand-in and a real receiver;
the fault injected at a real moment; then the check failed in one line or went on, the next one
recovered, and every change was alerted exactly once.

Stopping the server needs the throwaway cluster of ``tests/support/postgres.py`` (its data folder
and binaries): against ``MONITOR_TEST_PG_URL`` those cases are skipped (killing connections runs).
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, Result, sponsor_edit, stop, wait_until
from tests.support.postgres import _as_postgres_user, _bindir
from tests.support.receivers import JsonReceiver

pytestmark = pytest.mark.postgres

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


class HoldingReceiver:
    """A json:// target that holds each message until released, then accepts it (200): the moment
    between a target accepting a message and the delivery being marked sent."""

    def __init__(self) -> None:
        self.arrived: list[dict] = []  # every POST, as it arrives
        self.accepted: list[dict] = []  # answered 200
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
                receiver.arrived.append(body)
                receiver.released.wait(60)
                receiver.accepted.append(body)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"OK")

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self) -> str:
        return f"json://127.0.0.1:{self.http.server_address[1]}/hook"

    def told(self) -> Counter[str]:
        return Counter(trial for body in self.accepted for trial in TRIALS if trial in str(body.get("title")))

    def close(self) -> None:
        self.released.set()
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def holding() -> Iterator[HoldingReceiver]:
    receiver = HoldingReceiver()
    try:
        yield receiver
    finally:
        receiver.close()


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


def changed_two(home: Home, registry: StandInRegistry, hook: JsonReceiver | HoldingReceiver) -> None:
    """A baseline of both trials, then both changed by the registry's next refresh."""
    home.write_watchlist(TRIALS, [hook.url()])
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


def one_line_failure(result: Result) -> str:
    """A check that failed: exit 1, no traceback, one line saying the database went away."""
    assert result.code == 1, result.text
    assert "Traceback" not in result.text
    [line] = [line for line in result.err.splitlines() if line.startswith("trial-monitor:")]
    assert "database" in line, line
    assert line.count("\n") == 0 and "[SQL:" not in result.text and "sqlalche.me" not in result.text, result.text
    return line


def test_connections_killed_mid_check_then_each_change_told_once(
    pg_home: Home, registry: StandInRegistry, hook: JsonReceiver, server: Server
) -> None:
    changed_two(pg_home, registry, hook)
    killed: list[int] = []
    registry.at_request(1, lambda: killed.append(server.terminate()))  # the check is between its gate and its page
    result = pg_home.run("check")
    assert killed and killed[0] >= 1  # the check held connections (the cycle lock's at least)
    assert result.code in (0, 1), result.text
    if result.code == 1:
        one_line_failure(result)
        assert pg_home.run("check").code == 0
    told_once_each(pg_home, hook)


def test_server_stopped_mid_check_fails_in_one_line_and_the_next_recovers(
    pg_home: Home, registry: StandInRegistry, hook: JsonReceiver, server: Server
) -> None:
    changed_two(pg_home, registry, hook)
    registry.at_request(1, server.stop)  # down from the moment the page is answered until we start it
    line = one_line_failure(pg_home.run("check"))
    assert "went away" in line, line
    server.start()
    recovered = pg_home.run("check")
    assert recovered.code == 0 and "2 changed" in recovered.out, recovered.text
    told_once_each(pg_home, hook)


def test_server_restarted_mid_check_costs_the_check_nothing(
    pg_home: Home, registry: StandInRegistry, hook: JsonReceiver, server: Server
) -> None:
    changed_two(pg_home, registry, hook)
    registry.at_request(1, lambda: (server.stop(), threading.Timer(1.0, server.start).start()))  # back in 1 s
    result = pg_home.run("check")
    assert result.code == 0 and "2 changed" in result.out, result.text
    assert "reconnect" in result.err, result.text  # said, in one line
    told_once_each(pg_home, hook)


def delivered_through(home: Home, holding: HoldingReceiver, fault: object) -> None:
    """The first message held by the target while ``fault()`` strikes the database, then accepted."""
    process = home.start("check")
    assert wait_until(lambda: len(holding.arrived) >= 1)
    fault()  # type: ignore[operator]
    holding.released.set()  # the target accepts: the delivery must now be marked sent
    out, _ = process.communicate(timeout=60)
    assert "Traceback" not in out, out
    assert process.returncode == 0, out
    assert "2 sent" in out, out
    again = home.run("check")
    assert again.code == 0, again.text
    time.sleep(0.5)
    assert holding.told() == {TRIALS[0]: 1, TRIALS[1]: 1}, holding.accepted
    assert len(holding.accepted) == len(holding.arrived) == 2


def test_connections_killed_during_delivery_then_each_change_told_once(
    pg_home: Home, registry: StandInRegistry, holding: HoldingReceiver, server: Server
) -> None:
    changed_two(pg_home, registry, holding)
    pg_home.env["MONITOR_DELIVERY_TIMEOUT"] = "30"
    delivered_through(pg_home, holding, lambda: server.terminate() >= 1 or pytest.fail("no connection to kill"))


def test_server_restarted_during_delivery_then_each_change_told_once(
    pg_home: Home, registry: StandInRegistry, holding: HoldingReceiver, server: Server
) -> None:
    changed_two(pg_home, registry, holding)
    pg_home.env["MONITOR_DELIVERY_TIMEOUT"] = "30"
    # down when the target accepts the message; back 1.5 s later, before the wait for it runs out
    delivered_through(pg_home, holding, lambda: (server.stop(), threading.Timer(1.5, server.start).start()))


def test_daemon_survives_the_server_going_away_mid_check(
    pg_home: Home, registry: StandInRegistry, hook: JsonReceiver, server: Server
) -> None:
    pg_home.write_watchlist(TRIALS, [hook.url()], interval="2s")
    assert pg_home.run("check").code == 0
    log = pg_home.folder / "daemon.log"
    sponsor_edit(registry, TRIALS[0], recruit)
    sponsor_edit(registry, TRIALS[1], suspend)
    stopped: list[bool] = []
    registry.at_request(1, lambda: (server.stop(), stopped.append(True)))
    registry.refresh()
    daemon = pg_home.start("run", "--no-web", log=log)
    try:
        assert wait_until(lambda: "check failed" in log.read_text(), timeout=60), log.read_text()
        assert stopped
        time.sleep(3)  # a few more checks meet the database down
        server.start()
        hook.wait_for(2, timeout=30)
        time.sleep(3)  # a few more checks tell nothing new
    finally:
        code, _ = stop(daemon, signal.SIGTERM)
    output = log.read_text()
    assert code == 0, output
    assert "Traceback" not in output and "[SQL:" not in output, output
    failures = [line for line in output.splitlines() if "check failed" in line]
    assert all("database" in line for line in failures), failures
    told = Counter(trial for message in hook.messages for trial in TRIALS if trial in message.title)
    assert told == {TRIALS[0]: 1, TRIALS[1]: 1}, [m.title for m in hook.messages]
