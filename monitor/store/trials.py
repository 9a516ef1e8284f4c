"""Trials: their state and snapshots, their events and the alerts those owe, read as plain values and
written as the core decided (what goes out, and to whom, was decided before: the core's events,
``choices.recipients``); each write one transaction.

Every query is within one registry (``registry`` is its key, e.g. ``ctgov``): a trial is named by
(registry, trial id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from monitor.core.choices import TargetRef
from monitor.core.expectations import ExpectationChange
from monitor.core.model import ChangeEvent, Decision, Outcome, TrialState, Watched, pushed
from monitor.store import expectations as expecting
from monitor.store.tables import Alert, ChangeRecord, Delivery, Snapshot, Trial

CHUNK = 5000  # ids per IN (…)
STATE_FIELDS = tuple(f.name for f in fields(TrialState))
WATCHED_FIELDS = tuple(f.name for f in fields(Watched))


def mine(registry: str) -> Any:
    """The WHERE clause of one registry's trials."""
    return col(Trial.registry_key) == registry


def chunks(ids: Sequence[str], size: int = CHUNK) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def watched(session: Session, registry: str, trial_ids: Sequence[str], now: datetime) -> dict[str, Watched]:
    """What a check needs of every watched trial, creating rows for new ones (one read, one bulk insert)."""
    wanted = dict.fromkeys(trial_ids)
    columns = [getattr(Trial, name) for name in WATCHED_FIELDS]
    found = {row[0]: Watched(*row) for row in session.execute(select(*columns).where(mine(registry)))
             if row[0] in wanted}
    new = [trial_id for trial_id in wanted if trial_id not in found]
    if new:
        add(session, registry, new, now)
        session.commit()
        found.update({trial_id: Watched(trial_id) for trial_id in new})
    return found


def states(session: Session, registry: str, trial_ids: Sequence[str]) -> dict[str, TrialState]:
    """The stored state of these trials (those that have a row)."""
    columns = [getattr(Trial, name) for name in STATE_FIELDS]
    found: dict[str, TrialState] = {}
    for chunk in chunks(list(dict.fromkeys(trial_ids)), 500):
        for row in session.execute(select(*columns).where(mine(registry), col(Trial.trial_id).in_(chunk))):
            found[row[0]] = TrialState(*row)
    return found


def add(session: Session, registry: str, trial_ids: Sequence[str], now: datetime, added_by: str | None = None) -> None:
    """Insert rows for trials not stored yet (the caller knows they are new); no commit."""
    if trial_ids:
        session.execute(insert(Trial), [{"registry_key": registry, "trial_id": i, "added_at": now, "added_by": added_by}
                                        for i in trial_ids])


def add_missing(session: Session, registry: str, trial_ids: Sequence[str], now: datetime, added_by: str) -> None:
    """Insert rows for those of these trials not stored yet; no commit."""
    present = {row for chunk in chunks(list(trial_ids)) for row in session.exec(
        select(Trial.trial_id).where(mine(registry), col(Trial.trial_id).in_(chunk)))}
    add(session, registry, [i for i in trial_ids if i not in present], now, added_by)


def snapshot_views(session: Session, hashes: Iterable[str]) -> dict[str, dict[str, Any]]:
    wanted = [h for h in set(hashes) if h]
    if not wanted:
        return {}
    rows = session.exec(select(Snapshot).where(col(Snapshot.hash).in_(wanted)))
    return {row.hash: row.view for row in rows}


def record(
    session: Session, registry: str, before: TrialState, after: TrialState, decision: Decision, *,
    expectations: ExpectationChange | None, recipients: Sequence[TargetRef], now: datetime, cycle_id: int,
) -> None:
    """Store one trial's decision in one transaction: snapshot, state, expectations, events, alert, deliveries."""
    if decision.view is not None and decision.fingerprint and decision.fingerprint != before.snapshot_hash:
        _store_snapshot(session, registry, before.trial_id, decision.fingerprint, decision.view, now)
    changed = {name: getattr(after, name) for name in STATE_FIELDS if getattr(after, name) != getattr(before, name)}
    if changed:
        session.execute(update(Trial).where(mine(registry), col(Trial.trial_id) == before.trial_id).values(**changed))
    if expectations is not None:
        expecting.record_change(session, registry, before.trial_id, expectations, now)
    kind = "not_found" if decision.outcome is Outcome.NOT_FOUND else "change"
    record_events(session, registry, before.trial_id, decision.events, registry_date=after.last_update_posted,
                         kind=kind, recipients=recipients, now=now, cycle_id=cycle_id)
    session.commit()


def record_events(
    session: Session, registry: str, trial_id: str, events: Sequence[ChangeEvent], *, registry_date: str | None,
    recipients: Sequence[TargetRef], now: datetime, cycle_id: int, kind: str = "change",
) -> int | None:
    """A trial's events for its history and, when some are pushed, the alert carrying them (its id)."""
    if not events:
        return None
    alert_id = None
    if pushed(list(events)):
        alert_id = add_alert(session, Alert(registry_key=registry, trial_id=trial_id, kind=kind, created_at=now,
                                         cycle_id=cycle_id), recipients, now)
    for event in events:
        session.add(ChangeRecord(
            registry_key=registry, trial_id=trial_id, alert_id=alert_id, kind=event.kind, level=event.level.value,
            field=event.field, old=event.old, new=event.new, text=event.text, detected_at=now,
            registry_date=registry_date,
        ))
    return alert_id


def add_alert(session: Session, alert: Alert, recipients: Sequence[TargetRef], now: datetime) -> int:
    """An alert and one delivery per recipient (no commit)."""
    session.add(alert)
    session.flush()
    assert alert.id is not None
    for target in recipients:  # a digest target's delivery waits for its digest
        session.add(Delivery(alert_id=alert.id, target_key=target.key, target_masked=target.masked,
                             next_attempt_at=now, state="held" if target.digest else "pending"))
    return alert.id


def _store_snapshot(session: Session, registry: str, trial_id: str, fingerprint: str, view: dict[str, Any],
                    now: datetime) -> None:
    """A new content of a trial's view, unless it is stored already (A → B → A): a bare key lookup."""
    with session.no_autoflush:
        if session.scalar(select(Snapshot.hash).where(Snapshot.hash == fingerprint)) is not None:
            return
    session.add(Snapshot(hash=fingerprint, registry_key=registry, trial_id=trial_id, view=view, first_seen_at=now))


def mark_checked(session: Session, registry: str, trial_ids: Sequence[str], now: datetime) -> None:
    """A good check vouches for every settled trial it did not need to fetch: one UPDATE per chunk."""
    for chunk in chunks(list(trial_ids)):
        session.execute(update(Trial).where(mine(registry), col(Trial.trial_id).in_(chunk)).values(last_checked_at=now))
    session.commit()


def prune_snapshots(
    session: Session, registry: str, changed: Sequence[str], *, keep: int, keep_days: int, now: datetime
) -> int:
    """Retention: keep a trial's newest ``keep`` snapshots (0: all) and none older than ``keep_days``
    (0: no limit); the current snapshot of every trial is always kept. Returns how many went."""
    current = select(Trial.snapshot_hash).where(col(Trial.snapshot_hash).is_not(None))
    removed = 0
    if keep > 0:
        for trial_id in changed:
            hashes = session.exec(
                select(Snapshot.hash)
                .where(col(Snapshot.registry_key) == registry, Snapshot.trial_id == trial_id)
                .order_by(col(Snapshot.first_seen_at).desc())
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


def save_facts(session: Session, registry: str, facts: Mapping[str, dict[str, Any]]) -> None:
    """Facts made for trials stored before expectations existed (or by an older ``facts_of``); no commit."""
    for trial_id, found in facts.items():
        session.execute(update(Trial).where(mine(registry), col(Trial.trial_id) == trial_id)
                        .values(expectation_facts=found))
    session.flush()


def mark_evaluated(session: Session, registry: str, evaluated: Sequence[tuple[str, ExpectationChange]]) -> None:
    """When each trial was evaluated, under which options, and when it is due again (no commit)."""
    if evaluated:
        session.execute(update(Trial), [  # bulk, by primary key
            {"registry_key": registry, "trial_id": trial_id, "expectations_since": change.since,
             "expectations_key": change.key, "expectations_due_at": change.due_at}
            for trial_id, change in evaluated
        ])


def rows(session: Session, registry: str, trial_ids: Sequence[str]) -> dict[str, Trial]:
    """The trial rows themselves (for the read model)."""
    found: dict[str, Trial] = {}
    for chunk in chunks(list(dict.fromkeys(trial_ids)), 500):
        for trial in session.exec(select(Trial).where(mine(registry), col(Trial.trial_id).in_(chunk))):
            found[trial.trial_id] = trial
    return found
