"""A trial's dated changes, and every trial's recent events: the changelogs (``history``, ``feed``, the
trial pages' timelines and the API's events)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.core.changelog import Entry, newest_first, version_entries
from monitor.core.model import Level
from monitor.registry.catalogue import DEFAULT, about
from monitor.store import browse, history, trials
from monitor.store.tables import ChangeRecord

FEED_LEVELS = (Level.HIGH.value, Level.MEDIUM.value, Level.LOW.value)  # the feed leaves out INFO notes
LEVELS = ("high", "medium", "low", "info")


@dataclass(frozen=True)
class Timeline:
    trial_id: str
    title: str
    link: str
    entries: tuple[Entry, ...]  # newest first


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
    titled = [replace(e, title=trial.title or "") for e in entries]  # every entry names its trial
    return Timeline(trial_id, trial.title or "", link, tuple(newest_first(titled)))


def recent(engine: Engine, now: datetime, *, days: int, limit: int, levels: Sequence[str] = FEED_LEVELS,
           kinds: Sequence[str] = ()) -> list[Entry]:
    """Every trial's events of the last ``days`` days (of ``kinds``, when given), newest first, at most ``limit``."""
    with Session(engine) as session:
        rows = history.recent_events(session, now - timedelta(days=days), limit, levels, kinds)
        titles = {(key, trial.trial_id): trial.title or "" for key in {row.registry_key for row in rows}
                  for trial in trials.rows(session, key, [r.trial_id for r in rows if r.registry_key == key]).values()}
    return [entry(row, about(row.registry_key).study_url(row.trial_id),
                  titles.get((row.registry_key, row.trial_id), "")) for row in rows]


def entry(row: ChangeRecord, link: str, title: str = "") -> Entry:
    return Entry(row.trial_id, row.kind, row.level, row.detected_at, row.text, row.old, row.new, str(row.id or ""),
                 link=link, field=row.field, posted=row.registry_date, title=title)


def events_since(engine: Engine, since: datetime, *, min_level: str = "low", limit: int = 1000,
                 trial_id: str | None = None, registry: str = DEFAULT) -> list[Entry]:
    """Events detected since ``since`` at ``min_level`` or above (of one trial, or all), oldest first."""
    levels = LEVELS[: LEVELS.index(min_level) + 1]
    with Session(engine) as session:
        rows = browse.events_since(session, since, levels, limit, trial_id=trial_id, registry=registry)
    return [entry(row, about(row.registry_key).study_url(row.trial_id)) for row in rows]
