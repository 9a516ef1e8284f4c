"""The read model: plain values for every face (the CLI's ``list``, ``status``, ``history`` and ``feed``,
and the web pages to come). Nothing here writes, decides or words anything for a particular face.

* :func:`watching` — the watched trials and their state, the searches, deliveries waiting or failing;
* :func:`monitor_state` — the last check, a registry outage, deliveries per target;
* :func:`timeline` — one trial's dated changes (and its registry history, when backfilled);
* :func:`recent` — every trial's recent events (the feed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.core.changelog import Entry, newest_first, version_entries
from monitor.core.expectations import SHORT_WORDS
from monitor.core.model import Level
from monitor.registry.catalogue import DEFAULT, about
from monitor.store import cycles, everything, expectations, history, outbox, searches, trials
from monitor.store.tables import ChangeRecord
from monitor.watchlist import Watchlist

FEED_LEVELS = (Level.HIGH.value, Level.MEDIUM.value, Level.LOW.value)  # the feed leaves out INFO notes


@dataclass(frozen=True)
class TrialLine:
    """One watched trial as it stands."""

    trial_id: str
    link: str
    label: str | None = None  # the watchlist's label
    title: str | None = None
    status: str | None = None  # the neutral status code
    awaiting: bool = True  # no check has recorded it yet
    missing_since: datetime | None = None
    last_update_posted: str | None = None
    last_checked_at: datetime | None = None
    found_by: str | None = None  # the search that added it (when the watchlist does not list it)
    served_id: str | None = None  # the id the registry serves it under now, when not its own
    expectations: tuple[str, ...] = ()  # in force now, in short words


@dataclass(frozen=True)
class SearchLine:
    name: str
    add: bool
    baseline_at: datetime | None
    last_run_at: datetime | None
    matching: int


@dataclass(frozen=True)
class Failing:
    target: str  # masked
    attempts: int
    error: str | None


@dataclass(frozen=True)
class Watching:
    """The watched trials, the searches, and deliveries waiting or failing."""

    everything: bool  # `trials: all`
    known: int  # trials known so far (a whole registry)
    searches: tuple[SearchLine, ...]
    trials: tuple[TrialLine, ...]
    pending: int
    failing: tuple[Failing, ...]


@dataclass(frozen=True)
class LastCheck:
    started_at: datetime
    outcome: str
    data_timestamp: str | None
    requests: int


@dataclass(frozen=True)
class MonitorState:
    """The monitor itself: its last check, an outage, deliveries per target."""

    last_check: LastCheck | None
    failed_in_a_row: int
    failing_since: datetime | None
    outage_after: int
    watched: int
    waiting: dict[str, int]  # per target key: alerts held for a digest
    oldest_waiting: dict[str, datetime]
    deliveries: tuple[tuple[str, str, int, str | None], ...]  # (masked target, state, count, latest error), unsent


@dataclass(frozen=True)
class Timeline:
    trial_id: str
    title: str
    link: str
    entries: tuple[Entry, ...]  # newest first


def watched_ids(session: Session, watchlist: Watchlist) -> list[str]:
    """The watchlist's trials, then those its searches added (``add: true``)."""
    added = searches.added_trials(session, DEFAULT, [s.key for s in watchlist.searches if s.add])
    return list(dict.fromkeys([*watchlist.trial_ids, *added]))


def watching(engine: Engine, watchlist: Watchlist) -> Watching:
    facts = about(DEFAULT)
    with Session(engine) as session:
        ids = watched_ids(session, watchlist)
        rows = trials.rows(session, DEFAULT, ids)
        counts = outbox.delivery_counts(session)
        failing = outbox.failing_deliveries(session)
        true = expectations.true_names(session, DEFAULT, ids)
        watches = {w.key: w for w in searches.summaries(session)}
        known = everything.count(session, DEFAULT) if watchlist.everything else 0
    labels = {t.trial_id: t.label for t in watchlist.trials}
    order = list(SHORT_WORDS)
    lines = []
    for trial_id in ids:
        trial = rows.get(trial_id)
        if trial is None:
            lines.append(TrialLine(trial_id, facts.study_url(trial_id), labels.get(trial_id)))
            continue
        found_by = watches[trial.added_by].name if trial.added_by in watches and trial_id not in labels else None
        on = true.get(trial_id, set()) & watchlist.expectations.enabled
        lines.append(TrialLine(
            trial_id, facts.study_url(trial.served_id or trial_id), labels.get(trial_id), trial.title,
            trial.overall_status, awaiting=trial.snapshot_hash is None and trial.missing_since is None,
            missing_since=trial.missing_since, last_update_posted=trial.last_update_posted,
            last_checked_at=trial.last_checked_at, found_by=found_by,
            served_id=trial.served_id if trial.served_id and trial.served_id != trial_id else None,
            expectations=tuple(SHORT_WORDS[n] for n in sorted(on, key=order.index)),
        ))
    search_lines = []
    for search in watchlist.searches:
        watch = watches.get(search.key)
        search_lines.append(SearchLine(search.name, search.add, watch.baseline_at if watch else None,
                                       watch.last_run_at if watch else None, watch.matching if watch else 0))
    return Watching(watchlist.everything, known, tuple(search_lines), tuple(lines), counts.get("pending", 0),
                    tuple(Failing(d.target_masked, d.attempts, d.last_error) for d in failing))


def monitor_state(engine: Engine, watchlist: Watchlist) -> MonitorState:
    with Session(engine) as session:
        cycle = cycles.last(session)
        streak, since = cycles.failed_streak(session, (cycle.id or 0) + 1) if cycle else (0, None)
        summary = outbox.delivery_summary(session)
        waiting, oldest = outbox.held_counts(session), outbox.oldest_held(session)
        watched = everything.count(session, DEFAULT) if watchlist.everything else len(watched_ids(session, watchlist))
    last = LastCheck(cycle.started_at, cycle.outcome, cycle.data_timestamp, cycle.requests) if cycle else None
    return MonitorState(last, streak, since, watchlist.outage_after, watched, waiting, oldest, tuple(summary))


def timeline(engine: Engine, trial_id: str, registry: str = DEFAULT) -> Timeline | None:
    """A trial's dated changes, newest first; None when nothing is recorded of it."""
    facts = about(registry)
    with Session(engine) as session:
        trial = trials.rows(session, registry, [trial_id]).get(trial_id)
        if trial is None:
            return None
        rows = history.events(session, registry, trial_id)
        versions = history.versions(session, registry, trial_id)
    link = facts.study_url(trial_id)
    entries = [entry(row, link) for row in rows]
    if trial.baseline_at:
        entries.append(Entry(trial_id, "baseline", Level.INFO.value, trial.baseline_at,
                             "First checked (baseline recorded)", ref="baseline", link=link))
    entries += version_entries(trial_id, versions, registry=facts.name, link=link)
    return Timeline(trial_id, trial.title or "", link, tuple(newest_first(entries)))


def recent(engine: Engine, now: datetime, *, days: int, limit: int, levels: Sequence[str] = FEED_LEVELS) -> list[Entry]:
    """Every trial's events of the last ``days`` days, newest first, at most ``limit``."""
    with Session(engine) as session:
        rows = history.recent_events(session, now - timedelta(days=days), limit, levels)
    return [entry(row, about(row.registry_key).study_url(row.trial_id)) for row in rows]


def entry(row: ChangeRecord, link: str) -> Entry:
    return Entry(row.trial_id, row.kind, row.level, row.detected_at, row.text, row.old, row.new, str(row.id or ""),
                 link=link)
