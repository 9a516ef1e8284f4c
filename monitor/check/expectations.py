"""The expectation step of a check: every watched trial, every good check (quiet ones too), evaluated
on the facts kept on its row; alerts for what turned true or cleared.

Only the trials that need it are read: those never evaluated, those whose next change
(``core.expectations.next_change``) has come, and all of them once after the options changed. No
snapshot is read, except once to make the facts of trials stored before expectations existed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.check.pipe import Context
from monitor.core.choices import recipients
from monitor.core.expectations import ExpectationChange, current_facts, evaluate, facts_of, note
from monitor.store import expectations as stored
from monitor.store import trials

CHUNK = 500  # snapshots read at a time when facts are made


def evaluate_watched(engine: Engine, context: Context, trial_ids: Sequence[str] | None) -> list[str]:
    """Evaluate the watched trials' expectations (all of the registry's when ``trial_ids`` is None);
    one transaction. Returns one line per event, for the check's report."""
    options = context.expectations
    wanted = None if trial_ids is None else set(trial_ids)
    if wanted is not None and not wanted or not options.enabled:
        return []
    said: list[str] = []
    with Session(engine) as session:
        rows = [row for row in stored.due(session, context.registry, options.key, context.now)
                if wanted is None or row[0] in wanted]
        facts = {trial_id: found for trial_id, found, *_ in rows}
        _make_facts(session, context.registry, {r[0]: r[3] for r in rows if not current_facts(r[1])}, facts)
        before = stored.true_names(session, context.registry, list(facts))
        untold = stored.true_names(session, context.registry, list(facts), untold=True) if before else {}
        evaluated: list[tuple[str, ExpectationChange]] = []
        for trial_id, _, since, _, updated in rows:
            change = evaluate(facts[trial_id], before.get(trial_id, set()), evaluated_since=since, now=context.now,
                              options=options, untold=untold.get(trial_id, set()))
            evaluated.append((trial_id, change))
            stored.record_change(session, context.registry, trial_id, change, context.now)
            # one alert for the trial, whose record was not fetched in this check
            trials.record_events(session, context.registry, trial_id, change.events, registry_date=updated,
                                 recipients=recipients(context.targets, [(e.kind, e.level) for e in change.events]),
                                 now=context.now, cycle_id=context.cycle_id)
            said += [note(trial_id, event) for event in change.events]
        trials.mark_evaluated(session, context.registry, evaluated)
        session.commit()
    return said


def _make_facts(session: Session, registry: str, hashes: Mapping[str, str], facts: dict[str, Any]) -> None:
    """Facts for trials stored before expectations existed (or by an older ``facts_of``), from their snapshots."""
    ids = list(hashes)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        views = trials.snapshot_views(session, [hashes[i] for i in chunk])
        made = {i: facts_of(views[hashes[i]]) if hashes[i] in views else {} for i in chunk}
        facts.update(made)
        trials.save_facts(session, registry, {i: found for i, found in made.items() if found})
