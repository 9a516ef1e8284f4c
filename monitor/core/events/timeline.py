"""Date and enrollment events: slips, estimates that became actual, targets that moved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from monitor.core.events.base import Changes, event, touched
from monitor.core.model import ChangeEvent, Level
from monitor.core.words import code_words, count_words, date_words, day_words, parse_partial_date

DATE_LABELS = {"start": "Study start", "primary_completion": "Primary completion", "completion": "Study completion"}
DATE_REACHED = {"start": "Study started", "primary_completion": "Primary completion reached", "completion": "Study completed"}


def shift_words(before: str | None, after: str | None) -> str:
    """" (slipped 18 months)" / " (moved earlier by 2 months)" between two partial dates; "" if unknown."""
    start, end = parse_partial_date(before), parse_partial_date(after)
    if not start or not end or (start[1] is None) != (end[1] is None):
        return ""
    months = (end[0] - start[0]) * 12 + (end[1] or 1) - (start[1] or 1)
    if months:
        amount = count_words(abs(months), "month")
    elif start[2] and end[2] and start[2] != end[2]:
        try:
            days = (dt.date(*end) - dt.date(*start)).days  # type: ignore[arg-type]
        except ValueError:
            return ""
        months, amount = days, count_words(abs(days), "day")
    else:
        return ""
    return f" (slipped {amount})" if months > 0 else f" (moved earlier by {amount})"


def date_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """MEDIUM events: start, primary completion and completion dates moved, set or reached."""
    fields, events = touched(changes), []
    for name, label in DATE_LABELS.items():
        if name not in fields:
            continue
        before, after = old.get(name), new.get(name)
        old_day = (before or {}).get("date")
        new_day = (after or {}).get("date")
        shift = shift_words(old_day, new_day)
        if before and after and before.get("type") == "ESTIMATED" and after.get("type") == "ACTUAL":
            text = f"{DATE_REACHED[name]}: {day_words(new_day)} (actual; was estimated {day_words(old_day)}){shift}"
        else:
            text = f"{label}: {date_words(before)} → {date_words(after)}{shift}"
        events.append(event("date", name, before, after, text, Level.MEDIUM))
    return events


def enrollment_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """MEDIUM event: the enrollment count or its type (estimated/actual) changed."""
    def words(count: Any, kind: str | None) -> str:
        shown = "not given" if count is None else str(count)
        return f"{shown} ({code_words(kind).lower()})" if kind else shown

    if old.get("type") == new.get("type"):
        kind = new.get("type")
        text = f"Enrollment: {words(old.get('count'), None)} → {words(new.get('count'), kind)}"
    else:
        text = f"Enrollment: {words(old.get('count'), old.get('type'))} → {words(new.get('count'), new.get('type'))}"
    return [event("enrollment", "enrollment", old, new, text, Level.MEDIUM)]
