"""The vocabulary shared by the pure core and the shells around it."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    """One typed change found in one trial in one cycle.

    ``kind`` is a short machine name (``status``, ``why_stopped``, ``date``, ``results``,
    ``enrollment``, ``sites``, ``eligibility``, ``arms``, ``interventions``, ``outcomes``,
    ``sponsors``, ``publications``, ``record_updated``, ``not_found`` …); ``field`` names the
    registry field or group it concerns; ``old``/``new`` are JSON-serialisable values;
    ``text`` is the sentence a trial follower would write (Markdown-safe).
    """

    kind: str
    field: str
    old: Any
    new: Any
    text: str
    level: Level = Level.MEDIUM


@dataclass(frozen=True)
class Message:
    """A rendered alert: a title and a Markdown body."""

    title: str
    body: str


class Outcome(StrEnum):
    """What happened to one trial in one cycle (webchanges' vocabulary, adapted)."""

    BASELINE = "baseline"  # first time seen: stored, nothing sent
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    NOT_FOUND = "not_found"  # the registry answered and does not know this id
    ERROR = "error"  # the record could not be read (odd shape); nothing stored


@dataclass(frozen=True)
class Decision:
    """The whole verdict on one trial in one cycle, as a value: what to store and what to send."""

    nct_id: str
    outcome: Outcome
    fingerprint: str | None = None
    view: dict[str, Any] | None = None
    events: tuple[ChangeEvent, ...] = field(default_factory=tuple)
    message: Message | None = None
    note: str = ""
