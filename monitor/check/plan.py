"""What a check fetches, decided from the trials' states and the registry's answer alone (pure).

    registry not refreshed     -> only trials awaiting their baseline
    refreshed, no cursor yet   -> every watched record, whole
    refreshed                  -> ask the registry what moved since the cursor among the settled
                                  trials (whole records per batch, or stamps registry-wide: the
                                  registry's choice); then the trials awaiting their baseline, those
                                  missing, what moved, and the sweep's share, whole
    the sweep                  -> the longest-unswept of the trials not fetched whole in this
                                  check, a share sized so that each is re-fetched about once a
                                  period, over the registry's refresh days
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.core.model import Watched
from monitor.registry.base import Stamp


@dataclass(frozen=True)
class Plan:
    """A watched list's check, before any record is fetched."""

    whole: tuple[str, ...]  # fetched whole: awaiting their baseline, missing (when refreshed), all without a cursor
    listed: tuple[str, ...]  # settled trials to ask "what moved since" about
    settled: tuple[str, ...]  # trials with a baseline and not missing: vouched for by a good check

    @property
    def fetches(self) -> bool:
        return bool(self.whole or self.listed)


def plan_watched(trials: Mapping[str, Watched], *, refreshed: bool, since: str | None) -> Plan:
    """What to fetch for these trials when the registry has (or has not) refreshed since the cursor."""
    awaiting = [i for i, t in trials.items() if t.awaiting]
    missing = [i for i, t in trials.items() if t.missing]
    settled = [i for i, t in trials.items() if not t.awaiting and not t.missing]
    if not refreshed:
        return Plan(tuple(awaiting), (), tuple(settled))
    if since is None:
        return Plan(tuple(awaiting + missing + settled), (), tuple(settled))
    return Plan(tuple(awaiting + missing), tuple(settled), tuple(settled))


def moved(stamps: Iterable[Stamp], known: Mapping[str, str], dates: Mapping[str, str | None]) -> list[str]:
    """The watched trials whose "last update posted" moved, from a listing's stamps.

    ``known`` maps every id a stamp may carry (served id, alias, watched id) to the watched trial;
    a stamp whose date equals the stored one is a version we already have (a day the cursor lists
    again: the margin, or a refresh that landed while the last check ran and brought it then).
    """
    found: dict[str, None] = {}
    for stamp in stamps:
        watched = next((known[i] for i in stamp.ids if i in known), None)
        if watched is not None and (stamp.updated is None or stamp.updated != dates.get(watched)):
            found[watched] = None
    return list(found)


def sweep_quota(watched: int, period_seconds: int, refreshes_per_week: int) -> int:
    """How many records one refreshed check sweeps so that all are swept about once a period."""
    if period_seconds <= 0:
        return 0
    refreshes = max(1.0, period_seconds / (7 * 86400) * refreshes_per_week)
    return math.ceil(watched / refreshes)


def sweep_share(
    swept: Iterable[tuple[str, datetime | None]], *, now: datetime, period_seconds: int, watched: int,
    refreshes_per_week: int,
) -> list[str]:
    """The trials this refreshed check re-fetches whole: the longest-unswept of those due."""
    if period_seconds <= 0:
        return []
    due_before = now - timedelta(seconds=period_seconds)
    due = sorted(
        ((when or datetime.min.replace(tzinfo=now.tzinfo), trial_id) for trial_id, when in swept
         if when is None or when <= due_before),
    )
    return [trial_id for _, trial_id in due[: sweep_quota(watched, period_seconds, refreshes_per_week)]]


def known_ids(trials: Mapping[str, Watched]) -> dict[str, str]:
    """Every id a served record of these trials may carry (its served id, its own id) → the trial."""
    return {t.served_as: i for i, t in trials.items()} | {i: i for i in trials}


def dedupe(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))
