"""The search step of a check: list each search's matches, completely, and say what arrived or left.

A search runs when the registry has refreshed, or when it is new to the watchlist (its first
complete listing is its baseline: stored, nothing sent). A listing that ends short is a failure
of the whole check, never "those trials left the search".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.check.pipe import Context
from monitor.core.choices import recipients
from monitor.core.model import ChangeEvent
from monitor.core.searches import MatchChanges, SearchHit, match_changes, search_news
from monitor.registry.base import Registry
from monitor.store import searches as stored
from monitor.store import trials
from monitor.watchlist import Search


@dataclass(frozen=True)
class Searched:
    """What the searches found: a line per search, and the news of trials already followed (``held``),
    which joins each such trial's one message of this check."""

    notes: tuple[str, ...] = ()
    held: dict[str, list[ChangeEvent]] = field(default_factory=dict)


async def run_searches(registry: Registry, engine: Engine, context: Context, searches: Sequence[Search], *,
                       refreshed: bool) -> Searched:
    """Run the searches due in this check."""
    said: list[str] = []
    held: dict[str, list[ChangeEvent]] = {}
    try:
        for search in searches:
            line, news = await _run(registry, engine, context, search, refreshed)
            said += [line] if line else []
            for trial_id, event in news:
                held.setdefault(trial_id, []).append(event)
    except BaseException:  # the check ends here: the trials this news is about will not be decided
        record_news(engine, context, held)
        raise
    return Searched(tuple(said), held)


async def _run(registry: Registry, engine: Engine, context: Context, search: Search,
               refreshed: bool) -> tuple[str, tuple[tuple[str, ChangeEvent], ...]]:
    """One search: its complete listing, what arrived or left, stored and told; its line ("" when it
    was not due) and its news of followed trials."""
    with Session(engine) as session:
        has_baseline, before = stored.matching(session, search.key)
    if has_baseline and not refreshed:
        return "", ()
    listing: dict[str, SearchHit] = {}
    async for hits in registry.search(search.criteria):
        listing.update((hit.trial_id, hit) for hit in hits)
    changes = match_changes(before, listing.values())
    with Session(engine) as session:
        concerned = [h.trial_id for h in changes.arrived] + list(changes.left)
        followed = stored.followed(session, context.registry, concerned) if has_baseline else set()
        news = search_news(search.name, changes, add=search.add, has_baseline=has_baseline, followed=followed)
        told = [(trial_id, event, recipients(context.targets, [(event.kind, event.level)]))
                for trial_id, event in news.alerts]
        stored.record_listing(session, context.registry, search.key, name=search.name, criteria=search.words(),
                              add=search.add, listing=listing, changes=changes, told=told, now=context.now,
                              cycle_id=context.cycle_id)
    return summary(search, len(listing), changes, has_baseline), news.held


def record_news(engine: Engine, context: Context, news: Mapping[str, Sequence[ChangeEvent]]) -> None:
    """Search news of followed trials whose record was not decided in this check: one alert per trial."""
    if not news:
        return
    with Session(engine) as session:
        known = trials.rows(session, context.registry, list(news))
        for trial_id, events in news.items():
            trial = known.get(trial_id)
            trials.record_events(
                session, context.registry, trial_id, events, registry_date=trial.last_update_posted if trial else None,
                recipients=recipients(context.targets, [(e.kind, e.level) for e in events]), now=context.now,
                cycle_id=context.cycle_id,
            )
        session.commit()


def summary(search: Search, count: int, changes: MatchChanges, has_baseline: bool) -> str:
    """One line of the check's report for one search."""
    added = " (all watched)" if search.add else ""
    if not has_baseline:
        return f"Search {search.name}: {count} matching trials recorded as its baseline{added}."
    arrived, left = changes.arrived, changes.left
    news = [f"{len(arrived)} new ({', '.join(h.trial_id for h in arrived[:5])}{'…' if len(arrived) > 5 else ''})"] \
        if arrived else []
    news += [f"{len(left)} no longer matching ({', '.join(left[:5])}{'…' if len(left) > 5 else ''})"] if left else []
    return f"Search {search.name}: {count} matching; {'; '.join(news) or 'no change'}."
