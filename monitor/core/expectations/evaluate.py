"""An expectation evaluation as a value: what turned true or cleared, and what the store keeps of it.

A trial's first evaluation (its baseline, or the first check after an upgrade) is *silent*: what
is true is recorded, nobody is told. After that, each turn to true is one event, and so is each
clearing of what was told (what held at the baseline clears as silently as it was recorded).
The same function serves a trial whose record was just fetched (its events join that trial's
message) and a trial evaluated on its stored facts alone (the date moved, nothing else).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from monitor.core.expectations.rules import NAMES, Expectation, ExpectationOptions, expected, next_change, transitions
from monitor.core.model import ChangeEvent, TrialState


@dataclass(frozen=True)
class ExpectationChange:
    """The outcome of evaluating one trial's expectations now."""

    events: tuple[ChangeEvent, ...]  # what to tell (none when silent)
    turned_true: tuple[Expectation, ...]  # to record as true from now (silently when ``baseline``)
    cleared: tuple[str, ...]  # names no longer true
    baseline: bool  # the first evaluation of this trial: recorded, never pushed
    since: dt.datetime  # when the trial was first evaluated
    due_at: dt.datetime | None  # evaluate again from then (the date alone can turn one)
    key: str  # the options it was evaluated under


def evaluate(
    facts: Mapping[str, Any], was: Collection[str], *, evaluated_since: dt.datetime | None, now: dt.datetime,
    options: ExpectationOptions, silent: bool = False, untold: Collection[str] = (),
    told: Iterable[ChangeEvent] = (),
) -> ExpectationChange:
    """Evaluate the enabled expectations on ``facts`` against ``was`` (the names recorded true).

    ``untold``: those of ``was`` recorded at a baseline and never pushed (the stored rows' ``baseline``
    flag): they clear silently, since nobody was told they held. ``told``: the events of the message the
    evaluation's events join (the record's changes), so that what they say is not said twice.
    """
    baseline = silent or evaluated_since is None
    now_true = expected(facts, now, options)
    on = [name for name in NAMES if name in options.enabled]
    return ExpectationChange(
        events=() if baseline else tuple(transitions(was, now_true, facts, now, options, untold=untold, told=told)),
        turned_true=tuple(now_true[name] for name in on if name in now_true and name not in was),
        cleared=tuple(name for name in on if name in was and name not in now_true),
        baseline=baseline,
        since=evaluated_since or now,
        due_at=next_change(facts, now, options),
        key=options.key,
    )


def evaluated(state: TrialState, change: ExpectationChange) -> TrialState:
    """The trial's state once ``change`` is recorded."""
    return replace(state, expectations_since=change.since, expectations_due_at=change.due_at,
                   expectations_key=change.key)


def note(trial_id: str, event: ChangeEvent) -> str:
    """One line of a check's report for an expectation event."""
    return f"{trial_id} expectation: {event.text}"
