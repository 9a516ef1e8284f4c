"""Site events: sites added or removed (new countries first), per-site recruitment status gained,
changed or lost, and sites only renamed.

Sites are matched by what identifies them, not by the view's key: the facility, city and country
with case, accents and punctuation set aside (``Hopital Saint-Louis`` is ``Hôpital Saint Louis``),
then, for names the registry re-encoded (``HÃ´pital`` → ``Hôpital``, ``Hă"Pitaux`` → ``Hôpitaux``),
by their ASCII letters alone when exactly one site on each side shares them. A matched site whose
name moved is "renamed" (INFO), never removed and re-added.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from monitor.core.events.base import Changes, event
from monitor.core.model import ChangeEvent, Level
from monitor.core.status import status_words
from monitor.core.words import ascii_skeleton, count_words, folded, inline, listing

Site = dict[str, Any]
LARGE = 5  # this many sites added or removed in one change is worth a message by default
COUNTRIES_SHOWN = 10
SITES_SHOWN = 5
MOVES_SHOWN = 3
# "Korea, Republic of", "Iran, Islamic Republic of", "Congo, The Democratic Republic of the"
_INVERTED = re.compile(r"^(?P<name>[^,]+),\s+(?P<title>[^,]*\bof(?: the)?)$", re.IGNORECASE)


def country_words(country: str) -> str:
    """A country as people write it in a list: ``"Korea, Republic of"`` → ``"Republic of Korea"``."""
    found = _INVERTED.match(country.strip())
    return f"{found['title']} {found['name']}" if found else country.strip()


def site_name(site: Site, with_country: bool = True) -> str:
    """A site for people: ``Facility, City, Country`` (escaped)."""
    country = country_words(site["country"]) if with_country and site.get("country") else None
    parts = [site.get("facility"), site.get("city"), country]
    return inline(", ".join(part for part in parts if part) or "unnamed site", 80)


def _identity(site: Site) -> tuple[str, str, str]:
    return folded(site.get("facility")), folded(site.get("city")), folded(site.get("country"))


def _skeleton(site: Site) -> tuple[str, str, str] | None:
    """The site's ASCII letters, when it has letters a re-encoding could have mangled (else None)."""
    parts = [site.get(name) or "" for name in ("facility", "city", "country")]
    if all(part.isascii() for part in parts):
        return None
    facility, city, country = (ascii_skeleton(part) for part in parts)
    return (facility, city, country) if len(facility + city) >= 4 else None


@dataclass
class Matched:
    """Two views' sites matched: the same site on both sides (old key, new key), and the rest."""

    pairs: list[tuple[str, str]]
    added: list[str]
    removed: list[str]


def _match_by(key: Callable[[Site], Any], old: dict[str, Site], new: dict[str, Site], removed: list[str],
              added: list[str], only_unique: bool) -> list[tuple[str, str]]:
    olds: dict[Any, list[str]] = {}
    for name in removed:
        if (found := key(old[name])) is not None:
            olds.setdefault(found, []).append(name)
    news: dict[Any, list[str]] = {}
    for name in added:
        if (found := key(new[name])) is not None:
            news.setdefault(found, []).append(name)
    pairs = []
    for found, names in news.items():
        twins = olds.get(found, [])
        if only_unique and (len(twins) != 1 or len(names) != 1):
            continue
        pairs += list(zip(twins, names))
    return pairs


def match_sites(old: dict[str, Site], new: dict[str, Site]) -> Matched:
    """The same sites on both sides, by key, then by identity, then by a re-encoded name's skeleton."""
    pairs = [(key, key) for key in old if key in new]
    removed = sorted(key for key in old if key not in new)
    added = sorted(key for key in new if key not in old)
    for key, unique in ((_identity, False), (_skeleton, True)):
        found = _match_by(key, old, new, removed, added, unique)
        pairs += found
        gone, came = {a for a, _ in found}, {b for _, b in found}
        removed = [k for k in removed if k not in gone]
        added = [k for k in added if k not in came]
    return Matched(pairs, sorted(added, key=str.casefold), sorted(removed, key=str.casefold))


def _countries(sites: dict[str, Site]) -> dict[str, str]:
    return {folded(s["country"]): s["country"] for s in sites.values() if s.get("country")}


def _country_words(names: list[str]) -> str:
    shown = ", ".join(inline(country_words(name), 40) for name in names[:COUNTRIES_SHOWN])
    return shown + (f", +{len(names) - COUNTRIES_SHOWN} more" if len(names) > COUNTRIES_SHOWN else "")


def _added_removed(old: dict[str, Site], new: dict[str, Site], matched: Matched) -> list[ChangeEvent]:
    """MEDIUM when five or more sites came or went, or a country gained its first site or lost its last."""
    if not matched.added and not matched.removed:
        return []
    before, after = _countries(old), _countries(new)
    came = sorted((after[c] for c in set(after) - set(before)), key=lambda name: country_words(name).casefold())
    left = sorted((before[c] for c in set(before) - set(after)), key=lambda name: country_words(name).casefold())
    parts = []
    if came:
        parts.append(f"new {'country' if len(came) == 1 else 'countries'}: {_country_words(came)}")
    for keys, views, verb in ((matched.added, new, "added"), (matched.removed, old, "removed")):
        if keys:
            parts.append(f"{len(keys)} {verb} ({listing([site_name(views[k]) for k in keys], SITES_SHOWN)})")
    if left:
        parts.append(f"no sites left in {_country_words(left)}")
    large = len(matched.added) + len(matched.removed) >= LARGE or bool(came or left)
    return [event("sites", "sites", {"removed": matched.removed}, {"added": matched.added},
                  "Sites: " + "; ".join(parts), Level.MEDIUM if large else Level.LOW)]


def move_words(before: str | None, after: str | None) -> str:
    """A site's recruitment status move: ``now recruiting``, ``Recruiting → Completed``,
    ``no longer listed as recruiting``."""
    if before and after:
        return f"{status_words(before)} → {status_words(after)}"
    if after:
        words = status_words(after).lower()
        return f"listed as {words}" if words.startswith("not ") else f"now {words}"
    return f"no longer listed as {status_words(before).lower()}"


def _status_moves(old: dict[str, Site], new: dict[str, Site], matched: Matched) -> list[ChangeEvent]:
    """Sites whose recruitment status appeared, changed or went (a few named, the rest counted): LOW,
    MEDIUM when five or more sites open (start recruiting) at once, which a patient wants to hear."""
    moves = {b: (old[a].get("status"), new[b].get("status")) for a, b in matched.pairs}
    moves = {key: move for key, move in sorted(moves.items()) if move[0] != move[1]}
    if not moves:
        return []
    if len(moves) <= MOVES_SHOWN:
        text = "; ".join(f"{site_name(new[key], with_country=False)}: {move_words(*move)}" for key, move in moves.items())
    else:
        groups: dict[tuple[str | None, str | None], list[str]] = {}
        for key, move in moves.items():
            groups.setdefault(move, []).append(site_name(new[key], with_country=False))
        ordered = sorted(groups.items(), key=lambda item: -len(item[1]))
        text = listing([f"{count_words(len(names), 'site')} {move_words(*move)} ({listing(names, MOVES_SHOWN)})"
                        for move, names in ordered], 4)
    opening = sum(1 for before, after in moves.values() if after == "RECRUITING")
    return [event("sites", "site_status", {"status": {k: a for k, (a, _) in moves.items()}},
                  {"status": {k: b for k, (_, b) in moves.items()}}, f"Site status: {text}",
                  Level.MEDIUM if opening >= LARGE else Level.LOW)]


def _renamed(old: dict[str, Site], new: dict[str, Site], matched: Matched) -> list[ChangeEvent]:
    """INFO: sites whose name moved only in spelling, case or encoding."""
    renamed = [(a, b) for a, b in matched.pairs if a != b and site_name(old[a]) != site_name(new[b])]
    if not renamed:
        return []
    names = [f"{site_name(old[a])} → {site_name(new[b])}" for a, b in renamed]
    text = f"{count_words(len(renamed), 'site')} renamed: {listing(names, MOVES_SHOWN)}"
    return [event("sites", "site_names", {"names": [a for a, _ in renamed]}, {"names": [b for _, b in renamed]},
                  text, Level.INFO)]


def site_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """Sites added or removed (LOW, or MEDIUM when large or a country moved), per-site status moves
    (LOW, or MEDIUM when five or more sites open) and renamed sites (INFO)."""
    del changes  # sites are matched on their identity, not on the view's keys deepdiff went by
    matched = match_sites(old, new)
    return _added_removed(old, new, matched) + _status_moves(old, new, matched) + _renamed(old, new, matched)
