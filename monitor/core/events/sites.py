"""Site events: sites near the follower (the watchlist's ``near:``) opening or closing, then sites
added or removed (new countries first), per-site recruitment status gained, changed or lost, and
sites only renamed.

A site in one of the follower's places is told in a ``site_near`` event and only there (the
generic sentences leave it out): added as recruiting, or starting to recruit, is HIGH; added but not
recruiting (not yet recruiting, or no status given), no longer recruiting, or removed, is MEDIUM.
Its other status moves (e.g. not yet recruiting → active, not recruiting) stay in the generic
``Site status`` sentence.

Sites are matched by what identifies them, not by the view's key: the facility, city and country
with case, accents and punctuation set aside (``Hopital Saint-Louis`` is ``Hôpital Saint Louis``),
then, for names the registry re-encoded (``HÃ´pital`` → ``Hôpital``, ``Hă"Pitaux`` → ``Hôpitaux``),
by their ASCII letters alone when exactly one site on each side shares them. A matched site whose
name moved is "renamed" (INFO), never removed and re-added.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.core.events.base import Changes, event
from monitor.core.model import ChangeEvent, Level
from monitor.core.places import Place, near_places
from monitor.core.status import status_words
from monitor.core.words import ascii_skeleton, clip, count_words, folded, inline, listing

Site = dict[str, Any]
RECRUITING = "RECRUITING"
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
    # the added sites whose new country, and the removed sites whose lost country, was told elsewhere
    told: set[str] = field(default_factory=set)


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
    # a country whose only new (or only lost) sites a near event told is left to that event
    came_with = {folded(new[k].get("country")) for k in matched.added}
    left_with = {folded(old[k].get("country")) for k in matched.removed}
    came = sorted((after[c] for c in set(after) - set(before) if c in came_with or not matched.told),
                  key=lambda name: country_words(name).casefold())
    left = sorted((before[c] for c in set(before) - set(after) if c in left_with or not matched.told),
                  key=lambda name: country_words(name).casefold())
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


# ── sites near the follower ──────────────────────────────────────────────────────────────


def near_name(site: Site) -> str:
    """A site near you for people: ``Facility, City, Country``, a long facility name clipped, never the place."""
    parts = [clip(site.get("facility") or "", 60), site.get("city"), country_words(site.get("country") or "")]
    return inline(", ".join(part for part in parts if part) or "unnamed site", 140)


def _named(keys: list[str], views: dict[str, Site], one: str, many: str,
           tail: Callable[[str], str] = lambda key: "") -> str:
    """``"New recruiting site near you: A, Paris, France"``, ``"3 new recruiting sites near you: A; B; C"``."""
    names = listing([near_name(views[key]) + tail(key) for key in keys], SITES_SHOWN)
    return f"{one}: {names}" if len(keys) == 1 else f"{len(keys)} {many}: {names}"


def _waiting_words(status: str | None) -> str:
    return status_words(status).lower() if status else "no recruitment status given"


def near_events(old: dict[str, Site], new: dict[str, Site], matched: Matched,
                near: Sequence[Place]) -> tuple[list[ChangeEvent], Matched]:
    """The ``site_near`` events (HIGH: a site near you added as recruiting, or now recruiting; MEDIUM: one
    added but not recruiting, no longer recruiting, or removed), and what is left for the generic sentences."""
    added = [k for k in matched.added if near_places(near, new[k])]
    removed = [k for k in matched.removed if near_places(near, old[k])]
    moves = {b: (old[a].get("status"), new[b].get("status")) for a, b in matched.pairs if near_places(near, new[b])}
    opened = sorted((k for k, (was, now) in moves.items() if now == RECRUITING and was != RECRUITING), key=str.casefold)
    closed = sorted((k for k, (was, now) in moves.items() if was == RECRUITING and now != RECRUITING), key=str.casefold)
    recruiting = [k for k in added if new[k].get("status") == RECRUITING]
    waiting = [k for k in added if new[k].get("status") != RECRUITING]
    events = []
    if recruiting:
        text = _named(recruiting, new, "New recruiting site near you", "new recruiting sites near you")
        events.append(event("site_near", "near_added", {}, {"added": recruiting}, text, Level.HIGH))
    if opened:
        text = _named(opened, new, "Site near you now recruiting", "sites near you now recruiting")
        events.append(event("site_near", "near_status", {"status": {k: moves[k][0] for k in opened}},
                            {"status": {k: RECRUITING for k in opened}}, text, Level.HIGH))
    if waiting:
        kinds = {new[k].get("status") for k in waiting}
        if len(kinds) == 1:
            words = f" ({_waiting_words(new[waiting[0]].get('status'))})"
            text = _named(waiting, new, f"New site near you{words}", f"new sites near you{words}")
        else:
            text = _named(waiting, new, "", "new sites near you, not recruiting",
                          lambda k: f" ({_waiting_words(new[k].get('status'))})")
        events.append(event("site_near", "near_added", {}, {"added": waiting}, text, Level.MEDIUM))
    if closed:
        text = _named(closed, new, "Site near you no longer recruiting", "sites near you no longer recruiting",
                      lambda k: f" (now {status_words(moves[k][1]).lower()})" if moves[k][1] else "")
        events.append(event("site_near", "near_status", {"status": {k: RECRUITING for k in closed}},
                            {"status": {k: moves[k][1] for k in closed}}, text, Level.MEDIUM))
    if removed:
        text = _named(removed, old, "Site near you removed", "sites near you removed",
                      lambda k: " (was recruiting)" if old[k].get("status") == RECRUITING else "")
        events.append(event("site_near", "near_removed", {"removed": removed}, {}, text, Level.MEDIUM))
    told = set(opened) | set(closed)
    rest = Matched([(a, b) for a, b in matched.pairs if b not in told], [k for k in matched.added if k not in added],
                   [k for k in matched.removed if k not in removed], set(added) | set(removed))
    return events, rest


def site_events(old: dict[str, Any], new: dict[str, Any], changes: Changes,
                near: Sequence[Place] = ()) -> list[ChangeEvent]:
    """Sites near the follower opening or closing (``site_near``: HIGH / MEDIUM), sites added or removed
    elsewhere (LOW, or MEDIUM when large or a country moved), per-site status moves (LOW, or MEDIUM when
    five or more sites open) and renamed sites (INFO)."""
    del changes  # sites are matched on their identity, not on the view's keys deepdiff went by
    matched = match_sites(old, new)
    told, rest = near_events(old, new, matched, near) if near else ([], matched)
    return told + _added_removed(old, new, rest) + _status_moves(old, new, rest) + _renamed(old, new, matched)
