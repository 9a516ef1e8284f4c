"""Locks that die with their holder, for two jobs: one cycle at a time, one scheduler at a time.

SQLite: an ``flock`` on a file beside the database (the kernel drops it when the process dies,
even on SIGKILL). PostgreSQL: a session advisory lock (dropped when the connection goes). Never
a PID file or a lease that a killed process leaves behind.

A session lock also goes when the database drops the connection (its backend terminated, the
server restarted) while its holder lives on: ``holding`` yields a ``Hold`` whose ``lost()`` asks,
on that same connection, whether the lock is still held.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from monitor.store.errors import first_line, sqlite_path

LockName = Literal["cycle", "schedule"]

# Keys in pg_advisory_lock's space, one per lock; ...420 is the migrations' (store/migrations).
_ADVISORY_KEYS: dict[str, int] = {"cycle": 7_307_151_419, "schedule": 7_307_151_421}
_FILE_SUFFIX: dict[str, str] = {"cycle": ".lock", "schedule": ".schedule.lock"}
# a bigint key is kept in pg_locks as its high half (classid) and low half (objid), objsubid 1
_STILL_HELD = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                   "AND pid = pg_backend_pid() AND classid::bigint = :high AND objid::bigint = :low")


class LockUnavailable(Exception):
    """The database holding the lock cannot be reached."""


class Hold:
    """A lock held. A file lock (or one process's in-memory database) is held until let go."""

    async def lost(self) -> str | None:
        """Why the lock is no longer held, or None while it is."""
        return None


class _AdvisoryHold(Hold):
    """A session advisory lock: held while its connection lives and the server still shows it held."""

    def __init__(self, conn: Connection, key: int) -> None:
        self.conn, self.key = conn, key
        self.busy = threading.Lock()  # one question at a time on the connection (asked from worker threads)

    async def lost(self) -> str | None:
        return await asyncio.to_thread(self._ask)  # never block the event loop on a server that is slow to answer

    def _ask(self) -> str | None:
        with self.busy:
            try:
                still = self.conn.execute(_STILL_HELD, {"high": self.key >> 32, "low": self.key & 0xFFFFFFFF}).scalar()
                self.conn.rollback()
            except SQLAlchemyError as exc:  # the connection is gone, and the lock with it
                return first_line(exc)
        return None if still else "the database no longer shows it held"


@contextlib.asynccontextmanager
async def held(engine: Engine, name: LockName, *, wait: bool = True, poll: float = 0.2) -> AsyncIterator[bool]:
    """Hold the named lock; yields True when held, or False at once when ``wait`` is off and it is taken."""
    async with holding(engine, name, wait=wait, poll=poll) as hold:
        yield hold is not None


@contextlib.asynccontextmanager
async def holding(engine: Engine, name: LockName, *, wait: bool = True, poll: float = 0.2) -> AsyncIterator[Hold | None]:
    """Hold the named lock; yields its ``Hold`` when held, or None at once when ``wait`` is off and it is taken."""
    database = sqlite_path(engine.url)
    if engine.url.get_backend_name() == "postgresql":
        async with _advisory(engine, _ADVISORY_KEYS[name], wait, max(poll, 0.5)) as hold:
            yield hold
    elif database is not None:
        async with _flock(database.with_name(database.name + _FILE_SUFFIX[name]), wait, poll) as got:
            yield Hold() if got else None
    else:  # an in-memory database lives in one process only
        yield Hold()


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
async def _advisory(engine: Engine, key: int, wait: bool, poll: float) -> AsyncIterator[Hold | None]:
    try:
        conn = engine.connect()
    except OperationalError as exc:
        raise LockUnavailable(first_line(exc)) from None
    stuck = False
    try:
        try:
            while not (got := bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())) and wait:
                conn.rollback()
                await asyncio.sleep(poll)
            conn.commit()
        except OperationalError as exc:  # the server went away while we waited for the lock
            raise LockUnavailable(first_line(exc)) from None
        if not got:
            yield None
            return
        hold = _AdvisoryHold(conn, key)
        try:
            yield hold
        finally:
            stuck = not hold.busy.acquire(timeout=5)  # a question unanswered that long: leave the connection be
            if not stuck:
                with contextlib.suppress(Exception):  # a dead connection has dropped the lock already
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
                hold.busy.release()
    finally:
        if not stuck:
            conn.close()
