"""Packing the snapshots stored before revision 10, in place: batch by batch, each its own transaction.

``finish(engine)`` runs after every schema upgrade (``migrations.upgrade``): one read when nothing is
left (the partial index ``ix_snapshot_unpacked`` is empty), else it packs ``BATCH`` rows at a time, in
hash order, each batch committed on its own. Memory is one batch of views; an interrupted run has lost
at most its open batch, and the next start goes on from what is left. Meanwhile the store reads both
kinds of rows (``codec.stored_view``) and writes only packed ones, so a check between two runs works;
two processes converting at once do the same rows twice, harmlessly (a row is packed only while it is
still unpacked). Nothing is decided here: each view is kept as it was stored, only encoded.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Text, bindparam, cast, literal_column, select, update

from monitor.store import codec
from monitor.store.tables import Snapshot

log = logging.getLogger("monitor.store")

BATCH = 200  # rows a transaction: ~4 MiB of JSON for the fixtures' average view, 20 MiB for the largest
SNAPSHOT = Snapshot.__table__
_unpacked = SNAPSHOT.c.packed.is_(None)


def pending(conn: Connection) -> bool:
    """Whether any snapshot is still unpacked (one lookup in the partial index)."""
    return conn.execute(select(SNAPSHOT.c.hash).where(_unpacked).limit(1)).first() is not None


def _parsed(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # what the standard library wrote and only it reads (NaN …)
        return json.loads(text)


def pack_batch(conn: Connection, after: str, size: int = BATCH) -> tuple[str, int] | None:
    """Pack the next ``size`` unpacked rows after the hash ``after`` (no commit): the last hash seen and
    how many rows were packed, or None when none was left."""
    rows = conn.execute(select(SNAPSHOT.c.hash, cast(SNAPSHOT.c.view, Text))
                        .where(_unpacked, SNAPSHOT.c.hash > after).order_by(SNAPSHOT.c.hash).limit(size)).all()
    if not rows:
        return None
    statement = (update(SNAPSHOT).where(SNAPSHOT.c.hash == bindparam("h"), _unpacked)
                 .values(packed=bindparam("p"), view=literal_column("'null'")))
    packed = conn.execute(statement, [{"h": hash_, "p": codec.pack(_parsed(text))} for hash_, text in rows])
    return str(rows[-1][0]), packed.rowcount if packed.rowcount >= 0 else len(rows)


def finish(engine: Engine, size: int = BATCH, batches: int | None = None) -> int:
    """Pack every snapshot still unpacked (at most ``batches`` batches, when given: a test's interruption);
    returns how many rows this call packed."""
    with engine.connect() as conn:
        if not pending(conn):
            return 0
    log.info("packing the snapshots stored before this version, %d at a time (it may be interrupted: "
             "the next start goes on)", size)
    after, done, runs = "", 0, 0
    while batches is None or runs < batches:
        with engine.begin() as conn:
            found = pack_batch(conn, after, size)
        if found is None:
            log.info("packed %d stored snapshots", done)
            break
        (after, count), runs = found, runs + 1
        done += count
        if runs % 100 == 0:
            log.info("packed %d stored snapshots so far", done)
    return done
