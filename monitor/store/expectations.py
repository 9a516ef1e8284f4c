"""What is true of each trial now (the expectation rows), kept as the core's evaluations say.

No decision is made here: ``record_change`` writes an :class:`~monitor.core.expectations.ExpectationChange`
(``record_changes`` a page of them), the rest are reads. (What the trial row keeps of an evaluation is
written by ``store.trials``.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, or_
from sqlmodel import Session, col, select

from monitor.core.expectations import ExpectationChange
from monitor.store.tables import ExpectationState, Trial

CHUNK = 500  # ids per IN (…)
EXPECTATION = ExpectationState.__table__  # type: ignore[attr-defined]


def true_names(session: Session, registry: str, trial_ids: Iterable[str] | None = None, *,
               untold: bool = False) -> dict[str, set[str]]:
    """The expectations recorded as true, per trial (all the registry's trials when ``trial_ids`` is None);
    ``untold``: only those recorded at a baseline, never pushed."""
    found: dict[str, set[str]] = {}
    statement = select(ExpectationState.trial_id, ExpectationState.name).where(
        col(ExpectationState.registry_key) == registry)
    if untold:
        statement = statement.where(col(ExpectationState.baseline).is_(True))
    if trial_ids is None:
        rows: Iterable[Any] = session.exec(statement)
    else:
        ids = list(dict.fromkeys(trial_ids))
        rows = [row for start in range(0, len(ids), CHUNK)
                for row in session.exec(statement.where(col(ExpectationState.trial_id).in_(ids[start : start + CHUNK])))]
    for trial_id, name in rows:
        found.setdefault(trial_id, set()).add(name)
    return found


def record_change(session: Session, registry: str, trial_id: str, change: ExpectationChange, now: datetime) -> None:
    """Bring a trial's rows in line with an evaluation (no commit)."""
    record_changes(session, registry, [(trial_id, change)], now)


def record_changes(session: Session, registry: str, changes: Sequence[tuple[str, ExpectationChange]],
                   now: datetime) -> None:
    """Bring trials' rows in line with their evaluations (no commit): one INSERT for what turned true."""
    rows = [{"registry": registry, "trial_id": trial_id, "name": expectation.name, "text": expectation.text,
             "since": now, "baseline": change.baseline}
            for trial_id, change in changes for expectation in change.turned_true]
    if rows:
        session.connection().execute(insert(EXPECTATION), rows)
    for trial_id, change in changes:
        if change.cleared:
            session.execute(delete(ExpectationState).where(
                col(ExpectationState.registry_key) == registry, col(ExpectationState.trial_id) == trial_id,
                col(ExpectationState.name).in_(change.cleared)))


def due(session: Session, registry: str, key: str, now: datetime) -> list[Any]:
    """The trials with a baseline whose expectations are due an evaluation: never evaluated, evaluated
    under other options, or whose next change (``core.expectations.next_change``) has come.

    Rows of (trial_id, facts, evaluated since, snapshot hash, last update posted).
    """
    columns = (Trial.trial_id, Trial.expectation_facts, Trial.expectations_since, Trial.snapshot_hash,
               Trial.last_update_posted)
    when = or_(col(Trial.expectations_key).is_(None), col(Trial.expectations_key) != key,  # never / other options
               col(Trial.expectations_due_at) <= now)  # a NULL due date: nothing can turn by the date alone
    return list(session.execute(
        select(*columns).where(col(Trial.registry_key) == registry, col(Trial.snapshot_hash).is_not(None), when)))


def rows(session: Session, registry: str, trial_ids: Iterable[str]) -> dict[str, list[ExpectationState]]:
    """The expectation rows of these trials (what is true of each, with the sentence it turned true with)."""
    ids = list(dict.fromkeys(trial_ids))
    found: dict[str, list[ExpectationState]] = {}
    for start in range(0, len(ids), CHUNK):
        for row in session.exec(select(ExpectationState).where(
                col(ExpectationState.registry_key) == registry,
                col(ExpectationState.trial_id).in_(ids[start : start + CHUNK]))):
            found.setdefault(row.trial_id, []).append(row)
    return found
