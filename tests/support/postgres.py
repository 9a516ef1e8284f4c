"""A real PostgreSQL for the tests: a throwaway cluster per test session, a fresh database per test.

Imported into ``tests/conftest.py`` with ``from tests.support.postgres import *  # noqa``.

* ``postgres_url`` (session): a server URL without a database, ``postgresql+psycopg://postgres@127.0.0.1:PORT``.
  By default a new cluster made with Debian's ``initdb`` in a temporary folder (in /dev/shm when
  it has room, else $TMPDIR; MONITOR_TEST_PG_DIR to choose), Debian's packages installed by
  ``scripts/postgres.sh ensure`` when absent, listening on a free port of 127.0.0.1 only, run
  as the unprivileged ``postgres`` user when we are root, stopped and deleted at session end.
  With ``MONITOR_TEST_PG_URL=postgresql+psycopg://user:pw@host:port/admin_db`` an existing
  server is used instead and that URL is yielded as is (the user needs CREATEDB; the test
  databases are created there and dropped afterwards).
* ``pg_database_url`` (function): ``CREATE DATABASE test_<n>`` on that server, its URL, dropped after.
* ``store_url`` (function, parametrised ``sqlite`` / ``postgresql``): an empty database on each
  backend (a file under ``tmp_path/snapshots/``, or ``pg_database_url``).

When PostgreSQL cannot be installed or started the tests that need it are skipped with the
reason, or fail with it when the environment variable ``CI`` is set.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy.engine import URL, make_url

__all__ = ["postgres_url", "pg_database_url", "store_url", "pytest_terminal_summary"]  # throwaway_server: bench/

REPO = Path(__file__).resolve().parents[2]
ENSURE = REPO / "scripts" / "postgres.sh"
_names = itertools.count(1)


@dataclass
class _Started:
    """What the session's server is, for the summary line."""

    description: str = ""
    seconds: float | None = None
    databases: int = 0
    notes: list[str] = field(default_factory=list)


_started = _Started()


def _unavailable(reason: str) -> NoReturn:
    reason = f"PostgreSQL unavailable: {reason}"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _bindir() -> Path | None:
    candidates = [d for d in Path("/usr/lib/postgresql").glob("*/bin") if (d / "initdb").exists() and (d / "pg_ctl").exists()]
    candidates.sort(key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0, reverse=True)
    return candidates[0] if candidates else None


def _ensure_bindir() -> Path:
    found = _bindir()
    if found is not None:
        return found
    done = subprocess.run([str(ENSURE), "ensure"], capture_output=True, text=True, timeout=900)
    found = _bindir()
    if found is None:
        detail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or [f"exit {done.returncode}"]
        _unavailable(f"{ENSURE.relative_to(REPO)} ensure failed: {detail[0]}")
    return found


def _as_postgres_user() -> tuple[list[str], int | None, int | None]:
    """The command prefix that runs as an unprivileged user (PostgreSQL refuses to run as root)."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        made = subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", "postgres"],
            capture_output=True, text=True,
        )
        if made.returncode != 0:
            _unavailable(f"no 'postgres' system user and useradd failed: {made.stderr.strip()}")
        user = pwd.getpwnam("postgres")
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--"], user.pw_uid, user.pw_gid
    if shutil.which("setpriv"):
        return (["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"],
                user.pw_uid, user.pw_gid)
    _unavailable("running as root and neither runuser nor setpriv is available to drop privileges")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _admin(url: str):  # type: ignore[no-untyped-def]  # -> psycopg.Connection
    import psycopg

    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
        dbname=parsed.database or "postgres", autocommit=True, connect_timeout=10,
    )


class _Cluster:
    """initdb + pg_ctl in a temporary folder, as the postgres user when we are root."""

    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable  # fsync and full page writes on, the folder on disk: for benchmarks
        self.prefix, uid, gid = _as_postgres_user()
        self.folder = Path(tempfile.mkdtemp(prefix="trial-monitor-pg-", dir=None if durable else _scratch()))
        if uid is not None:
            os.chown(self.folder, uid, gid if gid is not None else -1)
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = 0

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")
        return subprocess.run(
            [*self.prefix, *args], cwd=self.folder, env=env, capture_output=True, text=True, timeout=timeout
        )

    def start(self) -> str:
        init = self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {_last_line(init.stderr or init.stdout)}")
        for _attempt in range(3):  # a free port can be taken between probing and listening
            self.port = _free_port()
            options = f"-p {self.port} -h 127.0.0.1 -k {self.folder} -c max_connections=200" + (
                "" if self.durable else " -F -c full_page_writes=off -c synchronous_commit=off")
            started = self._run(
                str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                "-o", options, "start",
            )
            if started.returncode == 0:
                return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"
        log = self.log.read_text(errors="replace") if self.log.exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {_last_line(log or started.stderr or started.stdout)}")

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def throwaway_server(*, durable: bool = False) -> Iterator[str]:
    """Outside pytest (the benchmarks): a throwaway cluster's server URL, as ``postgres_url`` makes one;
    ``durable``: PostgreSQL's own defaults (fsync, full page writes) on disk, not the tests' fast settings."""
    cluster = _Cluster(_ensure_bindir(), durable=durable)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


def _scratch() -> str | None:
    """Where the cluster lives: RAM (/dev/shm) when roomy, where CREATE DATABASE takes 10 ms, not 300."""
    chosen = os.environ.get("MONITOR_TEST_PG_DIR")
    if chosen:
        return chosen
    shm = Path("/dev/shm")
    try:
        if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 512 * 2**20:
            return str(shm)
    except OSError:
        pass
    return None  # the usual temporary folder


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server URL without a database name (see the module docstring)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install -e '.[postgres]')")
    external = os.environ.get("MONITOR_TEST_PG_URL")
    if external:
        try:
            with _admin(external) as conn:
                version = conn.execute("SHOW server_version").fetchone()[0]
        except Exception as exc:  # noqa: BLE001
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            _unavailable(f"MONITOR_TEST_PG_URL={make_url(external).render_as_string(hide_password=True)}: {first}")
        _started.description = f"PostgreSQL {version} at MONITOR_TEST_PG_URL"
        yield external
        return
    bindir = _ensure_bindir()
    began = time.monotonic()
    cluster = _Cluster(bindir)
    try:
        try:
            base = cluster.start()
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            _unavailable(str(exc))
        _started.seconds = time.monotonic() - began
        _started.description = f"PostgreSQL {bindir.parent.name} throwaway cluster on port {cluster.port}"
        yield base
    finally:
        cluster.stop()


@pytest.fixture
def pg_database_url(postgres_url: str) -> Iterator[str]:
    """A fresh, empty database on the session's server for this one test; dropped afterwards."""
    name = f"test_{os.getpid()}_{next(_names)}" if os.environ.get("MONITOR_TEST_PG_URL") else f"test_{next(_names)}"
    with _admin(postgres_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    _started.databases += 1
    server = make_url(postgres_url)
    url: URL = server.set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with _admin(postgres_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL on each backend."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_database_url"))
    folder = tmp_path / "snapshots"
    folder.mkdir(exist_ok=True)
    return f"sqlite:///{folder / 'monitor.db'}"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]  # noqa: ARG001
    if not _started.description:
        return
    took = f", started in {_started.seconds:.1f} s" if _started.seconds is not None else ""
    terminalreporter.write_line(f"{_started.description}{took}; {_started.databases} test databases")
