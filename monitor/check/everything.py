"""Watching a whole registry (``trials: all``): the check's cost follows what the registry changed.

    registry not refreshed      -> quiet: the version request only
    refreshed, no cursor yet    -> the baseline: every record, whole, page by page (≈ 570 pages)
    refreshed                   -> every record updated since the cursor, whole, page by page
                                   (a few thousand a day: a handful of pages); a record new to the
                                   registry gets its baseline, silently
    sweep (opt-in: `sweep: 7d`) -> the sweep's share of the longest-unswept records, by id

Memory stays bounded by one page: nothing is kept per record beyond the notable decisions.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.check.pipe import Pipe, Progress, fetch_whole, prune
from monitor.check.plan import sweep_quota
from monitor.check.watched import Checked, Gate
from monitor.core.identity import match
from monitor.registry.base import Registry
from monitor.store import everything as stored


async def check_everything(
    registry: Registry, engine: Engine, pipe: Pipe, gate: Gate, *, sweep_seconds: int, keep_snapshots: int,
    keep_days: int, progress: Progress | None = None,
) -> Checked:
    """Check every record in the registry, one page at a time."""
    key = pipe.context.registry
    with Session(engine) as session:
        watched = stored.count(session, key)
    if gate.refreshed:
        watched = await _refreshed(registry, engine, pipe, gate, watched, sweep_seconds, progress)
    prune(pipe, keep_snapshots=keep_snapshots, keep_days=keep_days)
    return Checked("checked" if gate.refreshed else "quiet", watched)


async def _refreshed(registry: Registry, engine: Engine, pipe: Pipe, gate: Gate, watched: int,
                     sweep_seconds: int, progress: Progress | None) -> int:
    """Every record updated since the cursor (all of them, the first time), then the sweep's share."""
    key, now = pipe.context.registry, pipe.context.now
    done = 0
    async for records, total in registry.everything(gate.since):
        with Session(engine) as session:
            known = stored.known_ids(session, key, sorted({i for record in records for i in record.ids}))
            new = [r.ids[0] for r in records if r.ids and not any(i in known for i in r.ids)]
            stored.enrol(session, key, new, now)
        pipe(match(records, known | {i: i for i in new}))
        watched += len(new)
        done += len(records)
        records.clear()  # this page's views go before the next page is fetched: one page in memory, not two
        if progress and total:
            progress(done, max(total, done))
    if sweep_seconds:
        with Session(engine) as session:  # what the date filter cannot see, and deletions
            due = stored.sweep_due(session, key, limit=sweep_quota(watched, sweep_seconds,
                                                                   registry.about.refreshes_per_week),
                                   due_before=now - timedelta(seconds=sweep_seconds))
        if due:
            known = {served: trial_id for trial_id, served in due.items()} | {i: i for i in due}
            await fetch_whole(registry, pipe, list(due), served=due, known=known)
    return watched
