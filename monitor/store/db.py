"""Opening the database (SQLite in WAL mode by default, PostgreSQL when shared) and the cycle lock.

The cycle lock dies with its holder: an ``flock`` on a file beside the SQLite database (the
kernel drops it when the process dies, even on SIGKILL), or a PostgreSQL advisory lock held by
a session (dropped when the connection goes). Never a PID file or a lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlmodel import SQLModel, create_engine

from monitor.store import tables  # noqa: F401  (registers the tables)

_ADVISORY_KEY = 7_307_151_419  # "trial-monitor" cycle lock in pg_advisory_lock's key space


class StoreError(Exception):
    """The database cannot be opened or written: one line for the user."""


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def open_engine(url: str) -> Engine:
    """Create the engine, the SQLite folder if needed, and the tables; errors become StoreError."""
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise StoreError(f"MONITOR_DATABASE_URL is not a database URL: {url!r}") from None
    path = sqlite_path(url)
    if path is not None:
        _prepare_folder(path)
    try:
        engine = create_engine(url, pool_pre_ping=backend != "sqlite")
    except (ArgumentError, ImportError) as exc:
        hint = " (install the 'postgres' extra: pip install 'trial-monitor[postgres]')" if backend == "postgresql" else ""
        raise StoreError(f"cannot use database {make_url(url).render_as_string(hide_password=True)}: {exc}{hint}") from None
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        SQLModel.metadata.create_all(engine)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the database {_safe(url)}: {_first_line(exc)}") from None
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
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig or exc).strip().splitlines()[0]


@contextlib.asynccontextmanager
async def cycle_lock(engine: Engine, *, wait: bool = True) -> AsyncIterator[bool]:
    """Hold the one lock that serialises cycles (and deliveries) across processes.

    Yields True when held; with ``wait=False`` yields False at once if another holder has it.
    """
    path = sqlite_path(str(engine.url))
    if engine.url.get_backend_name() == "postgresql":
        async with _advisory_lock(engine, wait) as held:
            yield held
    elif path is not None:
        async with _file_lock(path.with_name(path.name + ".lock"), wait) as held:
            yield held
    else:
        yield True


@contextlib.asynccontextmanager
async def _file_lock(path: Path, wait: bool) -> AsyncIterator[bool]:
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    yield False
                    return
                await asyncio.sleep(0.2)
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.asynccontextmanager
async def _advisory_lock(engine: Engine, wait: bool) -> AsyncIterator[bool]:
    try:
        conn = engine.connect()
    except OperationalError as exc:
        raise StoreError(f"cannot reach the database {_safe(str(engine.url))}: {_first_line(exc)}") from None
    try:
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _ADVISORY_KEY}).scalar():
            conn.rollback()
            if not wait:
                yield False
                return
            await asyncio.sleep(0.5)
        conn.commit()
        try:
            yield True
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
            conn.commit()
    finally:
        conn.close()
