"""What the faces read in bulk: a page of trials (filtered by status and by recent changes), each trial's
latest change, and the counts behind the metrics. Reads only; a page costs a few queries whatever the
number of trials watched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from monitor.store.tables import ChangeRecord, Cycle, Delivery, Trial
from monitor.store.trials import chunks, mine

PUSHED = ("high", "medium", "low")
RANK = {level: rank for rank, level in enumerate(reversed(PUSHED))}
AWAITING = "awaiting"  # the status filter for trials without a baseline yet


def _filtered(registry: str, status: str | None, changed_since: datetime | None) -> Any:
    statement = select(Trial.trial_id).where(mine(registry))
    if status == AWAITING:
        statement = statement.where(col(Trial.snapshot_hash).is_(None))
    elif status:
        statement = statement.where(col(Trial.overall_status) == status)
    if changed_since is not None:
        changed = select(ChangeRecord.trial_id).where(
            col(ChangeRecord.registry_key) == registry, col(ChangeRecord.detected_at) >= changed_since,
            col(ChangeRecord.level).in_(PUSHED))
        statement = statement.where(col(Trial.trial_id).in_(changed))
    return statement


def page(
    session: Session, registry: str, *, among: Sequence[str] | None, status: str | None = None,
    changed_since: datetime | None = None, offset: int = 0, limit: int = 50,
) -> tuple[list[str], int]:
    """One page of the trials that pass the filters, and how many pass in all.

    ``among`` (a watchlist's trials, in its order) or, when None, every trial of the registry in id
    order. A trial of ``among`` with no row yet passes only the "awaiting" filter (and no filter).
    """
    statement = _filtered(registry, status, changed_since)
    if among is None:
        total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        ids = list(session.exec(statement.order_by(Trial.trial_id).offset(offset).limit(limit)))
        return ids, total
    passing = set(session.exec(statement))
    if status in (None, AWAITING) and changed_since is None:  # trials not stored yet await their baseline
        stored = set(session.exec(select(Trial.trial_id).where(mine(registry))))
        passing |= {i for i in among if i not in stored}
    ordered = [i for i in dict.fromkeys(among) if i in passing]
    return ordered[offset : offset + limit], len(ordered)


def status_counts(session: Session, registry: str, among: Sequence[str] | None) -> dict[str, int]:
    """How many trials have each status (``awaiting``: no baseline yet)."""
    if among is None:  # a whole registry: counted by the database
        grouped = session.execute(select(Trial.overall_status, col(Trial.snapshot_hash).is_(None), func.count())
                                  .where(mine(registry)).group_by(Trial.overall_status, col(Trial.snapshot_hash).is_(None)))
        counts: dict[str, int] = {}
        for status, awaiting, count in grouped:
            key = AWAITING if awaiting or not status else status
            counts[key] = counts.get(key, 0) + count
        return counts
    rows = session.execute(select(Trial.trial_id, Trial.overall_status, Trial.snapshot_hash).where(mine(registry)))
    wanted = set(among)
    counts = {}
    seen = 0
    for trial_id, status, snapshot in rows:
        if trial_id in wanted:
            key = status if snapshot is not None and status else AWAITING
            counts[key] = counts.get(key, 0) + 1
            seen += 1
    if len(wanted) > seen:
        counts[AWAITING] = counts.get(AWAITING, 0) + len(wanted) - seen
    return counts


def latest_changes(session: Session, registry: str, trial_ids: Sequence[str]) -> dict[str, ChangeRecord]:
    """Each trial's latest change worth telling: of the events its newest check pushed, the most
    important (the first among equals), as its message's title names it."""
    found: dict[str, ChangeRecord] = {}
    for chunk in chunks(list(trial_ids), 500):
        rows = session.exec(
            select(ChangeRecord).where(col(ChangeRecord.registry_key) == registry, col(ChangeRecord.trial_id).in_(chunk),
                                       col(ChangeRecord.level).in_(PUSHED))
            .order_by(col(ChangeRecord.detected_at).desc(), col(ChangeRecord.id)))
        for row in rows:
            kept = found.setdefault(row.trial_id, row)
            if row.detected_at == kept.detected_at and RANK[row.level] > RANK[kept.level]:
                found[row.trial_id] = row
    return found


def events_since(session: Session, since: datetime, levels: Sequence[str], limit: int,
                 trial_id: str | None = None, registry: str | None = None) -> list[ChangeRecord]:
    """Events detected since ``since`` at these levels (of one trial, or all), oldest first, at most ``limit``."""
    statement = select(ChangeRecord).where(col(ChangeRecord.detected_at) >= since, col(ChangeRecord.level).in_(levels))
    if trial_id is not None:
        statement = statement.where(col(ChangeRecord.registry_key) == registry, ChangeRecord.trial_id == trial_id)
    return list(session.exec(statement.order_by(col(ChangeRecord.detected_at), col(ChangeRecord.id)).limit(limit)))


# --- the counts behind /metrics -----------------------------------------------------------------------


def checks_by_outcome(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Cycle.outcome, func.count()).group_by(Cycle.outcome)).all())


def check_runs(session: Session) -> list[tuple[datetime, datetime, int]]:
    """(started, finished, requests) of every finished check."""
    return [tuple(row) for row in session.execute(  # type: ignore[misc]
        select(Cycle.started_at, Cycle.finished_at, Cycle.requests).where(col(Cycle.finished_at).is_not(None)))]


def last_good_check(session: Session) -> datetime | None:
    return session.scalar(select(func.max(Cycle.finished_at)).where(col(Cycle.outcome).in_(("checked", "quiet"))))


def events_by_kind_and_level(session: Session) -> dict[tuple[str, str], int]:
    rows = session.execute(select(ChangeRecord.kind, ChangeRecord.level, func.count())
                           .group_by(ChangeRecord.kind, ChangeRecord.level))
    return {(kind, level): count for kind, level, count in rows}


def deliveries_by_state_and_target(session: Session) -> dict[tuple[str, str], int]:
    """(state, target key) → deliveries."""
    rows = session.execute(select(Delivery.state, Delivery.target_key, func.count())
                           .group_by(Delivery.state, Delivery.target_key))
    return {(state, key): count for state, key, count in rows}


def trial_count(session: Session, registry: str) -> int:
    return session.scalar(select(func.count()).select_from(Trial).where(mine(registry))) or 0
