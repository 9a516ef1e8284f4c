"""Status and results events: the changes people following a trial wait for."""

from __future__ import annotations

from typing import Any

from monitor.core.events.base import Changes, event, touched
from monitor.core.events.context import NO_HISTORY, TrialHistory, times_words
from monitor.core.model import ChangeEvent, Level
from monitor.core.status import HIGH_STATUSES, overall_status_words, status_words
from monitor.core.words import day_words, quoted, yes_no


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


# ── results ─────────────────────────────────────────────────────────────────────────────


def results_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """Results posted (HIGH), removed, waived, and the quality-review steps of submissions (MEDIUM)."""
    fields, events = touched(changes), []
    posted_now = "has_results" in fields and new.get("has_results") and not old.get("has_results")
    if posted_now:
        when = new.get("first_posted")
        text = f"Results posted on {day_words(when)}" if when else "Results posted"
        events.append(event("results", "has_results", False, True, text, Level.HIGH))
    elif "has_results" in fields and old.get("has_results") and not new.get("has_results"):
        text = "Results removed from the record"
        events.append(event("results", "has_results", True, False, text, Level.MEDIUM))
    if "first_submitted" in fields and new.get("first_submitted") and not posted_now:
        text = f"Results first submitted on {day_words(new['first_submitted'])}"
        events.append(event("results", "first_submitted", old.get("first_submitted"), new["first_submitted"], text, Level.MEDIUM))
    if "waived" in fields:
        text = f"Results waiver: {yes_no(old.get('waived'))} → {yes_no(new.get('waived'))}"
        events.append(event("results", "waived", old.get("waived"), new.get("waived"), text, Level.MEDIUM))
    if "submissions" in fields:
        events += submission_events(old.get("submissions") or [], new.get("submissions") or [])
    return events


def submission_events(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[ChangeEvent]:
    """Quality-review steps, matching submissions on their release date so reordering says nothing."""
    before = {entry.get("release"): entry for entry in old}
    events = []
    for entry in new:
        if entry in old:
            continue
        earlier = before.get(entry.get("release"), {})
        if entry.get("release") and not earlier:
            text = f"Results submitted on {day_words(entry['release'])}, in quality review"
            events.append(event("results", "submission", None, entry, text, Level.MEDIUM))
        if entry.get("reset") and entry.get("reset") != earlier.get("reset"):
            text = f"Results returned to the sponsor on {day_words(entry['reset'])} (quality review comments)"
            events.append(event("results", "submission_returned", earlier or None, entry, text, Level.MEDIUM))
        if entry.get("unrelease") and entry.get("unrelease") != earlier.get("unrelease"):
            text = f"Results submission cancelled by the sponsor on {day_words(entry['unrelease'])}"
            events.append(event("results", "submission_cancelled", earlier or None, entry, text, Level.MEDIUM))
    return events
