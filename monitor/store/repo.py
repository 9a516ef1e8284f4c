"""The few queries the cycle and the commands need; each write is one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from monitor.core.expectations import facts_of
from monitor.core.model import ChangeEvent, Decision, Level, Message, Outcome
from monitor.core.render import render_change
from monitor.store.outbox import TargetRef, enqueue, notice_events  # noqa: F401 - repo.TargetRef, as before
from monitor.store.tables import Alert, ChangeRecord, Cycle, Snapshot, Trial

@dataclass(frozen=True)
class TrialState:
    """What a cycle needs to know of a trial before fetching: plain values, cheap for 100,000 trials."""

    nct_id: str
    snapshot_hash: str | None = None
    missing_since: datetime | None = None
    registry_id: str | None = None
    last_update_posted: str | None = None
    swept_at: datetime | None = None

    @property
    def awaiting(self) -> bool:
        """No baseline yet (and not known to be missing)."""
        return self.snapshot_hash is None and self.missing_since is None

    @property
    def missing(self) -> bool:
        return self.missing_since is not None

    @property
    def served_as(self) -> str:
        """The id the registry serves it under now (it follows a re-registration)."""
        return self.registry_id or self.nct_id


def trial_states(session: Session, nct_ids: Sequence[str], now: datetime) -> dict[str, TrialState]:
    """The state of every watched trial, creating rows for new ones (one read, one bulk insert)."""
    wanted = dict.fromkeys(nct_ids)
    columns = (Trial.nct_id, Trial.snapshot_hash, Trial.missing_since, Trial.registry_id,
               Trial.last_update_posted, Trial.swept_at)
    states = {row[0]: TrialState(*row) for row in session.execute(select(*columns)) if row[0] in wanted}
    new = [nct_id for nct_id in wanted if nct_id not in states]
    if new:
        add_trials(session, new, now)
        session.commit()
        states.update({nct_id: TrialState(nct_id) for nct_id in new})
    return states


def snapshot_views(session: Session, hashes: Iterable[str]) -> dict[str, dict]:
    wanted = [h for h in set(hashes) if h]
    if not wanted:
        return {}
    rows = session.exec(select(Snapshot).where(col(Snapshot.hash).in_(wanted)))
    return {row.hash: row.view for row in rows}


def last_good_data_timestamp(session: Session) -> str | None:
    """The registry data timestamp of the last cycle that fetched everything it had to."""
    statement = (
        select(Cycle.data_timestamp)
        .where(col(Cycle.outcome).in_(["checked", "quiet"]))
        .order_by(col(Cycle.id).desc())
        .limit(1)
    )
    return session.exec(statement).first()


def failed_streak(session: Session, before_cycle: int) -> tuple[int, datetime | None]:
    """Failed checks in a row just before ``before_cycle`` (killed ones ignored), and when it began."""
    statement = (
        select(Cycle.outcome, Cycle.started_at)
        .where(col(Cycle.id) < before_cycle, Cycle.outcome != "running")
        .order_by(col(Cycle.id).desc())
        .limit(1000)
    )
    streak, since = 0, None
    for outcome, started_at in session.exec(statement):
        if outcome != "failed":
            break
        streak, since = streak + 1, started_at
    return streak, since


def add_notice(
    session: Session, message: Message, *, targets: Sequence[TargetRef], now: datetime, cycle_id: int
) -> None:
    """A message about the monitor itself (an outage, its end), through the same outbox."""
    alert = Alert(kind="notice", title=message.title, body=message.body, created_at=now, cycle_id=cycle_id)
    session.add(alert)
    session.flush()
    assert alert.id is not None
    enqueue(session, alert.id, targets, notice_events(), now)  # kind outage, level medium


def start_cycle(session: Session, now: datetime) -> int:
    cycle = Cycle(started_at=now)
    session.add(cycle)
    session.commit()
    assert cycle.id is not None
    return cycle.id


def finish_cycle(
    session: Session,
    cycle_id: int,
    *,
    outcome: str,
    now: datetime,
    data_timestamp: str | None,
    requests: int,
    note: str = "",
    notice: Message | None = None,
    targets: Sequence[TargetRef] = (),
) -> None:
    """Close the cycle's row, with the outage notice it owes (if any) in the same transaction."""
    if notice is not None:
        add_notice(session, notice, targets=targets, now=now, cycle_id=cycle_id)
    cycle = session.get(Cycle, cycle_id)
    assert cycle is not None
    cycle.outcome, cycle.finished_at, cycle.data_timestamp = outcome, now, data_timestamp
    cycle.requests, cycle.note = requests, note or None
    session.add(cycle)
    session.commit()


def record_decision(
    session: Session,
    trial: Trial,
    decision: Decision,
    *,
    targets: Sequence[TargetRef],
    now: datetime,
    cycle_id: int,
) -> None:
    """Store one decision in one transaction: snapshot, trial state, events, alert, deliveries."""
    outcome = decision.outcome
    if outcome is Outcome.ERROR:
        trial.last_error = decision.note
    elif outcome is Outcome.NOT_FOUND:
        trial.last_checked_at = now
        trial.missing_since = trial.missing_since or now
    else:
        _store_view(session, trial, decision, now)
    record_events(session, decision, trial.last_update_posted, targets=targets, now=now, cycle_id=cycle_id)
    session.add(trial)
    session.commit()


def record_events(
    session: Session, decision: Decision, registry_date: str | None, *, targets: Sequence[TargetRef], now: datetime,
    cycle_id: int,
) -> None:
    """A decision's events for ``history``, and its alert with one delivery per target (no commit).

    Also used alone for what is found without fetching the record (expectations).
    """
    if decision.events or decision.message:
        alert_id = add_alert(session, decision, targets, now, cycle_id) if decision.message else None
        for event in decision.events:
            session.add(
                ChangeRecord(
                    nct_id=decision.nct_id, alert_id=alert_id, kind=event.kind, level=event.level.value,
                    field=event.field, old=event.old, new=event.new, text=event.text, detected_at=now,
                    registry_date=registry_date,
                )
            )


def record_unfetched(
    session: Session, nct_id: str, events: Sequence[ChangeEvent], *, shown_id: str | None, title: str | None,
    updated: str | None, targets: Sequence[TargetRef], now: datetime, cycle_id: int,
) -> None:
    """Events found about a trial without fetching its record (expectations, search news): its one alert."""
    view = {"id": shown_id or nct_id, "title": title, "updated": updated}
    decision = Decision(nct_id, Outcome.UNCHANGED, events=tuple(events), message=render_change(view, events))
    record_events(session, decision, updated, targets=targets, now=now, cycle_id=cycle_id)


def add_trials(session: Session, nct_ids: Sequence[str], now: datetime, added_by: str | None = None) -> None:
    """Insert rows for trials not stored yet (the caller knows they are new); no commit."""
    if nct_ids:
        session.execute(insert(Trial), [{"nct_id": i, "added_at": now, "added_by": added_by} for i in nct_ids])


def _stored(session: Session, fingerprint: str) -> bool:
    """Is this content stored already (A → B → A)? A bare key lookup: no flush, no row loaded."""
    with session.no_autoflush:
        return session.scalar(select(Snapshot.hash).where(Snapshot.hash == fingerprint)) is not None


def _store_view(session: Session, trial: Trial, decision: Decision, now: datetime) -> None:
    assert decision.view is not None and decision.fingerprint is not None
    if trial.snapshot_hash != decision.fingerprint and not _stored(session, decision.fingerprint):
        session.add(Snapshot(hash=decision.fingerprint, nct_id=trial.nct_id, view=decision.view, first_seen_at=now))
    view = decision.view
    trial.snapshot_hash = decision.fingerprint
    trial.registry_id = view.get("id")
    trial.title = view.get("title")
    trial.overall_status = (view.get("status") or {}).get("overall")
    trial.last_update_posted = view.get("updated")
    trial.expectation_facts = facts_of(view)  # what expectations are evaluated on, without reading snapshots
    trial.last_checked_at = now
    trial.swept_at = now  # the whole record was read: a baseline or a change counts as a sweep
    trial.missing_since = None
    trial.last_error = None
    if decision.outcome is Outcome.BASELINE:
        trial.baseline_at = trial.baseline_at or now
    if decision.outcome is Outcome.CHANGED:
        trial.last_changed_at = now


def add_alert(
    session: Session, decision: Decision, targets: Sequence[TargetRef], now: datetime, cycle_id: int
) -> int:
    assert decision.message is not None
    kind = "not_found" if decision.outcome is Outcome.NOT_FOUND else "change"
    alert = Alert(
        nct_id=decision.nct_id, kind=kind, title=decision.message.title, body=decision.message.body,
        created_at=now, cycle_id=cycle_id,
    )
    session.add(alert)
    session.flush()
    assert alert.id is not None
    if decision.outcome is Outcome.NOT_FOUND:
        session.add(
            ChangeRecord(
                nct_id=decision.nct_id, alert_id=alert.id, kind="not_found", level="medium", field="record",
                old=None, new=None, text="Not found in the registry", detected_at=now,
            )
        )
    # a delivery for each target that wants any of the pushed events (a digest target's waits for it)
    pushed = [(e.kind, e.level) for e in decision.events if e.level is not Level.INFO]
    if kind == "not_found":
        pushed = [("not_found", Level.MEDIUM)]
    enqueue(session, alert.id, targets, pushed, now)
    return alert.id


# --- what the commands read -------------------------------------------------------------------


def trials_by_id(session: Session, nct_ids: Sequence[str]) -> dict[str, Trial]:
    return {t.nct_id: t for t in session.exec(select(Trial).where(col(Trial.nct_id).in_(list(nct_ids))))}


def history(session: Session, nct_id: str) -> list[ChangeRecord]:
    statement = (
        select(ChangeRecord)
        .where(ChangeRecord.nct_id == nct_id)
        .order_by(col(ChangeRecord.detected_at).desc(), col(ChangeRecord.id))  # a cycle keeps its order
    )
    return list(session.exec(statement).all())


def last_cycle(session: Session) -> Cycle | None:
    return session.exec(select(Cycle).order_by(col(Cycle.id).desc()).limit(1)).first()


def mark_checked(session: Session, nct_ids: Sequence[str], now: datetime) -> None:
    """A good cycle vouches for every settled trial it did not need to fetch: one UPDATE per chunk."""
    for start in range(0, len(nct_ids), 5000):
        chunk = list(nct_ids[start : start + 5000])
        session.execute(update(Trial).where(col(Trial.nct_id).in_(chunk)).values(last_checked_at=now))
    session.commit()


def prune_snapshots(session: Session, changed: Sequence[str], *, keep: int, keep_days: int, now: datetime) -> int:
    """Retention: keep a trial's newest ``keep`` snapshots (0: all) and none older than ``keep_days``
    (0: no limit); the current snapshot of every trial is always kept. Returns how many went."""
    current = select(Trial.snapshot_hash).where(col(Trial.snapshot_hash).is_not(None))
    removed = 0
    if keep > 0:
        for nct_id in changed:
            hashes = session.exec(
                select(Snapshot.hash).where(Snapshot.nct_id == nct_id).order_by(col(Snapshot.first_seen_at).desc())
            ).all()
            old = list(hashes[keep:])
            if old:
                removed += session.execute(
                    delete(Snapshot).where(col(Snapshot.hash).in_(old), col(Snapshot.hash).not_in(current))
                ).rowcount or 0
    if keep_days > 0:
        removed += session.execute(
            delete(Snapshot).where(
                col(Snapshot.first_seen_at) < now - timedelta(days=keep_days), col(Snapshot.hash).not_in(current)
            )
        ).rowcount or 0
    session.commit()
    return removed
