"""The whole verdict on one trial in one cycle, as a value (urlwatch's worker.py, kept pure).

    not in the answer       -> not_found (a message the first time only)
    back after missing      -> changed   ("found in the registry again", once)
    served under a new id   -> changed   ("now registered as …", once; never "missing")
    unreadable record       -> error     (nothing stored; reported, the others go on)
    no earlier snapshot     -> baseline  (stored, nothing sent)
    same fingerprint        -> unchanged
    compared fields differ  -> changed   (stored; a message when a change is worth pushing)
    other fields differ     -> unchanged (the new snapshot is stored silently)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from monitor.core.diff import compare
from monitor.core.events.context import NO_HISTORY, TrialHistory
from monitor.core.model import ChangeEvent, Decision, Level, Outcome
from monitor.core.record import RecordShapeError, fingerprint, view_of
from monitor.core.render import render_change, render_not_found


@dataclass(frozen=True)
class Reading:
    """A fetched record, read into its view (or the reason it could not be read)."""

    view: dict[str, Any] | None
    fingerprint: str | None
    problem: str | None = None


def read_record(study: dict[str, Any]) -> Reading:
    try:
        view = view_of(study)
    except RecordShapeError as exc:
        return Reading(None, None, str(exc))
    return Reading(view, fingerprint(view))


def decide(
    nct_id: str,
    reading: Reading | None,
    *,
    previous_fingerprint: str | None,
    previous_view: dict[str, Any] | None,
    compare_groups: Sequence[str],
    missing_reported: bool = False,
    history: TrialHistory = NO_HISTORY,
) -> Decision:
    """Decide what one trial's cycle means. ``previous_view`` is needed only when fingerprints differ.

    ``history`` is the trial's past (earlier slips, suspensions), for wording only ("2nd slip").
    """
    if reading is None:
        message = None if missing_reported else render_not_found(nct_id)
        return Decision(nct_id, Outcome.NOT_FOUND, message=message, note="not in the registry")
    if reading.view is None or reading.fingerprint is None:
        return Decision(nct_id, Outcome.ERROR, note=reading.problem or "unreadable record")
    stored = Decision(nct_id, Outcome.UNCHANGED, reading.fingerprint, reading.view)
    if previous_fingerprint is None:
        return _with(stored, Outcome.BASELINE, note="baseline recorded")
    if previous_fingerprint == reading.fingerprint:
        notices = _identity_events(nct_id, reading.view, reading.view, missing_reported)
        return _changed(stored, notices) if notices else stored
    if previous_view is None or previous_view.get("v") != reading.view.get("v"):
        return _with(stored, Outcome.BASELINE, note="re-baselined (record view format changed)")
    notices = _identity_events(nct_id, previous_view, reading.view, missing_reported)
    events = notices + tuple(compare(previous_view, reading.view, compare_groups, history))
    return _changed(stored, events) if events else stored


def _changed(stored: Decision, events: tuple[ChangeEvent, ...]) -> Decision:
    pushed = [e for e in events if e.level is not Level.INFO]
    message = render_change(stored.view or {}, pushed) if pushed else None
    return Decision(stored.nct_id, Outcome.CHANGED, stored.fingerprint, stored.view, events, message)


def _identity_events(
    nct_id: str, previous: dict[str, Any] | None, current: dict[str, Any], missing_reported: bool
) -> tuple[ChangeEvent, ...]:
    """What happened to the trial's identity: re-registered under a new id, or back after missing."""
    events: list[ChangeEvent] = []
    old_id, new_id = (previous or {}).get("id") or nct_id, current.get("id")
    if new_id and new_id != old_id:
        events.append(ChangeEvent(
            "moved", "nct_id", old_id, new_id,
            f"Now registered as {new_id} (the registry lists {old_id} as an earlier id of this trial; "
            f"it is followed under {new_id} from now on)", Level.MEDIUM,
        ))
    if missing_reported:
        events.append(ChangeEvent(
            "found_again", "record", None, new_id, "Found in the registry again after being missing", Level.MEDIUM,
        ))
    return tuple(events)


def _with(decision: Decision, outcome: Outcome, *, note: str) -> Decision:
    return Decision(decision.nct_id, outcome, decision.fingerprint, decision.view, note=note)


def join_events(decision: Decision, events: Iterable[ChangeEvent]) -> Decision:
    """A trial's decision with more of its events joined in (expectations, search news): one trial,
    one cycle, one message."""
    added = tuple(events)
    if not added:
        return decision
    everything = decision.events + added
    pushed = [event for event in everything if event.level is not Level.INFO]
    message = render_change(dict(decision.view or {"id": decision.nct_id}), pushed) if pushed else decision.message
    return replace(decision, events=everything, message=message)
