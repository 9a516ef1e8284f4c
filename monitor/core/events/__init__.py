"""Typed change events: raw deepdiff changes between two trial views → sentences a clinician would write.

deepdiff's paths decide which builder runs (and, for keyed groups such as sites, which entries
were added, removed or edited); the sentences are then written from the old and new views,
which reads better than raw paths. Record text always goes through ``words.inline``/``quoted``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from monitor.core.events.base import Builder, RawChange, event, within
from monitor.core.events.context import NO_HISTORY, TrialHistory
from monitor.core.events.protocol import (
    arm_events,
    criteria_edits,
    eligibility_events,
    outcome_events,
    publication_events,
    sponsor_events,
)
from monitor.core.events.sites import site_events
from monitor.core.events.status import HIGH_STATUSES, results_events, status_events
from monitor.core.events.timeline import date_events, enrollment_events, shift_words
from monitor.core.model import ChangeEvent, Level
from monitor.core.words import day_words

__all__ = [
    "BUILDERS",
    "HIGH_STATUSES",
    "NO_HISTORY",
    "RawChange",
    "TrialHistory",
    "criteria_edits",
    "events_from_changes",
    "record_updated",
    "shift_words",
]

# The order events come out in: what matters most to a trial follower first.
BUILDERS: tuple[tuple[str, Builder], ...] = (
    ("status", status_events),
    ("results", results_events),
    ("dates", date_events),
    ("enrollment", enrollment_events),
    ("sites", site_events),
    ("eligibility", eligibility_events),
    ("arms", arm_events),
    ("outcomes", outcome_events),
    ("sponsors", sponsor_events),
    ("publications", publication_events),
)


# The builders whose sentences draw on the trial's past ("2nd slip", "was suspended once before").
WITH_HISTORY = frozenset({"status", "dates"})


def events_from_changes(
    old_view: dict[str, Any], new_view: dict[str, Any], changes: Sequence[RawChange],
    history: TrialHistory = NO_HISTORY,
) -> list[ChangeEvent]:
    """Typed events, in a stable order, for the raw changes between two views (paths start at the group)."""
    events: list[ChangeEvent] = []
    for group, build in BUILDERS:
        inside = within(list(changes), group)
        if inside:
            old, new = old_view.get(group) or {}, new_view.get(group) or {}
            events += build(old, new, inside, history=history) if group in WITH_HISTORY else build(old, new, inside)  # type: ignore[call-arg]
    return events


def record_updated(old_view: dict[str, Any], new_view: dict[str, Any], quiet_changes: bool = False) -> ChangeEvent:
    """The INFO event for a new "last update posted" date with nothing alert-worthy in the compared fields."""
    when = new_view.get("updated")
    tail = "no alert-worthy change in the compared fields" if quiet_changes else "no change in the compared fields"
    text = f"Record updated on {day_words(when)} ({tail})" if when else f"Record updated ({tail})"
    return event("record_updated", "last_update_posted", old_view.get("updated"), when, text, Level.INFO)
