"""Compare two trial views and return typed change events.

Equality gates the expensive part: deepdiff only runs on the compared groups that differ.
Views key their lists (sites, outcomes …) into dicts, so deepdiff reports one site added,
not a shifted list of hundreds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from deepdiff import DeepDiff
from deepdiff.helper import NotPresent

from monitor.core.events import NO_HISTORY, RawChange, TrialHistory, events_from_changes, record_updated
from monitor.core.model import COMPARE_GROUPS, ChangeEvent, Level


def compared_groups(groups: Iterable[str]) -> tuple[str, ...]:
    """The requested groups, checked against ``COMPARE_GROUPS`` and put in canonical order."""
    wanted = set(groups)
    unknown = wanted - set(COMPARE_GROUPS)
    if unknown:
        raise ValueError(f"unknown compare group(s): {', '.join(sorted(unknown))}; known: {', '.join(COMPARE_GROUPS)}")
    return tuple(group for group in COMPARE_GROUPS if group in wanted)


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


def compare(
    old: dict[str, Any], new: dict[str, Any], groups: Iterable[str] = COMPARE_GROUPS, history: TrialHistory = NO_HISTORY
) -> list[ChangeEvent]:
    """Typed change events between two trial views, looking only at the chosen groups.

    ``history`` (the trial's past: earlier slips, suspensions) only changes the wording of events.

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
    events = events_from_changes(old, new, raw_changes(old_part, new_part), history)
    if updated and all(event.level == Level.INFO for event in events):
        events.insert(0, record_updated(old, new, quiet_changes=bool(events)))
    return events
