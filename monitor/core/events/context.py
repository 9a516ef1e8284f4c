"""A trial's past, as the events of one cycle need it: earlier slips of each date, earlier suspensions.

Built (purely) from the trial's stored change events and, when backfilled, from the registry's own
version history, then handed to :func:`monitor.core.decide.decide` so that an alert can say
"2nd slip" or "was suspended once before" from its very first sending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from monitor.core.words import parse_partial_date

DATE_FIELDS = ("start", "primary_completion", "completion")


@dataclass(frozen=True)
class PastEvent:
    """A stored change event, as much of it as the context needs."""

    kind: str
    field: str
    old: Any
    new: Any
    registry_date: str | None = None  # the record's "last update posted" when it was seen (YYYY-MM-DD)


@dataclass(frozen=True)
class PastVersion:
    """One version of the record in the registry's own history (``version`` 0 is the first posting)."""

    version: int
    posted: str  # YYYY-MM-DD
    status: str | None


@dataclass(frozen=True)
class TrialHistory:
    """What is known of a trial's past when one of its changes is put into words."""

    slips: Mapping[str, int] = field(default_factory=dict)  # date field → slips seen before this one
    suspended: tuple[str, ...] = ()  # when the trial was suspended before (YYYY-MM-DD), oldest first


NO_HISTORY = TrialHistory()


def shift(before: str | None, after: str | None) -> tuple[int, str] | None:
    """How far a partial date moved: ``(+6, "month")``, ``(-14, "day")``, ``(0, "month")``; None when not comparable.

    Dates compare at the coarser of their two precisions (``2026-03`` and ``2026-03-20`` are the same
    month); a year-only date compares only with another year-only one.
    """
    start, end = parse_partial_date(before), parse_partial_date(after)
    if not start or not end or (start[1] is None) != (end[1] is None):
        return None
    months = (end[0] - start[0]) * 12 + (end[1] or 1) - (start[1] or 1)
    if months or not (start[2] and end[2]):
        return months, "month"
    try:
        return (dt.date(*end) - dt.date(*start)).days, "day"  # type: ignore[arg-type]
    except ValueError:
        return None


def is_slip(old: Any, new: Any) -> bool:
    """Did a stored date event (``{"date", "type"}`` before and after) move the date later?"""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return False
    moved = shift(old.get("date"), new.get("date"))
    return moved is not None and moved[0] > 0


def history_of(events: Iterable[PastEvent], versions: Sequence[PastVersion] = ()) -> TrialHistory:
    """Count earlier slips per date field and collect earlier suspensions.

    Suspensions come from the backfilled versions (a version suspended after one that was not) and
    from stored status events newer than the last backfilled version, so nothing is counted twice.
    """
    slips: dict[str, int] = {}
    suspended: list[str] = []
    ordered = sorted(versions, key=lambda v: v.version)
    previous = None
    for version in ordered:
        if version.status == "SUSPENDED" and previous != "SUSPENDED":
            suspended.append(version.posted)
        previous = version.status
    backfilled_until = ordered[-1].posted if ordered else ""
    for past in events:
        if past.kind == "date" and past.field in DATE_FIELDS and is_slip(past.old, past.new):
            slips[past.field] = slips.get(past.field, 0) + 1
        elif (past.kind == "status" and past.field == "overall_status" and past.new == "SUSPENDED"
              and past.old != "SUSPENDED" and (past.registry_date or "") > backfilled_until):
            suspended.append(past.registry_date or "")
    return TrialHistory(slips, tuple(sorted(suspended)))


def ordinal(number: int) -> str:
    """``1`` → ``"1st"``, ``2`` → ``"2nd"``, ``11`` → ``"11th"``, ``23`` → ``"23rd"``."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th')}"


def times_words(count: int) -> str:
    """``1`` → ``"once"``, ``2`` → ``"twice"``, ``3`` → ``"3 times"``."""
    return {1: "once", 2: "twice"}.get(count, f"{count} times")
