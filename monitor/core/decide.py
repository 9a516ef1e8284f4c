"""The whole verdict on one trial in one check, as a value (urlwatch's worker.py, kept pure).

    not in the answer       -> not_found (told the first time only)
    back after missing      -> changed   ("found in the registry again", once)
    served under a new id   -> changed   ("now registered as …", once; never "missing")
    unreadable record       -> error     (nothing stored; reported, the others go on)
    no earlier snapshot     -> baseline  (stored, nothing sent)
    view format changed     -> baseline  (re-baselined silently: a new format is not a change)
    same fingerprint        -> unchanged
    compared fields differ  -> changed   (stored; a message when some event is worth pushing)
    other fields differ     -> unchanged (the new snapshot is stored silently)

:func:`next_state` is the trial's stored state after a decision: one immutable update, applied
by the store as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from monitor.core.diff import compare
from monitor.core.events.context import NO_HISTORY, TrialHistory
from monitor.core.expectations import facts_of
from monitor.core.model import ChangeEvent, Decision, Level, Outcome, Record, TrialState
from monitor.core.places import Place

NOT_FOUND = ChangeEvent("not_found", "record", None, None, "Not found in the registry", Level.MEDIUM)


def decide(
    trial_id: str,
    record: Record | None,
    *,
    previous_fingerprint: str | None,
    previous_view: dict[str, Any] | None,
    compare_groups: Sequence[str],
    missing_reported: bool = False,
    history: TrialHistory = NO_HISTORY,
    near: Sequence[Place] = (),
) -> Decision:
    """Decide what one trial's check means. ``previous_view`` is needed only when fingerprints differ.

    ``history`` is the trial's past (earlier slips, suspensions), for wording only ("2nd slip");
    ``near`` the places the trial's follower can reach (the watchlist's ``near:``), for site events.
    """
    if record is None:
        told = () if missing_reported else (NOT_FOUND,)
        return Decision(trial_id, Outcome.NOT_FOUND, events=told, note="not in the registry")
    if record.view is None or record.fingerprint is None:
        return Decision(trial_id, Outcome.ERROR, note=record.problem or "unreadable record")
    stored = Decision(trial_id, Outcome.UNCHANGED, record.fingerprint, record.view)
    if previous_fingerprint is None:
        return replace(stored, outcome=Outcome.BASELINE, note="baseline recorded")
    if previous_fingerprint == record.fingerprint:
        notices = _identity_events(trial_id, record.view, record.view, missing_reported)
        return replace(stored, outcome=Outcome.CHANGED, events=notices) if notices else stored
    if previous_view is None or previous_view.get("v") != record.view.get("v"):
        return replace(stored, outcome=Outcome.BASELINE, note="re-baselined (record view format changed)")
    notices = _identity_events(trial_id, previous_view, record.view, missing_reported)
    events = notices + tuple(compare(previous_view, record.view, compare_groups, history, near))
    return replace(stored, outcome=Outcome.CHANGED, events=events) if events else stored


def _identity_events(
    trial_id: str, previous: dict[str, Any] | None, current: dict[str, Any], missing_reported: bool
) -> tuple[ChangeEvent, ...]:
    """What happened to the trial's identity: re-registered under a new id, or back after missing."""
    events: list[ChangeEvent] = []
    old_id, new_id = (previous or {}).get("id") or trial_id, current.get("id")
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


def join_events(decision: Decision, events: Iterable[ChangeEvent]) -> Decision:
    """A trial's decision with more of its events joined in (expectations, search news): one trial,
    one check, one message."""
    added = tuple(events)
    return replace(decision, events=decision.events + added) if added else decision


def next_state(state: TrialState, decision: Decision, now: datetime) -> TrialState:
    """The trial's state after ``decision``: what the store writes of it, in one update."""
    if decision.outcome is Outcome.ERROR:
        return replace(state, last_error=decision.note)
    if decision.outcome is Outcome.NOT_FOUND:
        return replace(state, last_checked_at=now, missing_since=state.missing_since or now)
    view = decision.view or {}
    return replace(
        state,
        snapshot_hash=decision.fingerprint,
        served_id=view.get("id"),
        title=view.get("title"),
        overall_status=(view.get("status") or {}).get("overall"),
        last_update_posted=view.get("updated"),
        expectation_facts=facts_of(view),  # what expectations are evaluated on, without reading snapshots
        last_checked_at=now,
        swept_at=now,  # the whole record was read: a baseline or a change counts as a sweep
        missing_since=None,
        last_error=None,
        baseline_at=(state.baseline_at or now) if decision.outcome is Outcome.BASELINE else state.baseline_at,
        last_changed_at=now if decision.outcome is Outcome.CHANGED else state.last_changed_at,
    )
