"""Compare two trial views: which compared groups differ, what deepdiff sees in them, and the typed
events each group's builder writes from that, in the order a trial follower reads them.

Equality gates the expensive part: deepdiff only runs on the compared groups that differ. Views
key their lists (sites, outcomes …) into dicts, so deepdiff reports one site added, not a shifted
list of hundreds. deepdiff's paths decide which builder runs (and, for keyed groups such as sites,
which entries were added, removed or edited); the sentences are then written from the old and new
views, which reads better than raw paths. Record text always goes through ``words.inline``/``quoted``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import NotPresent

from monitor.core.events.base import Builder, RawChange, event, within
from monitor.core.events.context import NO_HISTORY, TrialHistory
from monitor.core.events.documents import document_events
from monitor.core.events.protocol import (
    arm_events,
    eligibility_events,
    outcome_events,
    publication_events,
    sponsor_events,
)
from monitor.core.events.results import results_events
from monitor.core.events.sites import site_events
from monitor.core.events.status import status_events
from monitor.core.events.timeline import date_events, enrollment_events
from monitor.core.model import COMPARE_GROUPS, ChangeEvent, Level
from monitor.core.places import Place
from monitor.core.words import day_words

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
    ("documents", document_events),
)

# The builders whose sentences draw on the trial's past ("2nd slip", "was suspended once before").
WITH_HISTORY = frozenset({"status", "dates"})
# The builders whose sentences depend on the trial's status now ("ended (terminated)", "enrolled so far").
WITH_STATUS = frozenset({"dates", "enrollment"})
# The builders that date a change against the record: a primary outcome edited after an actual start is
# outcome switching; a document uploaded before the previous version, which had none, was in it already.
WITH_DATES = frozenset({"outcomes", "documents"})
# The builders whose events depend on where the follower is (the watchlist's `near:` places).
WITH_NEAR = frozenset({"sites"})


def compared_groups(groups: Iterable[str]) -> tuple[str, ...]:
    """The requested groups, checked against ``COMPARE_GROUPS`` and put in canonical order."""
    wanted = set(groups)
    unknown = wanted - set(COMPARE_GROUPS)
    if unknown:
        raise ValueError(f"unknown compare group(s): {', '.join(sorted(unknown))}; known: {', '.join(COMPARE_GROUPS)}")
    return tuple(group for group in COMPARE_GROUPS if group in wanted)


def compare(
    old: dict[str, Any], new: dict[str, Any], groups: Iterable[str] = COMPARE_GROUPS, history: TrialHistory = NO_HISTORY,
    near: Sequence[Place] = (),
) -> list[ChangeEvent]:
    """Typed change events between two trial views, looking only at the chosen groups.

    ``history`` (the trial's past: earlier slips, suspensions) only changes the wording of events;
    ``near`` (the places the follower can reach) makes a site there a ``site_near`` event.

    Returns [] when nothing compared changed and the record was not updated; a single INFO
    ``record_updated`` event when only "last update posted" moved (or only INFO-level things changed).
    """
    differing = [group for group in compared_groups(groups) if old.get(group) != new.get(group)]
    updated = old.get("updated") != new.get("updated")
    if not differing:
        return [record_updated(old, new)] if updated else []
    # deepdiff sees only the groups that differ: a date slip need not walk 437 unchanged sites.
    old_part = {group: old.get(group) for group in differing}
    new_part = {group: new.get(group) for group in differing}
    events = events_from_changes(old, new, raw_changes(old_part, new_part), history, near)
    if updated and all(event.level == Level.INFO for event in events):
        events.insert(0, record_updated(old, new, quiet_changes=bool(events)))
    return events


def _plain(value: Any) -> Any:
    return None if isinstance(value, NotPresent) else value


def raw_changes(old: dict[str, Any], new: dict[str, Any]) -> list[RawChange]:
    """deepdiff's report as plain (path, report type, before, after) records, in a stable order."""
    tree = DeepDiff(old, new, threshold_to_diff_deeper=0, verbose_level=2, view="tree")
    changes = [
        RawChange(tuple(level.path(output_format="list")), report, _plain(level.t1), _plain(level.t2))
        for report, levels in tree.items()
        for level in levels
    ]
    return sorted(changes, key=lambda c: (tuple(str(p) for p in c.path), c.report))


def events_from_changes(
    old_view: dict[str, Any], new_view: dict[str, Any], changes: Sequence[RawChange],
    history: TrialHistory = NO_HISTORY, near: Sequence[Place] = (),
) -> list[ChangeEvent]:
    """Typed events, in a stable order, for the raw changes between two views (paths start at the group)."""
    events: list[ChangeEvent] = []
    for group, build in BUILDERS:
        inside = within(list(changes), group)
        if inside:
            old, new = old_view.get(group) or {}, new_view.get(group) or {}
            extra: dict[str, Any] = {"history": history} if group in WITH_HISTORY else {}
            if group in WITH_STATUS:
                extra["status"] = (new_view.get("status") or {}).get("overall")
            if group in WITH_DATES:
                extra |= _dates(group, old_view, new_view)
            if group in WITH_NEAR and near:
                extra["near"] = tuple(near)
            events += build(old, new, inside, **extra)
    return events


def _dates(group: str, old_view: dict[str, Any], new_view: dict[str, Any]) -> dict[str, Any]:
    if group == "documents":  # views without documents may predate them: the previous version's date
        results_now = not (old_view.get("results") or {}).get("has_results") and (new_view.get("results") or {}).get(
            "has_results")  # documents posted with the results are news, however long ago they were uploaded
        return {"posted_before": None if group in old_view or results_now else old_view.get("updated")}
    return {"start": (new_view.get("dates") or {}).get("start"), "updated": new_view.get("updated")}


def record_updated(old_view: dict[str, Any], new_view: dict[str, Any], quiet_changes: bool = False) -> ChangeEvent:
    """The INFO event for a new "last update posted" date with nothing alert-worthy in the compared fields."""
    when = new_view.get("updated")
    tail = "no alert-worthy change in the compared fields" if quiet_changes else "no change in the compared fields"
    text = f"Record updated on {day_words(when)} ({tail})" if when else f"Record updated ({tail})"
    return event("record_updated", "last_update_posted", old_view.get("updated"), when, text, Level.INFO)
