"""Trials: their state and snapshots, their events and the alerts those owe, read as plain values and
written as the core decided (what goes out, and to whom, was decided before: the core's events,
``choices.recipients``); each write one transaction.

Every query is within one registry (``registry`` is its key, e.g. ``ctgov``): a trial is named by
(registry, trial id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, any_, bindparam, delete, insert, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col, select

from monitor.core.choices import TargetRef
from monitor.core.expectations import ExpectationChange
from monitor.core.model import ChangeEvent, Decision, Outcome, TrialState, Watched, pushed
from monitor.store import codec
from monitor.store import expectations as expecting
from monitor.store.tables import Alert, ChangeRecord, Delivery, Snapshot, Trial, TrialChecked

CHUNK = 5000  # ids per IN (…)
STATE_FIELDS = tuple(f.name for f in fields(TrialState))
WATCHED_FIELDS = tuple(f.name for f in fields(Watched))
TRIAL, SNAPSHOT = Trial.__table__, Snapshot.__table__  # type: ignore[attr-defined]  # Core: no ORM per row
CHECKED = TrialChecked.__table__  # type: ignore[attr-defined]  # a state's last_checked_at lives here
WITH_CHECKED = TRIAL.outerjoin(CHECKED, and_(CHECKED.c.registry == TRIAL.c.registry,
                                             CHECKED.c.trial_id == TRIAL.c.trial_id))


def mine(registry: str) -> Any:
    """The WHERE clause of one registry's trials."""
    return col(Trial.registry_key) == registry


def chunks(ids: Sequence[str], size: int = CHUNK) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def watched(session: Session, registry: str, trial_ids: Sequence[str], now: datetime) -> dict[str, Watched]:
    """What a check needs of every watched trial, creating rows for new ones (one read, one bulk insert)."""
    wanted = dict.fromkeys(trial_ids)
    columns = [TRIAL.c[name] for name in WATCHED_FIELDS]  # Core: 100,000 rows without the ORM's toll
    found = {row[0]: Watched(*row) for row in session.connection().execute(
        select(*columns).where(TRIAL.c.registry == registry)).all() if row[0] in wanted}
    new = [trial_id for trial_id in wanted if trial_id not in found]
    if new:
        add(session, registry, new, now)
        session.commit()
        found.update({trial_id: Watched(trial_id) for trial_id in new})
    return found


def awaiting(session: Session, registry: str, trial_ids: Sequence[str]) -> list[str]:
    """Those of these trials that a check must fetch even when the registry has not refreshed: not
    stored yet, or awaiting their baseline. Two narrow reads (the ids, from the key's index; the few
    awaiting), not every trial's state."""
    connection = session.connection()
    stored = set(connection.execute(select(TRIAL.c.trial_id).where(TRIAL.c.registry == registry)).scalars())
    # by the snapshot key's index alone (with the registry in the WHERE, SQLite reads every row of it)
    pending = {trial_id for trial_id, key, missing in connection.execute(select(
        TRIAL.c.trial_id, TRIAL.c.registry, TRIAL.c.missing_since).where(TRIAL.c.snapshot_hash.is_(None)))
        if key == registry and missing is None}
    return [trial_id for trial_id in trial_ids if trial_id not in stored or trial_id in pending]


def states(session: Session, registry: str, trial_ids: Sequence[str]) -> dict[str, TrialState]:
    """The stored state of these trials (those that have a row)."""
    columns = [CHECKED.c.last_checked_at if name == "last_checked_at" else TRIAL.c[name] for name in STATE_FIELDS]
    found: dict[str, TrialState] = {}
    connection = session.connection()
    for chunk in chunks(list(dict.fromkeys(trial_ids)), 500):
        for row in connection.execute(select(*columns).select_from(WITH_CHECKED).where(
                TRIAL.c.registry == registry, TRIAL.c.trial_id.in_(chunk))):
            found[row[0]] = TrialState(*row)
    return found


def checked_at(session: Session, registry: str, trial_ids: Sequence[str]) -> dict[str, datetime | None]:
    """When a good check last vouched for each of these trials (for the read model)."""
    found: dict[str, datetime | None] = {}
    for chunk in chunks(list(dict.fromkeys(trial_ids))):
        rows = session.connection().execute(select(CHECKED.c.trial_id, CHECKED.c.last_checked_at).where(
            CHECKED.c.registry == registry, CHECKED.c.trial_id.in_(chunk)))
        found.update((trial_id, at) for trial_id, at in rows)
    return found


def add(session: Session, registry: str, trial_ids: Sequence[str], now: datetime, added_by: str | None = None) -> None:
    """Insert rows for trials not stored yet (the caller knows they are new); no commit."""
    if trial_ids:
        session.execute(insert(Trial), [{"registry_key": registry, "trial_id": i, "added_at": now, "added_by": added_by}
                                        for i in trial_ids])
        session.connection().execute(insert(CHECKED), [{"registry": registry, "trial_id": i} for i in trial_ids])


def add_missing(session: Session, registry: str, trial_ids: Sequence[str], now: datetime, added_by: str) -> None:
    """Insert rows for those of these trials not stored yet; no commit."""
    present = {row for chunk in chunks(list(trial_ids)) for row in session.exec(
        select(Trial.trial_id).where(mine(registry), col(Trial.trial_id).in_(chunk)))}
    add(session, registry, [i for i in trial_ids if i not in present], now, added_by)


def snapshot_views(session: Session, hashes: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored views of these snapshots, packed or as stored before revision 10 (``codec.stored_view``)."""
    wanted = [h for h in set(hashes) if h]
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(wanted, 500):
        rows = session.execute(select(Snapshot.hash, Snapshot.view, Snapshot.packed)
                               .where(col(Snapshot.hash).in_(chunk)))
        found.update((hash_, codec.stored_view(view, packed)) for hash_, view, packed in rows)
    return found


@dataclass(frozen=True)
class Verdict:
    """One trial's decision as the store keeps it: its state before and after, the decision, the
    expectation evaluation that came with it, and who is told."""

    before: TrialState
    after: TrialState
    decision: Decision
    expectations: ExpectationChange | None = None
    recipients: Sequence[TargetRef] = ()


def record(
    session: Session, registry: str, before: TrialState, after: TrialState, decision: Decision, *,
    expectations: ExpectationChange | None, recipients: Sequence[TargetRef], now: datetime, cycle_id: int,
) -> None:
    """Store one trial's decision in one transaction: snapshot, state, expectations, events, alert, deliveries."""
    record_page(session, registry, [Verdict(before, after, decision, expectations, recipients)], now=now,
                cycle_id=cycle_id)


def record_page(session: Session, registry: str, verdicts: Sequence[Verdict], *, now: datetime, cycle_id: int) -> None:
    """Store a page of decisions in one transaction: the new snapshots, each trial's changed columns,
    the expectations, then each trial's events, alert and deliveries. Rows alike go in one statement
    (a page of 500 baselines is a handful of statements, not five per trial and a commit each)."""
    _store_snapshots(session, registry, verdicts, now)
    _update_states(session, registry, [(v.before, v.after) for v in verdicts])
    expecting.record_changes(session, registry, [(v.before.trial_id, v.expectations) for v in verdicts
                                                 if v.expectations is not None], now)
    for v in verdicts:
        kind = "not_found" if v.decision.outcome is Outcome.NOT_FOUND else "change"
        record_events(session, registry, v.before.trial_id, v.decision.events, registry_date=v.after.last_update_posted,
                      kind=kind, recipients=v.recipients, now=now, cycle_id=cycle_id)
    session.commit()


def _update_states(session: Session, registry: str, states: Sequence[tuple[TrialState, TrialState]]) -> None:
    """Each trial's changed columns (before → after), one executemany UPDATE per set of columns."""
    alike: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    checked: list[dict[str, Any]] = []
    for before, after in states:
        changed = {name: getattr(after, name) for name in STATE_FIELDS if getattr(after, name) != getattr(before, name)}
        if "last_checked_at" in changed:
            checked.append({"which": before.trial_id, "at": changed.pop("last_checked_at")})
        if changed:
            alike.setdefault(tuple(changed), []).append({"which": before.trial_id, **changed})
    connection = session.connection()
    for names, rows in alike.items():
        statement = (update(TRIAL).where(TRIAL.c.registry == registry, TRIAL.c.trial_id == bindparam("which"))
                     .values({name: bindparam(name) for name in names}))
        connection.execute(statement, rows)
    if checked:
        connection.execute(update(CHECKED).where(CHECKED.c.registry == registry, CHECKED.c.trial_id == bindparam("which"))
                           .values(last_checked_at=bindparam("at")), checked)


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


def _store_snapshots(session: Session, registry: str, verdicts: Sequence[Verdict], now: datetime) -> None:
    """The new contents of these trials' views, but those stored already (A → B → A) or twice in the
    page: one key lookup and one INSERT for them all."""
    wanted: dict[str, tuple[str, dict[str, Any]]] = {}
    for v in verdicts:
        fingerprint, view = v.decision.fingerprint, v.decision.view
        if view is not None and fingerprint and fingerprint != v.before.snapshot_hash:
            wanted[fingerprint] = (v.before.trial_id, view)
    if not wanted:
        return
    stored = set(session.scalars(select(Snapshot.hash).where(col(Snapshot.hash).in_(list(wanted)))))
    rows = [{"hash": fingerprint, "registry": registry, "trial_id": trial_id, "packed": codec.pack(view), "view": None,
             "first_seen_at": now} for fingerprint, (trial_id, view) in wanted.items() if fingerprint not in stored]
    if rows:
        session.connection().execute(insert(SNAPSHOT), rows)


def mark_checked(session: Session, registry: str, trial_ids: Sequence[str], now: datetime) -> None:
    """A good check vouches for every settled trial it did not need to fetch, in the narrow ``trial_checked``
    rows (not the trials' own): on PostgreSQL one UPDATE with the ids as one array parameter (an IN list of
    5,000 parameters cost more to render and convert than to run: a fifth of a 100,000-trial check), on
    SQLite one per chunk of ids."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        ids = bindparam("ids", list(trial_ids), type_=ARRAY(String))
        connection.execute(update(CHECKED).where(CHECKED.c.registry == registry, CHECKED.c.trial_id == any_(ids))
                           .values(last_checked_at=now))
    else:
        for chunk in chunks(list(trial_ids)):
            connection.execute(update(CHECKED).where(CHECKED.c.registry == registry, CHECKED.c.trial_id.in_(chunk))
                               .values(last_checked_at=now))
    session.commit()


def prune_snapshots(
    session: Session, registry: str, changed: Sequence[str], *, keep: int, keep_days: int, now: datetime
) -> int:
    """Retention: keep a trial's newest ``keep`` snapshots (0: all) and none older than ``keep_days``
    (0: no limit); the current snapshot of every trial is always kept. Returns how many went."""
    # NOT EXISTS, not NOT IN: PostgreSQL rescans a NOT IN list too large to hash for every row it checks
    unused = ~select(Trial.trial_id).where(col(Trial.snapshot_hash) == col(Snapshot.hash)).exists()
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
                    delete(Snapshot).where(col(Snapshot.hash).in_(old), unused)
                ).rowcount or 0
    if keep_days > 0:
        removed += session.execute(
            delete(Snapshot).where(
                col(Snapshot.first_seen_at) < now - timedelta(days=keep_days), unused)
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
