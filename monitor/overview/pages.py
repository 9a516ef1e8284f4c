"""The dashboard (every watched trial at a glance, filtered and paginated) and a trial's page (its card,
its timeline newest first, what each change changed), as plain values."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.core.card import Card, card_of, next_expected, results_state
from monitor.core.changelog import Entry
from monitor.core.changes import FieldChange, what_changed
from monitor.core.expectations import RESULTS_OVERDUE, current_facts, expected
from monitor.core.status import status_words
from monitor.overview.state import TrialLine, line_of, watched_ids
from monitor.overview.timeline import Timeline, timeline
from monitor.registry.catalogue import DEFAULT
from monitor.store import browse, expectations, searches, trials
from monitor.store.tables import ChangeRecord
from monitor.watchlist import Watchlist

PER_PAGE = 50
MAX_PER_PAGE = 5000


@dataclass(frozen=True)
class Latest:
    """A trial's latest change worth telling."""

    when: datetime
    level: str
    kind: str
    text: str  # Markdown-safe, as stored


@dataclass(frozen=True)
class Row:
    """One trial of the dashboard."""

    line: TrialLine
    status_words: str
    latest: Latest | None
    results: str  # "posted 2024-05-01", "submitted …", "overdue (due …)", ""
    next_expected: str  # "Primary completion 2027-06 (estimated)", ""


@dataclass(frozen=True)
class Dashboard:
    rows: tuple[Row, ...]
    total: int  # trials passing the filters
    page: int
    pages: int
    per_page: int
    status: str | None  # the filters in force
    changed_days: int | None
    statuses: tuple[tuple[str, str, int], ...]  # (code, words, how many) for the status filter
    everything: bool


@dataclass(frozen=True)
class Change:
    """One entry of a trial's timeline, with what it changed."""

    entry: Entry
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class TrialPage:
    line: TrialLine
    card: Card | None  # None until the trial's baseline is recorded
    expectations: tuple[str, ...]  # the sentences of the expectations in force
    timeline: tuple[Change, ...]


def dashboard(
    engine: Engine, watchlist: Watchlist, now: datetime, *, status: str | None = None, changed_days: int | None = None,
    page: int = 1, per_page: int = PER_PAGE,
) -> Dashboard:
    """One page of the watched trials (all the registry's for ``trials: all``) passing the filters."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    changed_since = now - timedelta(days=changed_days) if changed_days else None
    page = max(1, page)
    rows, total = trial_rows(engine, watchlist, now, status=status, changed_since=changed_since,
                             offset=(page - 1) * per_page, limit=per_page)
    pages = max(1, math.ceil(total / per_page))
    if page > pages:  # past the end: the last page
        page = pages
        rows, total = trial_rows(engine, watchlist, now, status=status, changed_since=changed_since,
                                 offset=(page - 1) * per_page, limit=per_page)
    with Session(engine) as session:
        counts = browse.status_counts(session, DEFAULT, None if watchlist.everything else watched_ids(session, watchlist))
    statuses = tuple((code, "awaiting the first check" if code == browse.AWAITING else status_words(code), n)
                     for code, n in sorted(counts.items(), key=lambda item: -item[1]))
    return Dashboard(tuple(rows), total, page, pages, per_page, status, changed_days, statuses, watchlist.everything)


def trial_rows(
    engine: Engine, watchlist: Watchlist, now: datetime, *, status: str | None = None,
    changed_since: datetime | None = None, offset: int = 0, limit: int = PER_PAGE,
) -> tuple[list[Row], int]:
    """The watched trials from ``offset`` (at most ``limit``) passing the filters, and how many pass."""
    with Session(engine) as session:
        among = None if watchlist.everything else watched_ids(session, watchlist)
        ids, total = browse.page(session, DEFAULT, among=among, status=status, changed_since=changed_since,
                                 offset=offset, limit=min(limit, MAX_PER_PAGE))
        return _rows(session, watchlist, ids, now), total


def _rows(session: Session, watchlist: Watchlist, ids: list[str], now: datetime) -> list[Row]:
    stored = trials.rows(session, DEFAULT, ids)
    checked = trials.checked_at(session, DEFAULT, ids)
    true = expectations.true_names(session, DEFAULT, ids)
    latest = browse.latest_changes(session, DEFAULT, ids)
    watches = {w.key: w for w in searches.summaries(session)}
    labels = {t.trial_id: t.label for t in watchlist.trials}
    rows = []
    for trial_id in ids:
        trial = stored.get(trial_id)
        line = line_of(trial_id, trial, labels, watches, true.get(trial_id, set()) & watchlist.expectations.enabled,
                       checked.get(trial_id))
        facts = trial.expectation_facts if trial else None
        upcoming = next_expected(facts, now.date())
        rows.append(Row(
            line, _status_words(line), _latest(latest.get(trial_id)),
            results_state(facts, RESULTS_OVERDUE in true.get(trial_id, set())) if trial else "",
            f"{upcoming.label} {upcoming.words()}" if upcoming else "",
        ))
    return rows


def _status_words(line: TrialLine) -> str:
    if line.awaiting:
        return "awaiting the first check"
    if line.missing_since is not None:
        return f"not found in the registry since {line.missing_since:%Y-%m-%d}"
    return status_words(line.status)


def _latest(row: ChangeRecord | None) -> Latest | None:
    return Latest(row.detected_at, row.level, row.kind, row.text) if row is not None else None


def trial_page(engine: Engine, watchlist: Watchlist, trial_id: str, now: datetime) -> TrialPage | None:
    """A trial's page; None when the trial is neither watched nor known to the database. What is
    expected of it is worked out from its facts now (the stored rows keep the words of the day each
    turned true)."""
    with Session(engine) as session:
        trial = trials.rows(session, DEFAULT, [trial_id]).get(trial_id)
        checked = trials.checked_at(session, DEFAULT, [trial_id]).get(trial_id)
        watched = watchlist.everything or trial_id in watched_ids(session, watchlist)
        if trial is None and not watched:
            return None
        views = trials.snapshot_views(session, [trial.snapshot_hash] if trial and trial.snapshot_hash else [])
        watches = {w.key: w for w in searches.summaries(session)}
    labels = {t.trial_id: t.label for t in watchlist.trials}
    facts = trial.expectation_facts if trial is not None and current_facts(trial.expectation_facts) else None
    in_force = expected(facts, now, watchlist.expectations) if facts else {}
    line = line_of(trial_id, trial, labels, watches, set(in_force), checked)
    view = views.get(trial.snapshot_hash or "") if trial else None
    found: Timeline | None = timeline(engine, trial_id) if trial else None
    changes = tuple(Change(e, tuple(what_changed(e.kind, e.field, e.old, e.new)) if e.field else ())
                    for e in (found.entries if found else ()))
    return TrialPage(line, card_of(view) if view else None, tuple(e.text for e in in_force.values()), changes)
