"""Queries for a trial's past: the context of its changes, its changelog, and the history backfill."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete
from sqlmodel import Session, col, select

from monitor.core.events.context import PastEvent, PastVersion, TrialHistory, history_of
from monitor.store.tables import Backfill, ChangeRecord, Trial, TrialVersion

# A failed backfill is tried again after a day, then two days; after the third failure it is given up.
BACKFILL_ATTEMPTS = 3
BACKFILL_RETRY = timedelta(days=1)
CONTEXT_KINDS = ("date", "status")


def history_contexts(session: Session, nct_ids: Sequence[str]) -> dict[str, TrialHistory]:
    """Each trial's past as its change events need it (earlier slips, suspensions); two queries."""
    if not nct_ids:
        return {}
    ids = list(dict.fromkeys(nct_ids))
    events: dict[str, list[PastEvent]] = {i: [] for i in ids}
    rows = session.exec(
        select(ChangeRecord.nct_id, ChangeRecord.kind, ChangeRecord.field, ChangeRecord.old, ChangeRecord.new,
               ChangeRecord.registry_date)
        .where(col(ChangeRecord.nct_id).in_(ids), col(ChangeRecord.kind).in_(CONTEXT_KINDS))
        .order_by(col(ChangeRecord.id))
    )
    for nct_id, kind, field, old, new, registry_date in rows:
        events[nct_id].append(PastEvent(kind, field, old, new, registry_date))
    versions: dict[str, list[PastVersion]] = {i: [] for i in ids}
    for row in session.exec(select(TrialVersion).where(col(TrialVersion.nct_id).in_(ids))):
        versions[row.nct_id].append(PastVersion(row.version, row.posted, row.status))
    return {i: history_of(events[i], versions[i]) for i in ids}


def trial_versions(session: Session, nct_id: str) -> list[TrialVersion]:
    statement = select(TrialVersion).where(TrialVersion.nct_id == nct_id).order_by(col(TrialVersion.version))
    return list(session.exec(statement).all())


def recent_events(session: Session, since: datetime, limit: int, levels: Sequence[str]) -> list[ChangeRecord]:
    """The events of every trial detected since ``since``, newest first, at most ``limit``."""
    statement = (
        select(ChangeRecord)
        .where(col(ChangeRecord.detected_at) >= since, col(ChangeRecord.level).in_(list(levels)))
        .order_by(col(ChangeRecord.detected_at).desc(), col(ChangeRecord.id).desc())
        .limit(limit)
    )
    return list(session.exec(statement).all())


def titles(session: Session, nct_ids: Sequence[str]) -> dict[str, str]:
    rows = session.exec(select(Trial.nct_id, Trial.title).where(col(Trial.nct_id).in_(list(set(nct_ids)))))
    return {nct_id: title for nct_id, title in rows if title}


# --- the backfill's bookkeeping ---------------------------------------------------------------


def due_backfills(session: Session, nct_ids: Sequence[str], now: datetime, most: int) -> list[str]:
    """Up to ``most`` watched trials with a baseline whose history is not yet backfilled (or is due a retry)."""
    if most <= 0 or not nct_ids:
        return []
    wanted = set(nct_ids)
    states = {b.nct_id: b for b in session.exec(select(Backfill))}
    baselined = session.exec(select(Trial.nct_id).where(col(Trial.snapshot_hash).is_not(None)))
    due = []
    for nct_id in sorted(i for i in baselined if i in wanted):
        state = states.get(nct_id)
        if state is None or (state.state == "failed" and state.next_attempt_at is not None
                             and _aware(state.next_attempt_at) <= now):
            due.append(nct_id)
            if len(due) >= most:
                break
    return due


def save_versions(session: Session, nct_id: str, versions: Sequence[PastVersion],
                  modules: dict[int, list[str]], now: datetime) -> None:
    """Store a trial's backfilled versions (replacing any earlier backfill) and mark it done."""
    session.execute(delete(TrialVersion).where(col(TrialVersion.nct_id) == nct_id))
    for version in versions:
        session.add(TrialVersion(nct_id=nct_id, version=version.version, posted=version.posted,
                                 status=version.status, modules=modules.get(version.version)))
    _mark(session, nct_id, "done", now, None, f"{len(versions)} versions")
    session.commit()


def backfill_failed(session: Session, nct_id: str, now: datetime, reason: str, *, for_good: bool) -> tuple[int, bool]:
    """Record a failed backfill; returns (attempts so far, given up). ``for_good``: never retry (e.g. 404)."""
    state = session.get(Backfill, nct_id)
    attempts = (state.attempts if state else 0) + 1
    given_up = for_good or attempts >= BACKFILL_ATTEMPTS
    retry = None if given_up else now + BACKFILL_RETRY * 2 ** (attempts - 1)
    _mark(session, nct_id, "unavailable" if given_up else "failed", now, retry, reason[:500], attempts)
    session.commit()
    return attempts, given_up


def _mark(session: Session, nct_id: str, state: str, now: datetime, retry: datetime | None,
          note: str | None, attempts: int | None = None) -> None:
    row = session.get(Backfill, nct_id) or Backfill(nct_id=nct_id, state=state, last_attempt_at=now)
    row.state, row.last_attempt_at, row.next_attempt_at, row.note = state, now, retry, note
    row.attempts = attempts if attempts is not None else row.attempts + 1
    session.add(row)


def _aware(moment: datetime) -> datetime:
    """Stored times are UTC (SQLModel hands them back aware; be safe with naive ones too)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
