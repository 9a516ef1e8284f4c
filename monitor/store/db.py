"""Opening the database (SQLite in WAL mode by default, PostgreSQL when shared) and the cycle lock.

The locks themselves (dying with their holder) are in ``monitor.store.locks``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import create_engine

from monitor.store import migrations, tables  # noqa: F401  (registers the tables)
from monitor.store.errors import StoreError, first_line, safe_url, sqlite_path
from monitor.store.locks import held


def open_engine(url: str) -> Engine:
    """Create the engine and the SQLite folder if needed, and migrate the schema to the newest
    revision (never dropping data); errors become StoreError."""
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise StoreError(f"MONITOR_DATABASE_URL is not a database URL: {url!r}") from None
    path = sqlite_path(url)
    if path is not None:
        _prepare_folder(path)
    try:
        # a PostgreSQL server that never answers must not hang a command: 10 s to connect
        connect_args = {"connect_timeout": 10} if backend == "postgresql" else {}
        engine = create_engine(url, pool_pre_ping=backend != "sqlite", connect_args=connect_args)
    except (ArgumentError, ImportError) as exc:
        hint = " (install the 'postgres' extra: pip install 'trial-monitor[postgres]')" if backend == "postgresql" else ""
        raise StoreError(f"cannot use database {safe_url(url)}: {exc}{hint}") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
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


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA busy_timeout=30000")  # first: switching a new file to WAL can meet a lock
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def cycle_lock(engine: Engine, *, wait: bool = True) -> contextlib.AbstractAsyncContextManager[bool]:
    """Hold the one lock that serialises cycles (and deliveries) across processes.

    Yields True when held; with ``wait=False`` yields False at once if another holder has it.
    """
    return held(engine, "cycle", wait=wait)
