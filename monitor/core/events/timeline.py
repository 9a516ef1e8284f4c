"""Date and enrollment events: slips (and how many), estimates that became actual, targets that moved.

    Primary completion slipped 6 months: 2027-07-15 → 2028-01-15 (estimated), 2nd slip
    Primary completion reached on 2026-03-01 (actual): 3 months late
    Study ended (terminated) on 2025-11-16, 14 months before its planned completion
    Enrollment target: 160 → 200 participants (estimated)
    Enrollment final: 142 participants (actual), 18 fewer than the 160 targeted   (completed, terminated, withdrawn)
    Enrolled so far: 7 participants (actual), of the 20 targeted                  (any other status)

Which words fit an actual date or count depends on the trial's status now (``status``, the new
view's overall status): a terminated trial's actual completion is the day it ended, not a completion
reached early, and an ongoing trial's actual count is not final.
"""

from __future__ import annotations

from typing import Any

from monitor.core.events.base import Changes, event, touched
from monitor.core.events.context import NO_HISTORY, TrialHistory, ordinal, shift
from monitor.core.model import ChangeEvent, Level
from monitor.core.status import STOPPED, status_words
from monitor.core.words import code_words, count_words, date_words, day_words

DATE_LABELS = {"start": "Study start", "primary_completion": "Primary completion", "completion": "Study completion"}
DATE_REACHED = {"start": "Study started", "primary_completion": "Primary completion reached", "completion": "Study completed"}
# An actual end date of a trial that stopped short of its plan is the day it ended, not one it reached.
ENDED = frozenset({"TERMINATED", "WITHDRAWN", "SUSPENDED"})
DATE_ENDED = {"primary_completion": ("Primary data collection ended", "planned primary completion"),
              "completion": ("Study ended", "planned completion")}


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


def ended_text(name: str, estimated: str | None, actual: str, status: str) -> str:
    """``Study ended (terminated) on 2025-11-16, 14 months before its planned completion``."""
    lead, planned = DATE_ENDED[name]
    text = f"{lead} ({status_words(status).lower()}) on {day_words(actual)}"
    if status == "WITHDRAWN" and name == "primary_completion":  # nobody enrolled: no data was collected
        text = f"Primary completion: withdrawn on {day_words(actual)}"
    moved = shift(estimated, actual)
    if moved is None:
        return f"{text} ({planned} was {day_words(estimated)})"
    if not moved[0]:
        return f"{text}, at its {planned}"
    return f"{text}, {count_words(abs(moved[0]), moved[1])} {'after' if moved[0] > 0 else 'before'} its {planned}"


def _pair_words(before: dict[str, Any], after: dict[str, Any]) -> str:
    """``2027-07-15 → 2028-01-15 (estimated)`` when the type stays, else both types."""
    if before.get("type") == after.get("type"):
        return f"{day_words(before.get('date'))} → {date_words(after)}"
    return f"{date_words(before)} → {date_words(after)}"


def date_text(
    name: str, before: dict[str, Any] | None, after: dict[str, Any] | None, slips_before: int = 0,
    status: str | None = None,
) -> str:
    """The sentence for one date field that changed (``slips_before``: earlier slips of this date;
    ``status``: the trial's overall status now)."""
    label = DATE_LABELS[name]
    old_day, new_day = (before or {}).get("date"), (after or {}).get("date")
    if not before or not after or not old_day or not new_day:
        return f"{label}: {date_words(before)} → {date_words(after)}"
    if before.get("type") == "ESTIMATED" and after.get("type") == "ACTUAL":
        if status in ENDED and name in DATE_ENDED:
            return ended_text(name, old_day, new_day, status)
        return f"{DATE_REACHED[name]} on {day_words(new_day)} (actual): {timing_words(old_day, new_day)}"
    moved = shift(old_day, new_day)
    if moved is None or not moved[0]:
        return f"{label}: {date_words(before)} → {date_words(after)}"
    amount = count_words(abs(moved[0]), moved[1])
    if moved[0] > 0:
        return f"{label} slipped {amount}: {_pair_words(before, after)}, {ordinal(slips_before + 1)} slip"
    return f"{label} moved earlier by {amount}: {_pair_words(before, after)}"


def date_events(
    old: dict[str, Any], new: dict[str, Any], changes: Changes, history: TrialHistory = NO_HISTORY,
    status: str | None = None,
) -> list[ChangeEvent]:
    """MEDIUM events: start, primary completion and completion dates slipped, moved, set, reached or ended."""
    fields, events = touched(changes), []
    for name in DATE_LABELS:
        if name in fields:
            before, after = old.get(name), new.get(name)
            text = date_text(name, before, after, history.slips.get(name, 0), status)
            events.append(event("date", name, before, after, text, Level.MEDIUM))
    return events


def _participants(count: Any) -> str:
    return "not given" if count is None else count_words(int(count), "participant")


def _against_target(before: Any, after: Any, final: bool) -> str:
    """``, 18 fewer than the 160 targeted`` (``, of the 160 targeted`` for a count still growing)."""
    if not isinstance(before, int) or not isinstance(after, int):
        return ""
    gap = after - before
    if gap == 0:
        return ", as targeted"
    if gap < 0 and not final:
        return f", of the {before} targeted"
    return f", {abs(gap)} {'fewer' if gap < 0 else 'more'} than the {before} targeted"


def enrollment_text(old: dict[str, Any], new: dict[str, Any], status: str | None = None) -> str:
    """The sentence for an enrollment change: a target that moved, or the actual count, final only for a
    trial that is over (completed, terminated, withdrawn; ``status`` is its overall status now)."""
    before, after = old.get("count"), new.get("count")
    old_type, new_type = old.get("type"), new.get("type")
    final = status in STOPPED
    if new_type == "ACTUAL" and old_type != "ACTUAL":
        if final and after == 0:
            tail = f"; {before} were targeted" if isinstance(before, int) and before else ""
            return f"Enrollment final: no participants enrolled (actual){tail}"
        lead = "Enrollment final" if final else "Enrolled so far"
        return f"{lead}: {_participants(after)} (actual){_against_target(before, after, final)}"
    if old_type == new_type == "ACTUAL":
        shown = before if before is not None else "not given"
        lead = "Enrollment final" if final else "Enrolled so far"  # a trial that is over: its last count
        return f"{lead}: {shown} → {_participants(after)} (actual)"
    if old_type == new_type:
        tail = f" ({code_words(new_type).lower()})" if new_type else ""
        return f"Enrollment target: {before if before is not None else 'not given'} → {_participants(after)}{tail}"

    def words(count: Any, kind: str | None) -> str:
        shown = "not given" if count is None else str(count)
        return f"{shown} ({code_words(kind).lower()})" if kind else shown

    return f"Enrollment: {words(before, old_type)} → {words(after, new_type)}"


def enrollment_events(
    old: dict[str, Any], new: dict[str, Any], changes: Changes, status: str | None = None
) -> list[ChangeEvent]:
    """MEDIUM event: the enrollment target moved, or an actual count was posted (final, or so far)."""
    return [event("enrollment", "enrollment", old, new, enrollment_text(old, new, status), Level.MEDIUM)]
