"""Date and enrollment events: slips (and how many), estimates that became actual, targets that moved.

    Primary completion slipped 6 months: 2027-07-15 → 2028-01-15 (estimated), 2nd slip
    Primary completion reached on 2026-03-01 (actual): 3 months late
    Enrollment target: 160 → 200 participants (estimated)
    Enrollment final: 142 participants (actual), 18 fewer than the 160 targeted
"""

from __future__ import annotations

from typing import Any

from monitor.core.events.base import Changes, event, touched
from monitor.core.events.context import NO_HISTORY, TrialHistory, ordinal, shift
from monitor.core.model import ChangeEvent, Level
from monitor.core.words import code_words, count_words, date_words, day_words

DATE_LABELS = {"start": "Study start", "primary_completion": "Primary completion", "completion": "Study completion"}
DATE_REACHED = {"start": "Study started", "primary_completion": "Primary completion reached", "completion": "Study completed"}


def shift_words(before: str | None, after: str | None) -> str:
    """" (slipped 18 months)" / " (moved earlier by 2 months)" between two partial dates; "" if unknown."""
    moved = shift(before, after)
    if not moved or not moved[0]:
        return ""
    amount = count_words(abs(moved[0]), moved[1])
    return f" (slipped {amount})" if moved[0] > 0 else f" (moved earlier by {amount})"


def timing_words(estimated: str | None, actual: str | None) -> str:
    """An actual date against the last estimate: ``"on schedule"``, ``"3 months late"``, ``"2 days early"``."""
    moved = shift(estimated, actual)
    if moved is None:
        return f"estimated {day_words(estimated)}"
    if not moved[0]:
        return "on schedule"
    return f"{count_words(abs(moved[0]), moved[1])} {'late' if moved[0] > 0 else 'early'}"


def _pair_words(before: dict[str, Any], after: dict[str, Any]) -> str:
    """``2027-07-15 → 2028-01-15 (estimated)`` when the type stays, else both types."""
    if before.get("type") == after.get("type"):
        return f"{day_words(before.get('date'))} → {date_words(after)}"
    return f"{date_words(before)} → {date_words(after)}"


def date_text(name: str, before: dict[str, Any] | None, after: dict[str, Any] | None, slips_before: int = 0) -> str:
    """The sentence for one date field that changed (``slips_before``: earlier slips of this date)."""
    label = DATE_LABELS[name]
    old_day, new_day = (before or {}).get("date"), (after or {}).get("date")
    if not before or not after or not old_day or not new_day:
        return f"{label}: {date_words(before)} → {date_words(after)}"
    if before.get("type") == "ESTIMATED" and after.get("type") == "ACTUAL":
        return f"{DATE_REACHED[name]} on {day_words(new_day)} (actual): {timing_words(old_day, new_day)}"
    moved = shift(old_day, new_day)
    if moved is None or not moved[0]:
        return f"{label}: {date_words(before)} → {date_words(after)}"
    amount = count_words(abs(moved[0]), moved[1])
    if moved[0] > 0:
        return f"{label} slipped {amount}: {_pair_words(before, after)}, {ordinal(slips_before + 1)} slip"
    return f"{label} moved earlier by {amount}: {_pair_words(before, after)}"


def date_events(
    old: dict[str, Any], new: dict[str, Any], changes: Changes, history: TrialHistory = NO_HISTORY
) -> list[ChangeEvent]:
    """MEDIUM events: start, primary completion and completion dates slipped, moved, set or reached."""
    fields, events = touched(changes), []
    for name in DATE_LABELS:
        if name in fields:
            before, after = old.get(name), new.get(name)
            text = date_text(name, before, after, history.slips.get(name, 0))
            events.append(event("date", name, before, after, text, Level.MEDIUM))
    return events


def _participants(count: Any) -> str:
    return "not given" if count is None else count_words(int(count), "participant")


def enrollment_text(old: dict[str, Any], new: dict[str, Any]) -> str:
    """The sentence for an enrollment change: a target that moved, or the final (actual) count."""
    before, after = old.get("count"), new.get("count")
    old_type, new_type = old.get("type"), new.get("type")
    if new_type == "ACTUAL" and old_type != "ACTUAL":
        text = f"Enrollment final: {_participants(after)} (actual)"
        if isinstance(before, int) and isinstance(after, int):
            gap = after - before
            if gap == 0:
                return f"{text}, as targeted"
            return f"{text}, {abs(gap)} {'fewer' if gap < 0 else 'more'} than the {before} targeted"
        return text
    if old_type == new_type == "ACTUAL":
        return f"Enrollment (actual): {before if before is not None else 'not given'} → {_participants(after)}"
    if old_type == new_type:
        tail = f" ({code_words(new_type).lower()})" if new_type else ""
        return f"Enrollment target: {before if before is not None else 'not given'} → {_participants(after)}{tail}"

    def words(count: Any, kind: str | None) -> str:
        shown = "not given" if count is None else str(count)
        return f"{shown} ({code_words(kind).lower()})" if kind else shown

    return f"Enrollment: {words(before, old_type)} → {words(after, new_type)}"


def enrollment_events(old: dict[str, Any], new: dict[str, Any], changes: Changes) -> list[ChangeEvent]:
    """MEDIUM event: the enrollment target moved, or the final (actual) count was posted."""
    return [event("enrollment", "enrollment", old, new, enrollment_text(old, new), Level.MEDIUM)]
