"""What a notification target wants to hear: the kinds of event there are, and a target's filter.

Every event (and every notice about the monitor itself) has a ``kind`` and a ``level``. A target
keeps the ones at or above its ``min_level`` (default medium: high and medium) and, when it names
``kinds``, only those kinds. ``info`` events are recorded in the history and never pushed.

The list of kinds lives here, in one place, so that a new kind of event is one more line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from monitor.core.model import Level

# kind -> what it is, in a trial follower's words (shown in errors and the README)
EVENT_KINDS: dict[str, str] = {
    "status": "overall status changed (and the last known status of an 'unknown' trial)",
    "why_stopped": "the reason for stopping added or edited",
    "status_verified": "the status verification date moved (info: never pushed)",
    "results": "results posted (with what they say), submitted, in quality review, returned or cancelled",
    "results_updated": "posted results corrected or extended: a value, an analysis, an outcome, adverse events",
    "date": "start, primary completion or completion date slipped or reached",
    "enrollment": "enrollment target changed, or the actual enrollment posted",
    "sites": "sites added, removed or changing recruitment status",
    "site_near": "a site in one of the watchlist's near places: added, now recruiting, no longer recruiting or removed",
    "eligibility": "eligibility criteria, age range or sex edited",
    "arms": "arms (groups) added, removed or edited",
    "interventions": "interventions added, removed or edited",
    "outcomes": "primary, secondary or other outcome measures edited",
    "outcome_switch": "a primary outcome added, removed or edited after the trial started (outcome switching)",
    "sponsors": "lead sponsor or collaborators changed",
    "publications": "linked publications added or removed",
    "document": "a study protocol, statistical analysis plan or consent form posted, replaced or removed",
    "record_updated": "the record was updated with no change in the compared fields (info: never pushed)",
    "moved": "the trial is now registered under a new NCT id",
    "found_again": "a trial reported missing is in the registry again",
    "not_found": "the registry does not know the trial (a notice)",
    "expectation": "an expectation fired or cleared (results overdue, completion passed …)",
    "new_trial": "a new trial matches a search",
    "no_longer_matches": "a trial no longer matches a search",
    "outage": "the registry is unavailable, or answering again (a notice)",
}

# names a watchlist may use for a family of kinds: `status` also keeps the reason for stopping
KIND_FAMILIES: dict[str, tuple[str, ...]] = {
    "status": ("status", "why_stopped", "status_verified"),
    "dates": ("date",),
    "sites": ("sites", "site_near"),
    "outcomes": ("outcomes", "outcome_switch"),
    "documents": ("document",),
    "results": ("results", "results_updated"),
}

# the level of a notice that carries no change event (outage, recovery)
NOTICE_LEVEL = Level.MEDIUM
PUSHED_LEVELS = ("high", "medium", "low")


def kinds_from(names: Iterable[str]) -> tuple[str, ...]:
    """The concrete kinds a ``kinds:`` list keeps; ValueError names an unknown one."""
    kept: list[str] = []
    for raw in names:
        name = raw.strip().lower()
        if name not in EVENT_KINDS and name not in KIND_FAMILIES:
            raise ValueError(f"unknown kind '{raw}' (known: {', '.join(EVENT_KINDS)})")
        for kind in KIND_FAMILIES.get(name, (name,)):
            if kind not in kept:
                kept.append(kind)
    return tuple(kept)


def level_from(name: str) -> Level:
    """``high`` | ``medium`` | ``low`` → Level; ValueError otherwise."""
    text = name.strip().lower() if isinstance(name, str) else ""
    if text not in PUSHED_LEVELS:
        raise ValueError(f"min_level must be one of {', '.join(PUSHED_LEVELS)}, not '{name}'")
    return Level(text)


@dataclass(frozen=True)
class Choices:
    """A target's filter: events at ``min_level`` or above, of ``kinds`` (empty: every kind)."""

    min_level: Level = Level.MEDIUM
    kinds: tuple[str, ...] = ()

    def passes(self, kind: str, level: Level | str) -> bool:
        level = Level(level)
        if level is Level.INFO or level.rank < self.min_level.rank:
            return False
        return not self.kinds or kind in self.kinds

    def words(self) -> str:
        """``"high and medium, kinds: status, results"`` for `status`."""
        levels = [name for name in PUSHED_LEVELS if Level(name).rank >= self.min_level.rank]
        said = " and ".join([", ".join(levels[:-1]), levels[-1]] if len(levels) > 1 else levels)
        return said + (f"; kinds: {', '.join(self.kinds)}" if self.kinds else "")


@dataclass(frozen=True)
class TargetRef:
    """How the outbox names a target: a hash and a masked form, never the URL; and what it wants."""

    key: str
    masked: str
    choices: Choices = field(default_factory=Choices)
    digest: bool = False  # its deliveries wait for its digest


def recipients(targets: Sequence[TargetRef], events: Iterable[tuple[str, Level | str]]) -> list[TargetRef]:
    """The targets that want any of ``events`` ((kind, level) pairs): each gets one delivery."""
    pairs = list(events)
    return [target for target in targets if any(target.choices.passes(kind, level) for kind, level in pairs)]
