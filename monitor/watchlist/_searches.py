"""`searches:` in the watchlist: registry searches whose matches are followed.

::

    searches:
      - condition: androgenetic alopecia   # also: intervention, term, sponsor, status (one or a list)
        intervention: stem cells
        name: hair-loss stem cells         # optional; how alerts name the search
        add: true                          # watch new matches as trials from now on
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor.core.status import STATUSES
from monitor.registry.catalogue import search_key

from ._base import item_line, key_line, kind, value_line

CRITERIA = ("condition", "intervention", "term", "sponsor", "status")
CRITERIA_ORDER = ("status", "condition", "intervention", "sponsor", "term")  # a search's name lists them so
OTHER_KEYS = ("name", "add")
@dataclass(frozen=True)
class Search:
    """One search watch. ``key`` names it in the database: the same criteria keep the same key."""

    key: str
    name: str
    criteria: tuple[tuple[str, str], ...]  # e.g. (("condition", "alopecia"), ("status", "RECRUITING"))
    add: bool = False

    def words(self) -> str:
        """The criteria in words (``condition "alopecia" + status "recruiting"``)."""
        return describe(self.criteria)


def parse_searches(data: Any, fail: Any) -> tuple[Search, ...]:
    value = data.get("searches")
    if value is None:
        return ()
    if not isinstance(value, list):
        raise fail(f"searches must be a list of searches (mappings), not {kind(value)}", value_line(data, "searches"))
    found: dict[str, Search] = {}
    for index, entry in enumerate(value):
        line = item_line(value, index) or key_line(data, "searches")
        search = _one(entry, line, fail)
        found.setdefault(search.key, search)  # the same search twice: run it once
    return tuple(found.values())


def _one(entry: Any, line: int | None, fail: Any) -> Search:
    known = ", ".join((*CRITERIA, *OTHER_KEYS))
    if not isinstance(entry, Mapping):
        raise fail(f"a search must be a mapping of criteria ({known}), not {kind(entry)}", line)
    criteria: list[tuple[str, str]] = []
    for key in entry:
        where = key_line(entry, key) or line
        if key not in CRITERIA and key not in OTHER_KEYS:
            raise fail(f"unknown key '{key}' in a search (known: {known})", where)
        if key in CRITERIA:
            criteria.append((key, _criterion(key, entry[key], value_line(entry, key) or where, fail)))
    if not criteria:
        raise fail(f"a search needs at least one of: {', '.join(CRITERIA)}", line)
    add = entry.get("add", False)
    if not isinstance(add, bool):
        raise fail(f"add must be true or false, not '{add}'", value_line(entry, "add") or line)
    name = entry.get("name")
    if name is not None and (not isinstance(name, (str, int, float)) or not str(name).strip()):
        raise fail("a search's name must be non-empty text", value_line(entry, "name") or line)
    criteria.sort(key=lambda pair: CRITERIA_ORDER.index(pair[0]))  # the order the key and name are made in
    shown = str(name).strip() if name is not None else describe(criteria)
    return Search(key=search_key(criteria), name=shown, criteria=tuple(criteria), add=add)


def _criterion(key: str, raw: Any, line: int | None, fail: Any) -> str:
    if key == "status":
        items = raw if isinstance(raw, list) else [raw]
        statuses: list[str] = []
        for item in items:
            word = str(item).strip().upper().replace(" ", "_").replace(",", "") if isinstance(item, str) else None
            if word not in STATUSES:
                shown = f"'{item}'" if isinstance(item, (str, int, float)) else kind(item)
                raise fail(f"status: unknown overall status {shown} (known: {', '.join(s.lower() for s in STATUSES)})",
                           line)
            if word not in statuses:
                statuses.append(word)
        if not statuses:
            raise fail("status is empty: leave it out, or name one or more overall statuses", line)
        return "|".join(sorted(statuses))
    if not isinstance(raw, (str, int, float)) or isinstance(raw, bool) or not str(raw).strip():
        raise fail(f"{key} must be non-empty search text, not {kind(raw) if not isinstance(raw, str) else 'empty'}",
                   line)
    return " ".join(str(raw).split())


def describe(criteria: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
    """``condition "androgenetic alopecia" + intervention "stem cells"``: a search named by its criteria."""
    parts = []
    for name, value in criteria:
        shown = value.replace("|", " or ").replace("_", " ").lower() if name == "status" else value
        parts.append(f'{name} "{shown}"')
    return " + ".join(parts)
