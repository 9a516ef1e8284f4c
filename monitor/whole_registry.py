"""Watching the whole registry (``trials: all``): the check's cost follows what the registry changed.

    registry not refreshed      -> quiet: the /version request only
    refreshed, no cursor yet    -> the baseline: every record, whole, page by page (≈ 570 pages)
    refreshed                   -> every record updated since the cursor, whole, page by page
                                   (a few thousand a day: a handful of pages); a record new to the
                                   registry gets its baseline, silently
    sweep (opt-in: `sweep: 7d`) -> the sweep's share of the longest-unswept records, by id

Memory stays bounded by one page: nothing is kept per record beyond the notable decisions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.core.decide import Reading
from monitor.core.identity import match_studies, study_ids
from monitor.core.sync import sweep_quota
from monitor.registry import RegistryClient
from monitor.store import everything as stored
from monitor.watchlist import Watchlist

if TYPE_CHECKING:
    from monitor.cycle import CycleReport


async def check_everything(
    client: RegistryClient,
    engine: Engine,
    watchlist: Watchlist,
    report: CycleReport,
    store: Callable[[dict[str, Reading | None]], None],
    now: datetime,
) -> None:
    """Check every record in the registry, one page at a time."""
    report.compact = True
    with Session(engine) as session:
        report.watched = stored.count(session)
    if not report.refreshed:
        report.outcome = "quiet"
        return
    done = 0
    async for page, total in client.studies_everything(report.since):
        with Session(engine) as session:
            known = stored.known_ids(session, sorted({i for study in page for i in study_ids(study)}))
            new = [ids[0] for ids in map(study_ids, page) if ids and not any(i in known for i in ids)]
            stored.enrol(session, new, now)
        store(match_studies(page, known | {i: i for i in new}))
        report.watched += len(new)
        done += len(page)
        if report.progress and total:
            report.progress(done, max(total, done))
    if watchlist.sweep_seconds:
        await _sweep(client, engine, report.watched, watchlist.sweep_seconds, store, now)
    report.outcome = "checked"


async def _sweep(
    client: RegistryClient, engine: Engine, stored_trials: int, period: int,
    store: Callable[[dict[str, Reading | None]], None], now: datetime,
) -> None:
    """Re-fetch the sweep's share by id: what the date filter cannot see, and deletions."""
    with Session(engine) as session:
        due = stored.sweep_due(session, limit=sweep_quota(stored_trials, period),
                               due_before=now - timedelta(seconds=period))
    if not due:
        return
    known = {served: nct_id for nct_id, served in due.items()} | {i: i for i in due}
    found: set[str] = set()
    async for page in client.studies_by_id(list(due.values())):
        readings = match_studies(page, known)
        found.update(readings)
        store(readings)
    store({i: None for i in due if i not in found})
