"""Locks that die with their holder, for two jobs: one cycle at a time, one scheduler at a time.

SQLite: an ``flock`` on a file beside the database (the kernel drops it when the process dies,
even on SIGKILL). PostgreSQL: a session advisory lock (dropped when the connection goes). Never
a PID file or a lease that a killed process leaves behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from monitor.store.errors import first_line, sqlite_path

LockName = Literal["cycle", "schedule"]

# Keys in pg_advisory_lock's space, one per lock; ...420 is the migrations' (store/migrations).
_ADVISORY_KEYS: dict[str, int] = {"cycle": 7_307_151_419, "schedule": 7_307_151_421}
_FILE_SUFFIX: dict[str, str] = {"cycle": ".lock", "schedule": ".schedule.lock"}


class LockUnavailable(Exception):
    """The database holding the lock cannot be reached."""


@contextlib.asynccontextmanager
async def held(engine: Engine, name: LockName, *, wait: bool = True, poll: float = 0.2) -> AsyncIterator[bool]:
    """Hold the named lock; yields True when held, or False at once when ``wait`` is off and it is taken."""
    database = sqlite_path(engine.url)
    if engine.url.get_backend_name() == "postgresql":
        async with _advisory(engine, _ADVISORY_KEYS[name], wait, max(poll, 0.5)) as got:
            yield got
    elif database is not None:
        async with _flock(database.with_name(database.name + _FILE_SUFFIX[name]), wait, poll) as got:
            yield got
    else:  # an in-memory database lives in one process only
        yield True


@contextlib.asynccontextmanager
async def _flock(path: Path, wait: bool, poll: float) -> AsyncIterator[bool]:
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
                await asyncio.sleep(poll)  # never block the event loop (heartbeat, signals)
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.asynccontextmanager
async def _advisory(engine: Engine, key: int, wait: bool, poll: float) -> AsyncIterator[bool]:
    try:
        conn = engine.connect()
    except OperationalError as exc:
        raise LockUnavailable(first_line(exc)) from None
    try:
        try:
            while not (got := bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())) and wait:
                conn.rollback()
                await asyncio.sleep(poll)
            conn.commit()
        except OperationalError as exc:  # the server went away while we waited for the lock
            raise LockUnavailable(first_line(exc)) from None
        if not got:
            yield False
            return
        try:
            yield True
        finally:
            with contextlib.suppress(Exception):  # a dead connection has dropped the lock already
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
    finally:
        conn.close()
