"""Expectations in the store: what is true of each trial now, and the alerts when that changes.

Two ways in, both inside a cycle and under its lock:

* ``ExpectationJoin`` — the trials fetched in this cycle: their expectations are worked out from the
  new record and joined into the trial's decision *before* it is stored, so a trial that changed and
  whose expectation fired gets one message.
* ``evaluate_watched`` — every watched trial, every good cycle (quiet ones too), from the facts kept
  on the trial row (``trial.expectation_facts``); no snapshot is read, except once to fill the facts
  of trials stored before expectations existed.

A trial's first evaluation (its baseline, or the first cycle after an upgrade) records what is true
without telling anyone; after that, each turn to true and each clearing is one MEDIUM event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from monitor.core.expectations import (
    SHORT_WORDS,
    ExpectationOptions,
    current_facts,
    expected,
    facts_of,
    next_change,
    transitions,
)
from monitor.core.decide import join_events
from monitor.core.model import ChangeEvent, Decision, Outcome
from monitor.store import repo
from monitor.store.tables import ExpectationState, Trial

CHUNK = 500  # ids per IN (…) and snapshots per read when facts are filled


def true_names(session: Session, nct_ids: Iterable[str] | None = None) -> dict[str, set[str]]:
    """The expectations recorded as true, per trial (all trials when ``nct_ids`` is None)."""
    found: dict[str, set[str]] = {}
    statement = select(ExpectationState.nct_id, ExpectationState.name)
    if nct_ids is None:
        rows: Iterable[Any] = session.exec(statement)
    else:
        ids = list(dict.fromkeys(nct_ids))
        rows = [row for start in range(0, len(ids), CHUNK)
                for row in session.exec(statement.where(col(ExpectationState.nct_id).in_(ids[start : start + CHUNK])))]
    for nct_id, name in rows:
        found.setdefault(nct_id, set()).add(name)
    return found


def shown(session: Session, nct_ids: Sequence[str], options: ExpectationOptions) -> dict[str, list[str]]:
    """What ``list`` shows: each trial's enabled expectations true now, in short words."""
    names = true_names(session, nct_ids)
    order = list(SHORT_WORDS)
    return {nct_id: [SHORT_WORDS[n] for n in sorted(on & options.enabled, key=order.index)]
            for nct_id, on in names.items() if on & options.enabled}


def _record_state(
    session: Session, nct_id: str, was: set[str], now_true: dict[str, Any], options: ExpectationOptions, now: datetime,
    *, baseline: bool,
) -> None:
    """Bring a trial's rows in line with what is true now (enabled expectations only; no commit)."""
    for name in options.enabled:
        if name in now_true and name not in was:
            session.add(ExpectationState(nct_id=nct_id, name=name, text=now_true[name].text, since=now, baseline=baseline))
    gone = [name for name in was & options.enabled if name not in now_true]
    if gone:
        session.execute(delete(ExpectationState).where(
            col(ExpectationState.nct_id) == nct_id, col(ExpectationState.name).in_(gone)))


class ExpectationJoin:
    """The expectations of a page of fetched trials, joined into their decisions before they are stored."""

    def __init__(self, session: Session, nct_ids: Sequence[str], options: ExpectationOptions, now: datetime,
                 notes: list[str]) -> None:
        self.session, self.options, self.now, self.notes = session, options, now, notes
        self.before = true_names(session, nct_ids) if options.enabled else {}

    def join(self, trial: Trial, decision: Decision) -> Decision:
        """``decision`` with the expectation events it brings; the state rows are written (no commit)."""
        if decision.view is None or decision.outcome in (Outcome.ERROR, Outcome.NOT_FOUND) or not self.options.enabled:
            return decision
        facts = facts_of(decision.view)
        now_true = expected(facts, self.now, self.options)
        was = self.before.get(trial.nct_id, set())
        silent = decision.outcome is Outcome.BASELINE or trial.expectations_since is None
        events = [] if silent else transitions(was, now_true, facts, self.now, self.options)
        _record_state(self.session, trial.nct_id, was, now_true, self.options, self.now, baseline=silent)
        trial.expectation_facts = facts
        trial.expectations_since = trial.expectations_since or self.now
        trial.expectations_due_at = next_change(facts, self.now, self.options)
        trial.expectations_key = self.options.key
        self.notes += [_note(trial.nct_id, event) for event in events]
        return join_events(decision, events)


def evaluate_watched(
    session: Session, nct_ids: Sequence[str] | None, options: ExpectationOptions, *,
    targets: Sequence[repo.TargetRef], now: datetime, cycle_id: int,
) -> list[str]:
    """Evaluate the watched trials' expectations on their stored facts; alert what turned true or cleared.

    Only the trials that need it are read: those never evaluated, those whose next change
    (``core.expectations.next_change``) has come, and all of them once after the options changed.
    One transaction. Returns one line per event, for the check's output.
    """
    wanted = None if nct_ids is None else set(nct_ids)  # None: every trial stored (`trials: all`)
    if wanted is not None and not wanted or not options.enabled:
        return []
    key = options.key
    columns = (Trial.nct_id, Trial.expectation_facts, Trial.expectations_since, Trial.snapshot_hash, Trial.title,
               Trial.registry_id, Trial.last_update_posted)
    due = or_(col(Trial.expectations_key).is_(None), col(Trial.expectations_key) != key,  # never / other options
              col(Trial.expectations_due_at) <= now)  # a NULL due date: nothing can turn by the date alone
    rows = [row for row in session.execute(select(*columns).where(col(Trial.snapshot_hash).is_not(None), due))
            if wanted is None or row[0] in wanted]
    facts = {row[0]: row[1] for row in rows}
    _fill_facts(session, {row[0]: row[3] for row in rows if not current_facts(row[1])}, facts)
    before = true_names(session, list(facts))
    evaluated: list[dict[str, Any]] = []
    notes: list[str] = []
    for nct_id, _, since, _, title, registry_id, updated in rows:
        now_true = expected(facts[nct_id], now, options)
        was = before.get(nct_id, set())
        evaluated.append({"nct_id": nct_id, "expectations_since": since or now, "expectations_key": key,
                          "expectations_due_at": next_change(facts[nct_id], now, options)})
        if since is not None and set(now_true) == was & options.enabled:
            continue  # nothing turned
        events = [] if since is None else transitions(was, now_true, facts[nct_id], now, options)
        _record_state(session, nct_id, was, now_true, options, now, baseline=since is None)
        if events:
            repo.record_unfetched(session, nct_id, events, shown_id=registry_id, title=title, updated=updated,
                                  targets=targets, now=now, cycle_id=cycle_id)
            notes += [_note(nct_id, event) for event in events]
    if evaluated:
        session.execute(update(Trial), evaluated)  # bulk, by primary key
    session.commit()
    return notes


def _fill_facts(session: Session, hashes: dict[str, str], facts: dict[str, Any]) -> None:
    """Facts for trials stored before expectations existed (or by an older ``facts_of``), from their snapshots."""
    ids = list(hashes)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        views = repo.snapshot_views(session, [hashes[i] for i in chunk])
        for nct_id in chunk:
            view = views.get(hashes[nct_id])
            if view is None:
                facts[nct_id] = {}
                continue
            facts[nct_id] = facts_of(view)
            session.execute(update(Trial).where(col(Trial.nct_id) == nct_id).values(expectation_facts=facts[nct_id]))
        session.flush()


def _note(nct_id: str, event: ChangeEvent) -> str:
    return f"{nct_id} expectation: {event.text}"

