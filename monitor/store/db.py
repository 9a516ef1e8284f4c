"""Opening the database (SQLite in WAL mode by default, PostgreSQL when shared) and the cycle lock.

The locks themselves (dying with their holder) are in ``monitor.store.locks``.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

import stamina
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import create_engine

from monitor.core.words import shown_url
from monitor.store import migrations, tables  # noqa: F401  (registers the tables)
from monitor.store.errors import StoreError, first_line, safe_url, sqlite_path
from monitor.store.locks import held

log = logging.getLogger("monitor.store")

CONNECT_TIMEOUT = 10  # seconds (PostgreSQL): to connect, and to get a connection back once the server went away
BUSY_TIMEOUT = 30  # seconds (SQLite): a write waits this long for another process's lock, then fails


def open_engine(url: str) -> Engine:
    """Create the engine and the SQLite folder if needed, and migrate the schema to the newest
    revision (never dropping data); errors become StoreError."""
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise StoreError(f"MONITOR_DATABASE_URL is not a database URL: {shown_url(url)!r}") from None
    path = sqlite_path(url)
    if path is not None:
        _prepare_folder(path)
    query = make_url(url).query
    try:
        # a PostgreSQL server that never answers must not hang a command: 10 s to connect, unless the
        # URL says otherwise (?connect_timeout=N); SQLite's ?timeout=N is its busy timeout
        connect_args = {"connect_timeout": CONNECT_TIMEOUT} if backend == "postgresql" and "connect_timeout" not in query else {}
        engine = create_engine(url, pool_pre_ping=backend != "sqlite", connect_args=connect_args)
    except (ArgumentError, ImportError) as exc:
        hint = " (install the 'postgres' extra: pip install 'trial-monitor[postgres]')" if backend == "postgresql" else ""
        raise StoreError(f"cannot use database {safe_url(url)}: {exc}{hint}") from None
    if backend == "sqlite":
        busy = _seconds(query.get("timeout"), BUSY_TIMEOUT)
        event.listen(engine, "connect", lambda conn, _record: _sqlite_pragmas(conn, busy))
    elif backend == "postgresql":
        _reconnect_patiently(engine, _seconds(query.get("connect_timeout"), CONNECT_TIMEOUT))
    try:
        migrations.upgrade(engine)
    except migrations.MigrationError as exc:
        engine.dispose()
        raise StoreError(str(exc)) from None
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise StoreError(f"cannot open the database {safe_url(url)}: {first_line(exc)}") from None
    return engine


def _prepare_folder(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data folder {folder}: {exc.strerror}") from None
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StoreError(f"the data folder {folder} is not writable")


def _seconds(raw: str | tuple[str, ...] | None, default: float) -> float:
    """A timeout given in the URL's query (the last one given), else the default."""
    value = raw[-1] if isinstance(raw, tuple) else raw
    try:
        return max(float(value), 0.0) if value is not None else default
    except ValueError:
        raise StoreError(f"the database URL's timeout {value!r} is not a number of seconds") from None


def _reconnect_patiently(engine: Engine, bound: float) -> None:
    """Once the server has answered, a connection it refuses (a restart, a failover) is tried again
    for up to ``bound`` seconds before the statement that needed it fails: a restart of a few seconds
    costs a check nothing, a server that stays away fails it in one line. The first connection
    (a wrong URL, a server never started) fails at once."""
    answered = False

    @event.listens_for(engine, "do_connect")
    def connect(dialect: Any, _record: object, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> Any:
        nonlocal answered
        if not answered:
            connection = dialect.connect(*cargs, **cparams)
            answered = True
            return connection
        said = False
        for attempt in stamina.retry_context(on=lambda exc: isinstance(exc, dialect.loaded_dbapi.OperationalError)
                                             and "went away" in first_line(exc), attempts=None, timeout=bound,
                                             wait_initial=0.2, wait_max=2.0, wait_jitter=0.2):
            with attempt:
                try:
                    return dialect.connect(*cargs, **cparams)
                except dialect.loaded_dbapi.OperationalError as exc:
                    if not said and "went away" in first_line(exc):
                        log.warning("%s; trying to reconnect for up to %g s", first_line(exc), bound)
                        said = True
                    raise
        raise AssertionError("unreachable")  # retry_context either returns or raises


def _sqlite_pragmas(dbapi_conn: object, busy: float) -> None:
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")  # first: switching a new file to WAL can meet a lock
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def cycle_lock(engine: Engine, *, wait: bool = True) -> contextlib.AbstractAsyncContextManager[bool]:
    """Hold the one lock that serialises cycles (and deliveries) across processes.

    Yields True when held; with ``wait=False`` yields False at once if another holder has it.
    """
    return held(engine, "cycle", wait=wait)
