"""The vocabulary shared by the pure core and the shells around it: events, outcomes, decisions, state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

# The groups of fields a watchlist may compare (`compare:` in watchlist.yaml).
COMPARE_GROUPS: tuple[str, ...] = (
    "status",
    "dates",
    "results",
    "enrollment",
    "sites",
    "eligibility",
    "arms",
    "outcomes",
    "sponsors",
    "publications",
    "documents",
)


class Level(StrEnum):
    """How much a change matters to someone following the trial."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"  # recorded in the history, never pushed (e.g. a record update with no compared change)

    @property
    def rank(self) -> int:
        return {"high": 3, "medium": 2, "low": 1, "info": 0}[self.value]


@dataclass(frozen=True)
class ChangeEvent:
    """One typed change found in one trial in one check.

    ``kind`` is a short machine name (``status``, ``why_stopped``, ``date``, ``results``,
    ``enrollment``, ``sites``, ``eligibility``, ``arms``, ``interventions``, ``outcomes``,
    ``outcome_switch``, ``sponsors``, ``publications``, ``document``, ``record_updated``,
    ``not_found`` …); ``field`` names the field or group it concerns; ``old``/``new`` are
    JSON-serialisable values; ``text`` is the sentence a trial follower would write (Markdown-safe).
    """

    kind: str
    field: str
    old: Any
    new: Any
    text: str
    level: Level = Level.MEDIUM


def pushed(events: tuple[ChangeEvent, ...] | list[ChangeEvent]) -> list[ChangeEvent]:
    """The events worth a message (everything but INFO)."""
    return [event for event in events if event.level is not Level.INFO]


@dataclass(frozen=True)
class Record:
    """A record as a registry served it, read into the registry-neutral view (or why it could not be).

    ``ids`` is the id it is served under, then its aliases (earlier ids merged into it): what a
    watched trial is matched on. The registry adapter makes these; the core only reads them.
    """

    ids: tuple[str, ...]
    view: dict[str, Any] | None
    fingerprint: str | None
    problem: str | None = None


class Outcome(StrEnum):
    """What happened to one trial in one check (webchanges' vocabulary, adapted)."""

    BASELINE = "baseline"  # first time seen: stored, nothing sent
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    NOT_FOUND = "not_found"  # the registry answered and does not know this id
    ERROR = "error"  # the record could not be read (odd shape); nothing stored


@dataclass(frozen=True)
class Decision:
    """The whole verdict on one trial in one check, as a value: what to store and what to tell.

    A message is owed when some event is pushed (not INFO); it is rendered at delivery, per target.
    """

    trial_id: str
    outcome: Outcome
    fingerprint: str | None = None
    view: dict[str, Any] | None = None
    events: tuple[ChangeEvent, ...] = field(default_factory=tuple)
    note: str = ""

    @property
    def alerts(self) -> bool:
        return bool(pushed(self.events))


@dataclass(frozen=True)
class TrialState:
    """What is kept of a trial between checks, as plain values; a decision makes the next one.

    ``served_id`` is the id the registry serves it under now (it differs after a re-registration);
    ``expectation_facts`` the few facts of its record the expectations need.
    """

    trial_id: str
    snapshot_hash: str | None = None
    served_id: str | None = None
    title: str | None = None
    overall_status: str | None = None
    last_update_posted: str | None = None
    baseline_at: datetime | None = None
    last_checked_at: datetime | None = None
    last_changed_at: datetime | None = None
    swept_at: datetime | None = None
    missing_since: datetime | None = None
    last_error: str | None = None
    expectation_facts: dict[str, Any] | None = None
    expectations_since: datetime | None = None
    expectations_due_at: datetime | None = None
    expectations_key: str | None = None

    @property
    def served_as(self) -> str:
        return self.served_id or self.trial_id


@dataclass(frozen=True)
class Watched:
    """The little a check needs of every watched trial before fetching (cheap at 100,000 trials)."""

    trial_id: str
    snapshot_hash: str | None = None
    missing_since: datetime | None = None
    served_id: str | None = None
    last_update_posted: str | None = None
    swept_at: datetime | None = None

    @property
    def awaiting(self) -> bool:
        """No baseline yet (and not known to be missing)."""
        return self.snapshot_hash is None and self.missing_since is None

    @property
    def missing(self) -> bool:
        return self.missing_since is not None

    @property
    def served_as(self) -> str:
        """The id the registry serves it under now (it follows a re-registration)."""
        return self.served_id or self.trial_id
