"""What the database knows of search watches: their matches, and the trials they added."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from monitor.core.model import ChangeEvent, Decision, Message, Outcome
from monitor.core.searches import MatchChanges, SearchHit
from monitor.store import repo
from monitor.store.tables import SearchMatch, SearchWatch, Trial
from monitor.watchlist import Search


def matching(session: Session, key: str) -> tuple[bool, set[str]]:
    """(has a baseline, the ids matching now) of one search."""
    watch = session.get(SearchWatch, key)
    rows = session.exec(select(SearchMatch.nct_id).where(SearchMatch.search_key == key, col(SearchMatch.left_at).is_(None)))
    return (watch is not None and watch.baseline_at is not None), set(rows)


def added_trials(session: Session, searches: Sequence[Search]) -> list[str]:
    """The trials watched because a search with ``add: true`` (still in the watchlist) found them."""
    keys = [s.key for s in searches if s.add]
    if not keys:
        return []
    return list(session.exec(select(Trial.nct_id).where(col(Trial.added_by).in_(keys)).order_by(Trial.nct_id)))


def record_listing(
    session: Session,
    search: Search,
    listing: dict[str, SearchHit],
    changes: MatchChanges,
    alerts: Sequence[tuple[str, ChangeEvent, Message]],
    *,
    baseline: bool,
    targets: Sequence[repo.TargetRef],
    now: datetime,
    cycle_id: int,
) -> None:
    """One search's complete listing, stored in one transaction: matches, added trials, alerts."""
    watch = session.get(SearchWatch, search.key) or SearchWatch(
        key=search.key, name=search.name, criteria=_criteria(search)
    )
    watch.name, watch.last_run_at, watch.matching = search.name, now, len(listing)
    watch.baseline_at = watch.baseline_at or now
    session.add(watch)
    arrived = [hit.nct_id for hit in changes.arrived]
    if arrived:  # new, or back after leaving: matching again
        known = set(session.exec(select(SearchMatch.nct_id).where(
            SearchMatch.search_key == search.key, col(SearchMatch.nct_id).in_(arrived))))
        session.execute(update(SearchMatch).where(
            SearchMatch.search_key == search.key, col(SearchMatch.nct_id).in_(known)).values(left_at=None))
        fresh = [listing[i] for i in arrived if i not in known]
        if fresh:
            session.execute(insert(SearchMatch), [
                {"search_key": search.key, "nct_id": h.nct_id, "title": h.title, "status": h.status, "first_seen_at": now}
                for h in fresh
            ])
    if changes.left:
        session.execute(update(SearchMatch).where(
            SearchMatch.search_key == search.key, col(SearchMatch.nct_id).in_(changes.left)).values(left_at=now))
    if search.add and arrived:
        _watch(session, search.key, arrived, now)
    if not baseline:
        for nct_id, event, message in alerts:
            decision = Decision(nct_id, Outcome.CHANGED, events=(event,), message=message)
            repo.record_events(session, decision, None, targets=targets, now=now, cycle_id=cycle_id)
    session.commit()


def _watch(session: Session, key: str, nct_ids: Sequence[str], now: datetime) -> None:
    """Start watching these trials (their baseline is fetched in the same check)."""
    present = set(session.exec(select(Trial.nct_id).where(col(Trial.nct_id).in_(nct_ids))))
    repo.add_trials(session, [i for i in nct_ids if i not in present], now, added_by=key)


def followed(session: Session, nct_ids: Sequence[str]) -> set[str]:
    """Those of these trials that are followed (they have a snapshot): their news joins their message."""
    if not nct_ids:
        return set()
    return set(session.exec(select(Trial.nct_id).where(col(Trial.nct_id).in_(nct_ids),
                                                         col(Trial.snapshot_hash).is_not(None))))


def record_held(session: Session, held: dict[str, list[ChangeEvent]], *, targets: Sequence[repo.TargetRef],
                now: datetime, cycle_id: int) -> None:
    """Search news of followed trials that were not decided in this check: one alert per trial."""
    if not held:
        return
    trials = repo.trials_by_id(session, list(held))
    for nct_id, events in held.items():
        trial = trials.get(nct_id)
        repo.record_unfetched(
            session, nct_id, events, shown_id=trial.registry_id if trial else None, title=trial.title if trial else None,
            updated=trial.last_update_posted if trial else None, targets=targets, now=now, cycle_id=cycle_id,
        )
    session.commit()


def titles(session: Session, key: str, nct_ids: Sequence[str]) -> dict[str, str | None]:
    """The titles these trials had when the search last listed them."""
    if not nct_ids:
        return {}
    rows = session.exec(select(SearchMatch.nct_id, SearchMatch.title).where(
        SearchMatch.search_key == key, col(SearchMatch.nct_id).in_(nct_ids)))
    return dict(rows.all())


def summaries(session: Session) -> list[SearchWatch]:
    return list(session.exec(select(SearchWatch).order_by(SearchWatch.name)))


def _criteria(search: Search) -> str:
    return "&".join(f"{k}={v}" for k, v in search.params)


def describe(search: Search, watch: SearchWatch | None) -> str:
    """One line for ``list``: the search, how many trials match it, whether they are watched."""
    added = "; new matches are watched" if search.add else ""
    if watch is None or watch.baseline_at is None:
        return f"search {search.name}: awaiting its first run{added}"
    return f"search {search.name}: {watch.matching} matching as of {watch.last_run_at:%Y-%m-%d %H:%M} UTC{added}"
