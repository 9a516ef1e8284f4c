"""A trial's past as stored: its change events and backfilled versions, the feed's events, backfill state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from monitor.core.events.context import PastEvent, PastVersion
from monitor.store.tables import Backfill, ChangeRecord, Trial, TrialVersion

CONTEXT_KINDS = ("date", "status")  # what a trial's past needs for its wording ("2nd slip")


def past(session: Session, registry: str, trial_ids: Sequence[str]) -> dict[str, tuple[list[PastEvent], list[PastVersion]]]:
    """Each trial's earlier date and status events and its backfilled versions; two queries."""
    if not trial_ids:
        return {}
    ids = list(dict.fromkeys(trial_ids))
    found: dict[str, tuple[list[PastEvent], list[PastVersion]]] = {i: ([], []) for i in ids}
    rows = session.exec(
        select(ChangeRecord.trial_id, ChangeRecord.kind, ChangeRecord.field, ChangeRecord.old, ChangeRecord.new,
               ChangeRecord.registry_date)
        .where(col(ChangeRecord.registry_key) == registry, col(ChangeRecord.trial_id).in_(ids),
               col(ChangeRecord.kind).in_(CONTEXT_KINDS))
        .order_by(col(ChangeRecord.id))
    )
    for trial_id, kind, field, old, new, registry_date in rows:
        found[trial_id][0].append(PastEvent(kind, field, old, new, registry_date))
    for row in session.exec(select(TrialVersion).where(col(TrialVersion.registry_key) == registry,
                                                       col(TrialVersion.trial_id).in_(ids))):
        found[row.trial_id][1].append(PastVersion(row.version, row.posted, row.status))
    return found


def events(session: Session, registry: str, trial_id: str) -> list[ChangeRecord]:
    """A trial's recorded events, newest first (a check's events keep the order they were found in)."""
    statement = (
        select(ChangeRecord)
        .where(col(ChangeRecord.registry_key) == registry, ChangeRecord.trial_id == trial_id)
        .order_by(col(ChangeRecord.detected_at).desc(), col(ChangeRecord.id))
    )
    return list(session.exec(statement).all())


def versions(session: Session, registry: str, trial_id: str) -> list[PastVersion]:
    statement = (select(TrialVersion).where(col(TrialVersion.registry_key) == registry, TrialVersion.trial_id == trial_id)
                 .order_by(col(TrialVersion.version)))
    return [PastVersion(row.version, row.posted, row.status) for row in session.exec(statement)]


def recent_events(session: Session, since: datetime, limit: int, levels: Sequence[str],
                  kinds: Sequence[str] = ()) -> list[ChangeRecord]:
    """The events of every trial detected since ``since`` (of ``kinds``, when given), newest first, at
    most ``limit``."""
    statement = select(ChangeRecord).where(col(ChangeRecord.detected_at) >= since,
                                           col(ChangeRecord.level).in_(list(levels)))
    if kinds:
        statement = statement.where(col(ChangeRecord.kind).in_(list(kinds)))
    statement = statement.order_by(col(ChangeRecord.detected_at).desc(), col(ChangeRecord.id).desc()).limit(limit)
    return list(session.exec(statement).all())


# --- the backfill's bookkeeping ---------------------------------------------------------------


def backfills(session: Session, registry: str) -> dict[str, Backfill]:
    """Where each trial's backfill stands (trials never backfilled have no row)."""
    return {b.trial_id: b for b in session.exec(select(Backfill).where(col(Backfill.registry_key) == registry))}


def baselined(session: Session, registry: str) -> list[str]:
    """The registry's trials that have a baseline."""
    return list(session.exec(select(Trial.trial_id).where(col(Trial.registry_key) == registry,
                                                          col(Trial.snapshot_hash).is_not(None))))


def save_versions(session: Session, registry: str, trial_id: str, found: Sequence[PastVersion],
                  modules: dict[int, list[str]], now: datetime) -> None:
    """Store a trial's backfilled versions (replacing any earlier backfill) and mark it done."""
    session.execute(delete(TrialVersion).where(col(TrialVersion.registry_key) == registry,
                                               col(TrialVersion.trial_id) == trial_id))
    for version in found:
        session.add(TrialVersion(registry_key=registry, trial_id=trial_id, version=version.version,
                                 posted=version.posted, status=version.status, modules=modules.get(version.version)))
    mark_backfill(session, registry, trial_id, "done", now, None, f"{len(found)} versions", attempts=None)
    session.commit()


def mark_backfill(session: Session, registry: str, trial_id: str, state: str, now: datetime, retry: datetime | None,
                  note: str | None, *, attempts: int | None) -> None:
    """Where a trial's backfill stands now (``attempts`` None: one more than before); no commit."""
    row = session.get(Backfill, (registry, trial_id)) or Backfill(
        registry_key=registry, trial_id=trial_id, state=state, last_attempt_at=now)
    row.state, row.last_attempt_at, row.next_attempt_at, row.note = state, now, retry, note
    row.attempts = attempts if attempts is not None else row.attempts + 1
    session.add(row)
