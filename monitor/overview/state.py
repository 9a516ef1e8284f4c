"""The watched trials and their state, and the state of the monitor itself (the CLI's ``list`` and
``status``; the dashboard's side panel)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.core.expectations import SHORT_WORDS
from monitor.registry.catalogue import DEFAULT, about
from monitor.store import cycles, everything, expectations, outbox, searches, trials
from monitor.store.tables import SearchWatch, Trial
from monitor.watchlist import Watchlist


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


def watched_ids(session: Session, watchlist: Watchlist) -> list[str]:
    """The watchlist's trials, then those its searches added (``add: true``)."""
    added = searches.added_trials(session, DEFAULT, [s.key for s in watchlist.searches if s.add])
    return list(dict.fromkeys([*watchlist.trial_ids, *added]))


def line_of(trial_id: str, trial: Trial | None, labels: Mapping[str, str | None], watches: Mapping[str, SearchWatch],
            on: set[str], checked: datetime | None = None) -> TrialLine:
    """One watched trial as it stands, from its row (None: no row yet), the watchlist's labels, the
    searches (by key) and the names of the expectations in force."""
    facts = about(DEFAULT)
    if trial is None:
        return TrialLine(trial_id, facts.study_url(trial_id), labels.get(trial_id))
    order = list(SHORT_WORDS)
    return TrialLine(
        trial_id, facts.study_url(trial.served_id or trial_id), labels.get(trial_id), trial.title,
        trial.overall_status, awaiting=trial.snapshot_hash is None and trial.missing_since is None,
        missing_since=trial.missing_since, last_update_posted=trial.last_update_posted,
        last_checked_at=checked,
        found_by=watches[trial.added_by].name if trial.added_by in watches and trial_id not in labels else None,
        served_id=trial.served_id if trial.served_id and trial.served_id != trial_id else None,
        expectations=tuple(SHORT_WORDS[n] for n in sorted(on, key=order.index)),
    )


def watching(engine: Engine, watchlist: Watchlist) -> Watching:
    with Session(engine) as session:
        ids = watched_ids(session, watchlist)
        rows = trials.rows(session, DEFAULT, ids)
        checked = trials.checked_at(session, DEFAULT, ids)
        counts = outbox.delivery_counts(session)
        failing = outbox.failing_deliveries(session)
        true = expectations.true_names(session, DEFAULT, ids)
        watches = {w.key: w for w in searches.summaries(session)}
        known = everything.count(session, DEFAULT) if watchlist.everything else 0
    labels = {t.trial_id: t.label for t in watchlist.trials}
    lines = [line_of(i, rows.get(i), labels, watches, true.get(i, set()) & watchlist.expectations.enabled,
                     checked.get(i)) for i in ids]
    found = tuple(_search_line(s.name, s.add, watches.get(s.key)) for s in watchlist.searches)
    return Watching(watchlist.everything, known, found, tuple(lines), counts.get("pending", 0),
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


def search_lines(engine: Engine, watchlist: Watchlist) -> tuple[SearchLine, ...]:
    """The watchlist's searches and how many trials each matches."""
    with Session(engine) as session:
        watches = {w.key: w for w in searches.summaries(session)}
    return tuple(_search_line(search.name, search.add, watches.get(search.key)) for search in watchlist.searches)


def _search_line(name: str, add: bool, watch: SearchWatch | None) -> SearchLine:
    return SearchLine(name, add, watch.baseline_at if watch else None, watch.last_run_at if watch else None,
                      watch.matching if watch else 0)
