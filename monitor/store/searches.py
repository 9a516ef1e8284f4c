"""What the database knows of search watches: their matches, and the trials they added."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from monitor.core.choices import TargetRef
from monitor.core.model import ChangeEvent
from monitor.core.searches import MatchChanges, SearchHit
from monitor.store import trials
from monitor.store.tables import SearchMatch, SearchWatch, Trial


def matching(session: Session, key: str) -> tuple[bool, set[str]]:
    """(has a baseline, the ids matching now) of one search."""
    watch = session.get(SearchWatch, key)
    rows = session.exec(select(SearchMatch.trial_id).where(SearchMatch.search_key == key, col(SearchMatch.left_at).is_(None)))
    return (watch is not None and watch.baseline_at is not None), set(rows)


def added_trials(session: Session, registry: str, keys: Sequence[str]) -> list[str]:
    """The trials watched because one of these searches (``add: true``) found them."""
    if not keys:
        return []
    return list(session.exec(select(Trial.trial_id).where(trials.mine(registry), col(Trial.added_by).in_(keys))
                             .order_by(Trial.trial_id)))


def record_listing(
    session: Session,
    registry: str,
    key: str,
    *,
    name: str,
    criteria: str,
    add: bool,
    listing: dict[str, SearchHit],
    changes: MatchChanges,
    told: Sequence[tuple[str, ChangeEvent, Sequence[TargetRef]]],
    now: datetime,
    cycle_id: int,
) -> None:
    """One search's complete listing, stored in one transaction: matches, added trials, alerts told."""
    watch = session.get(SearchWatch, key) or SearchWatch(key=key, name=name, criteria=criteria)
    watch.name, watch.criteria, watch.last_run_at, watch.matching = name, criteria, now, len(listing)
    watch.baseline_at = watch.baseline_at or now
    session.add(watch)
    arrived = [hit.trial_id for hit in changes.arrived]
    if arrived:  # new, or back after leaving: matching again
        known = set(session.exec(select(SearchMatch.trial_id).where(
            SearchMatch.search_key == key, col(SearchMatch.trial_id).in_(arrived))))
        session.execute(update(SearchMatch).where(
            SearchMatch.search_key == key, col(SearchMatch.trial_id).in_(known)).values(left_at=None))
        fresh = [listing[i] for i in arrived if i not in known]
        if fresh:
            session.execute(insert(SearchMatch), [
                {"search_key": key, "registry_key": registry, "trial_id": h.trial_id, "title": h.title,
                 "status": h.status, "first_seen_at": now}
                for h in fresh
            ])
    if changes.left:
        session.execute(update(SearchMatch).where(
            SearchMatch.search_key == key, col(SearchMatch.trial_id).in_(changes.left)).values(left_at=now))
    if add and arrived:  # watched from now on: their baseline is fetched in the same check
        trials.add_missing(session, registry, arrived, now, added_by=key)
    for trial_id, event, recipients in told:
        trials.record_events(session, registry, trial_id, [event], registry_date=None, recipients=recipients,
                             now=now, cycle_id=cycle_id)
    session.commit()


def followed(session: Session, registry: str, trial_ids: Sequence[str]) -> set[str]:
    """Those of these trials that are followed (they have a snapshot): their news joins their message."""
    if not trial_ids:
        return set()
    return set(session.exec(select(Trial.trial_id).where(trials.mine(registry), col(Trial.trial_id).in_(trial_ids),
                                                          col(Trial.snapshot_hash).is_not(None))))


def titles(session: Session, trial_ids: Sequence[str]) -> dict[str, str]:
    """Titles of trials known from a search listing (say, a new match that nobody watches)."""
    if not trial_ids:
        return {}
    rows = session.exec(select(SearchMatch.trial_id, SearchMatch.title).where(col(SearchMatch.trial_id).in_(trial_ids)))
    return {trial_id: title for trial_id, title in rows if title}


def summaries(session: Session) -> list[SearchWatch]:
    return list(session.exec(select(SearchWatch).order_by(SearchWatch.name)))
