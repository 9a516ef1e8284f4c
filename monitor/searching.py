"""The search step of a check: list each search's matches, completely, and say what arrived or left.

A search runs when the registry has refreshed, or when it is new to the watchlist (its first
complete listing is its baseline: stored, nothing sent). A listing that ends short is a failure
of the whole check, never "those trials left the search".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.core.model import ChangeEvent, Message
from monitor.core.searches import SearchHit, left_event, match_changes, new_trial_event, read_hit, search_message
from monitor.registry import RegistryClient
from monitor.store import repo
from monitor.store import searches as stored
from monitor.watchlist import Search


async def run_searches(
    client: RegistryClient,
    engine: Engine,
    searches: Sequence[Search],
    *,
    refreshed: bool,
    refs: Sequence[repo.TargetRef],
    now: datetime,
    cycle_id: int,
    held: dict[str, list[ChangeEvent]],
) -> list[str]:
    """Run the searches due in this check; returns one line per search for the check's report.

    What a search says of a trial already followed is put in ``held``, to join that trial's one
    message of this check; the others are alerted at once.
    """
    said: list[str] = []
    for search in searches:
        with Session(engine) as session:
            has_baseline, before = stored.matching(session, search.key)
        if has_baseline and not refreshed:
            continue
        listing: dict[str, SearchHit] = {}
        async for page in client.search(search.params):
            for hit in filter(None, map(read_hit, page)):
                listing[hit.nct_id] = hit
        changes = match_changes(before, listing.values())
        alerts: list[tuple[str, ChangeEvent, Message]] = []
        for hit in changes.arrived:
            event = new_trial_event(hit, search.name, watched=search.add)
            alerts.append((hit.nct_id, event, search_message(hit.nct_id, hit.title, event)))
        with Session(engine) as session:
            titles = stored.titles(session, search.key, changes.left)
            for nct_id in changes.left:
                event = left_event(nct_id, search.name)
                alerts.append((nct_id, event, search_message(nct_id, titles.get(nct_id), event)))
            followed = stored.followed(session, [nct_id for nct_id, *_ in alerts]) if has_baseline else set()
            for nct_id, event, _ in alerts:
                if nct_id in followed:
                    held.setdefault(nct_id, []).append(event)
            stored.record_listing(session, search, listing, changes, [a for a in alerts if a[0] not in followed],
                                  baseline=not has_baseline, targets=refs, now=now, cycle_id=cycle_id)
        said.append(_summary(search, len(listing), changes.arrived, changes.left, has_baseline))
    return said


def _summary(search: Search, count: int, arrived: Sequence[SearchHit], left: Sequence[str], has_baseline: bool) -> str:
    added = " (all watched)" if search.add else ""
    if not has_baseline:
        return f"Search {search.name}: {count} matching trials recorded as its baseline{added}."
    news = [f"{len(arrived)} new ({', '.join(h.nct_id for h in arrived[:5])}{'…' if len(arrived) > 5 else ''})"] \
        if arrived else []
    news += [f"{len(left)} no longer matching ({', '.join(left[:5])}{'…' if len(left) > 5 else ''})"] if left else []
    return f"Search {search.name}: {count} matching; {'; '.join(news) or 'no change'}."
