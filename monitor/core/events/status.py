"""Status events: the changes people following a trial wait for (results: :mod:`.results`)."""

from __future__ import annotations

from typing import Any

from monitor.core.events.base import Changes, event, touched
from monitor.core.events.context import NO_HISTORY, TrialHistory, times_words
from monitor.core.model import ChangeEvent, Level
from monitor.core.status import HIGH_STATUSES, overall_status_words, status_words
from monitor.core.words import day_words, quoted


def suspended_before_words(history: TrialHistory, old_status: str | None) -> str:
    """`` (was suspended once before, on 2019-03-05)`` from the trial's past; "" when it never was.

    A suspension still running (the trial moves out of it now) is not "before".
    """
    earlier = list(history.suspended)
    if old_status == "SUSPENDED" and earlier:
        earlier.pop()
    if not earlier:
        return ""
    when = ", ".join(day_words(day) for day in earlier[-3:] if day)
    return f" (was suspended {times_words(len(earlier))} before" + (f", on {when})" if when else ")")


def status_events(
    old: dict[str, Any], new: dict[str, Any], changes: Changes, history: TrialHistory = NO_HISTORY
) -> list[ChangeEvent]:
    """Overall status (HIGH when it moves into a status people act on), why stopped, verified date (INFO)."""
    fields, events = touched(changes), []
    if "overall" in fields:
        level = Level.HIGH if new.get("overall") in HIGH_STATUSES else Level.MEDIUM
        text = f"Overall status: {overall_status_words(old)} → {overall_status_words(new)}"
        text += suspended_before_words(history, old.get("overall"))
        events.append(event("status", "overall_status", old.get("overall"), new.get("overall"), text, level))
    elif "last_known" in fields and new.get("overall") == "UNKNOWN":
        text = f"Last known status: {status_words(old.get('last_known'))} → {status_words(new.get('last_known'))}"
        events.append(event("status", "last_known_status", old.get("last_known"), new.get("last_known"), text, Level.MEDIUM))
    if "why_stopped" in fields:
        before, after = old.get("why_stopped"), new.get("why_stopped")
        if before and after:
            text = f"Why stopped changed: {quoted(before, 250)} → {quoted(after, 250)}"
        elif after:
            text = f"Why stopped: {quoted(after, 250)}"
        else:
            text = f"Why stopped removed (was {quoted(before, 250)})"
        events.append(event("why_stopped", "why_stopped", before, after, text, Level.MEDIUM))
    if "verified" in fields:
        before, after = old.get("verified"), new.get("verified")
        text = f"Status verified: {day_words(before)} → {day_words(after)}"
        events.append(event("status_verified", "status_verified", before, after, text, Level.INFO))
    return events
