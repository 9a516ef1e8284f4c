"""The building blocks every event builder shares: deepdiff changes as plain records, and helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from monitor.core.model import ChangeEvent, Level
from monitor.core.words import parse_partial_date, same_text, text_key

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
    was: dict[str, str] = field(default_factory=dict)  # an edited entry's new key → its old key, when renamed

    def old_key(self, key: str) -> str:
        """The key an edited entry had before (itself, unless only its case or spacing moved)."""
        return self.was.get(key, key)


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


def _differing(before: Any, after: Any, fields: set[str]) -> set[str]:
    """The fields of an entry that really changed (not only in case, spacing or Markdown escaping)."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return set() if same_text(before, after) else (fields or {"value"})
    names = fields or set(before) | set(after)
    return {name for name in names if not same_text(before.get(name), after.get(name))}


def keyed_text(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> Keyed:
    """:func:`keyed`, then blind to case, spacing and Markdown escaping: an entry whose name moved
    only so is the same entry (edited under its new name when something else moved), and an edit
    that changed only so is no edit."""
    found = keyed(changes)
    removed_by_key: dict[Any, list[str]] = {}
    for key in found.removed:
        removed_by_key.setdefault(text_key(key), []).append(key)
    added, edited, was = [], {}, {}
    for key in found.added:
        twins = removed_by_key.get(text_key(key))
        if not twins:
            added.append(key)
            continue
        was[key] = twins.pop(0)
        fields = _differing(old.get(was[key]), new.get(key), set())
        if fields:
            edited[key] = fields
    for key, fields in found.edited.items():
        real = _differing(old.get(key), new.get(key), fields)
        if real:
            edited[key] = real
    removed = [key for key in found.removed if key not in was.values()]
    return Keyed(added, removed, dict(sorted(edited.items())), {k: v for k, v in was.items() if k in edited})


def event(kind: str, field: str, old: Any, new: Any, text: str, level: Level) -> ChangeEvent:
    """A ChangeEvent, positionally."""
    return ChangeEvent(kind=kind, field=field, old=old, new=new, text=text, level=level)


def earlier(day: str | None, than: str | None) -> bool:
    """Is ``day`` known to come before ``than`` (registry dates, ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, a
    time after the day ignored)? Compared at the coarser of the two precisions: ``2024-03`` is not
    earlier than ``2024-03-15`` (it may be the 20th), ``2024-02`` is; unreadable dates are never earlier."""
    first, second = parse_partial_date((day or "")[:10]), parse_partial_date((than or "")[:10])
    if first is None or second is None:
        return False
    known = min(sum(part is not None for part in first), sum(part is not None for part in second))
    return first[:known] < second[:known]
