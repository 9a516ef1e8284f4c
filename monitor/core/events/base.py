"""The building blocks every event builder shares: deepdiff changes as plain records, and helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from monitor.core.model import ChangeEvent, Level

ADDED = frozenset({"dictionary_item_added", "iterable_item_added", "set_item_added"})
REMOVED = frozenset({"dictionary_item_removed", "iterable_item_removed", "set_item_removed"})


@dataclass(frozen=True)
class RawChange:
    """One change as deepdiff reports it: its path inside the view, the report type, before and after."""

    path: tuple[str | int, ...]
    report: str
    old: Any = None
    new: Any = None


Changes = list[RawChange]
Builder = Callable[[dict[str, Any], dict[str, Any], Changes], list[ChangeEvent]]


def within(changes: Changes, name: str) -> Changes:
    """The changes under one key, with that key taken off their paths."""
    return [RawChange(c.path[1:], c.report, c.old, c.new) for c in changes if c.path and c.path[0] == name]


def touched(changes: Changes) -> set[str]:
    """The first path steps the changes touch (the fields of a group that changed)."""
    return {str(c.path[0]) for c in changes if c.path}


@dataclass
class Keyed:
    """Entries of a keyed group (sites, outcomes …) that deepdiff saw added, removed or edited."""

    added: list[str]
    removed: list[str]
    edited: dict[str, set[str]]  # key → the fields that changed


def keyed(changes: Changes) -> Keyed:
    """Sort changes to a keyed group into added, removed and edited entries (using deepdiff's paths)."""
    added, removed, edited = set(), set(), {}
    for change in changes:
        if not change.path:
            continue
        key = str(change.path[0])
        if len(change.path) == 1 and change.report in ADDED:
            added.add(key)
        elif len(change.path) == 1 and change.report in REMOVED:
            removed.add(key)
        else:
            edited.setdefault(key, set()).update({str(change.path[1])} if len(change.path) > 1 else set())
    return Keyed(sorted(added), sorted(removed), {k: v for k, v in sorted(edited.items())})


def event(kind: str, field: str, old: Any, new: Any, text: str, level: Level) -> ChangeEvent:
    """A ChangeEvent, positionally."""
    return ChangeEvent(kind=kind, field=field, old=old, new=new, text=text, level=level)
