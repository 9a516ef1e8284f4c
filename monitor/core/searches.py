"""Search watches, the pure part: what a search's matches are, what changed, and the words for it.

    first complete listing of a search  -> its baseline (stored, nothing sent)
    a trial in the listing, not before  -> "New trial matching …" (medium)
    a trial before, not in the listing  -> "No longer matches …" (medium), once
    a trial that left and comes back    -> "New trial matching …" again (it is news again)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from monitor.core.model import ChangeEvent, Level, Message
from monitor.core.render import render_change
from monitor.core.words import code_words, inline, listing, status_words


@dataclass(frozen=True)
class SearchHit:
    """What a search listing says of one matching trial."""

    nct_id: str
    title: str | None = None
    phases: tuple[str, ...] = ()
    sponsor: str | None = None
    status: str | None = None
    countries: tuple[str, ...] = ()


def read_hit(study: Mapping[str, Any]) -> SearchHit | None:
    """One entry of a search listing (fields NCTId, BriefTitle, Phase, …); None without a usable id."""
    protocol = _dict(study.get("protocolSection"))
    ident = _dict(protocol.get("identificationModule"))
    nct_id = ident.get("nctId")
    if not isinstance(nct_id, str) or not nct_id.strip():
        return None
    status = _dict(protocol.get("statusModule")).get("overallStatus")
    phases = _dict(protocol.get("designModule")).get("phases")
    sponsor = _dict(_dict(protocol.get("sponsorCollaboratorsModule")).get("leadSponsor")).get("name")
    locations = _dict(protocol.get("contactsLocationsModule")).get("locations")
    countries = [loc.get("country") for loc in locations if isinstance(loc, dict)] if isinstance(locations, list) else []
    title = ident.get("briefTitle")
    return SearchHit(
        nct_id=nct_id.strip().upper(),
        title=title if isinstance(title, str) else None,
        phases=tuple(p for p in phases if isinstance(p, str)) if isinstance(phases, list) else (),
        sponsor=sponsor if isinstance(sponsor, str) else None,
        status=status if isinstance(status, str) else None,
        countries=tuple(dict.fromkeys(c for c in countries if isinstance(c, str) and c.strip())),
    )


@dataclass(frozen=True)
class MatchChanges:
    """The difference between a search's stored matches and its new complete listing."""

    arrived: tuple[SearchHit, ...]  # in the listing, not matching before
    left: tuple[str, ...]  # matching before, not in the listing


def match_changes(matching_before: Iterable[str], listing_now: Iterable[SearchHit]) -> MatchChanges:
    before = set(matching_before)
    now = {hit.nct_id: hit for hit in listing_now}
    return MatchChanges(
        arrived=tuple(hit for nct_id, hit in sorted(now.items()) if nct_id not in before),
        left=tuple(sorted(before - set(now))),
    )


def new_trial_event(hit: SearchHit, search_name: str, *, watched: bool) -> ChangeEvent:
    facts = [
        phase_words(hit.phases),
        f"sponsor {inline(hit.sponsor, 80)}" if hit.sponsor else "sponsor not given",
        status_words(hit.status).lower() if hit.status else "status not given",
        f"sites in {listing([inline(c, 40) for c in hit.countries], 5, ', ')}" if hit.countries else "no sites listed yet",
    ]
    then = "; it is watched from now on" if watched else ""
    text = f"New trial matching the search {inline(search_name, 120)}: {'; '.join(facts)}{then}"
    return ChangeEvent("new_trial", "search", None, search_name, text, Level.MEDIUM)


def phase_words(phases: tuple[str, ...]) -> str:
    """``("PHASE1", "PHASE2")`` → ``"phase 1/2"``; ``("NA",)`` → ``"phase not applicable"``."""
    if not phases:
        return "phase not given"
    words = [_PHASES.get(p.upper(), code_words(p).lower()) for p in phases]
    if all(w.startswith("phase ") for w in words):
        return "phase " + "/".join(w.removeprefix("phase ") for w in words)
    return ", ".join(w if w.startswith(("phase", "early")) else f"phase {w}" for w in words)


_PHASES = {"NA": "not applicable", "EARLY_PHASE1": "early phase 1", "PHASE1": "phase 1", "PHASE2": "phase 2",
           "PHASE3": "phase 3", "PHASE4": "phase 4"}


def left_event(nct_id: str, search_name: str) -> ChangeEvent:
    text = (f"No longer matches the search {inline(search_name, 120)} "
            "(its record was edited, withdrawn from public view, or the registry re-indexed it)")
    return ChangeEvent("no_longer_matches", "search", search_name, None, text, Level.MEDIUM)


def search_message(nct_id: str, title: str | None, event: ChangeEvent) -> Message:
    """The alert for a trial arriving in (or leaving) a search: the trial's usual message shape."""
    return render_change({"id": nct_id, "title": title or nct_id}, [event])


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
