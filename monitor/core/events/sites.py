"""Site events: sites added or removed, and per-site recruitment status moves, in one summary."""

from __future__ import annotations

from collections import Counter
from typing import Any

from monitor.core.events.base import Changes, event, keyed
from monitor.core.model import ChangeEvent, Level
from monitor.core.status import status_words
from monitor.core.words import inline, listing


def _site_name(site: dict[str, Any], with_country: bool = True) -> str:
    parts = [site.get("facility"), site.get("city")] + ([site.get("country")] if with_country else [])
    return inline(", ".join(part for part in parts if part) or "unnamed site", 80)


def site_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """One LOW event: sites added/removed (five named), new or dropped countries, per-site status moves."""
    entries = keyed(changes)
    moves = {
        key: (old[key].get("status"), new[key].get("status"))
        for key, fields in entries.edited.items()
        if "status" in fields and key in old and key in new
        and old[key].get("status") and new[key].get("status")  # a status that vanishes is not a change
    }
    parts = []
    if entries.added or entries.removed:
        counts = []
        for keys, views, verb in ((entries.added, new, "added"), (entries.removed, old, "removed")):
            if keys:
                counts.append(f"{len(keys)} {verb} ({listing([_site_name(views[k]) for k in keys])})")
        countries_before = {s.get("country") for s in old.values() if s.get("country")}
        countries_after = {s.get("country") for s in new.values() if s.get("country")}
        for found, label in ((countries_after - countries_before, "new {}"), (countries_before - countries_after, "{} no longer listed")):
            if 0 < len(found) <= 3:  # worth saying only when short
                noun = label.format("country" if len(found) == 1 else "countries")
                counts.append(f"{noun}: {', '.join(inline(c, 40) for c in sorted(found))}")
        parts.append("Sites: " + ", ".join(counts))
    if 0 < len(moves) <= 3:
        parts.append("Site status: " + "; ".join(
            f"{_site_name(new[k], with_country=False)}: {status_words(a)} → {status_words(b)}" for k, (a, b) in moves.items()
        ))
    elif moves:
        tally = Counter(moves.values()).most_common()
        steps = "; ".join(f"{n} {status_words(a)} → {status_words(b)}" for (a, b), n in tally)
        parts.append(f"Site status changed at {len(moves)} sites: {steps}")
    if not parts:
        return []
    before = {"removed": entries.removed, "status": {k: a for k, (a, _) in moves.items()}}
    after = {"added": entries.added, "status": {k: b for k, (_, b) in moves.items()}}
    return [event("sites", "sites", before, after, ". ".join(parts), Level.LOW)]
