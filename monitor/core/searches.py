"""Search watches, the pure part: what a search's matches are, what changed, and the words for it.

    first complete listing of a search  -> its baseline (stored, nothing sent)
    a trial in the listing, not before  -> "New trial matching …" (medium)
    a trial before, not in the listing  -> "No longer matches …" (medium), once
    a trial that left and comes back    -> "New trial matching …" again (it is news again)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from monitor.core.model import ChangeEvent, Level
from monitor.core.status import status_words
from monitor.core.words import code_words, inline, listing


@dataclass(frozen=True)
class SearchHit:
    """What a search listing says of one matching trial (the registry adapter reads it)."""

    trial_id: str
    title: str | None = None
    phases: tuple[str, ...] = ()
    sponsor: str | None = None
    status: str | None = None
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchChanges:
    """The difference between a search's stored matches and its new complete listing."""

    arrived: tuple[SearchHit, ...]  # in the listing, not matching before
    left: tuple[str, ...]  # matching before, not in the listing


def match_changes(matching_before: Iterable[str], listing_now: Iterable[SearchHit]) -> MatchChanges:
    before = set(matching_before)
    now = {hit.trial_id: hit for hit in listing_now}
    return MatchChanges(
        arrived=tuple(hit for trial_id, hit in sorted(now.items()) if trial_id not in before),
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


def left_event(search_name: str) -> ChangeEvent:
    text = (f"No longer matches the search {inline(search_name, 120)} "
            "(its record was edited, withdrawn from public view, or the registry re-indexed it)")
    return ChangeEvent("no_longer_matches", "search", search_name, None, text, Level.MEDIUM)


@dataclass(frozen=True)
class SearchNews:
    """What one complete listing of a search means: the trials that arrived or left, and who to tell.

    ``alerts`` are told at once (one message per trial); ``held`` are about trials already
    followed, so they join that trial's one message of this check.
    """

    changes: MatchChanges
    alerts: tuple[tuple[str, ChangeEvent], ...] = ()
    held: tuple[tuple[str, ChangeEvent], ...] = ()


def search_news(
    name: str, changes: MatchChanges, *, add: bool, has_baseline: bool, followed: Collection[str] = ()
) -> SearchNews:
    """The events of a search's new listing; a first listing (the baseline) tells nobody."""
    if not has_baseline:
        return SearchNews(changes)
    events = [(hit.trial_id, new_trial_event(hit, name, watched=add)) for hit in changes.arrived]
    events += [(trial_id, left_event(name)) for trial_id in changes.left]
    return SearchNews(
        changes,
        alerts=tuple((trial_id, event) for trial_id, event in events if trial_id not in followed),
        held=tuple((trial_id, event) for trial_id, event in events if trial_id in followed),
    )
