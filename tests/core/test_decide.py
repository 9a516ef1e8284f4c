"""The one-screen decision table (``monitor.core.decide``), row by row, on real records."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.core.decide import decide, join_events, next_state
from monitor.core.model import COMPARE_GROUPS, ChangeEvent, Decision, Level, Outcome, TrialState
from monitor.registry.ctgov.record import read_study
from tests.support.records import load_fixture, status_module

NOW = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def verdict(study_before: dict[str, Any] | None, study_after: dict[str, Any] | None, **kw: Any) -> Decision:
    before = read_study(study_before) if study_before is not None else None
    after = read_study(study_after) if study_after is not None else None
    return decide(
        "NCT06171568", after,
        previous_fingerprint=kw.pop("previous_fingerprint", before.fingerprint if before else None),
        previous_view=kw.pop("previous_view", before.view if before else None),
        compare_groups=COMPARE_GROUPS, **kw,
    )


def recruiting(study: dict[str, Any]) -> dict[str, Any]:
    moved = copy.deepcopy(study)
    status_module(moved)["overallStatus"] = "RECRUITING"
    return moved


# ---------------------------------------------------------------- the table, row by row


def test_not_in_the_answer_is_not_found_told_the_first_time_only() -> None:
    first = verdict(load_fixture("NCT06171568"), None)
    assert first.outcome is Outcome.NOT_FOUND and first.alerts
    assert [(e.kind, e.level) for e in first.events] == [("not_found", Level.MEDIUM)]
    again = verdict(load_fixture("NCT06171568"), None, missing_reported=True)
    assert again.outcome is Outcome.NOT_FOUND and again.events == () and not again.alerts


def test_back_after_missing_is_told_once_even_when_unchanged() -> None:
    study = load_fixture("NCT06171568")
    decision = verdict(study, copy.deepcopy(study), missing_reported=True)
    assert decision.outcome is Outcome.CHANGED
    assert [e.kind for e in decision.events] == ["found_again"]


def test_served_under_a_new_id_is_a_move_not_a_disappearance() -> None:
    study = load_fixture("NCT06171568")
    renamed = copy.deepcopy(study)
    ident = renamed["protocolSection"]["identificationModule"]
    ident["nctIdAliases"] = ["NCT06171568"]
    ident["nctId"] = "NCT07000001"
    decision = verdict(study, renamed)
    assert decision.outcome is Outcome.CHANGED and decision.alerts
    assert decision.events[0].kind == "moved"
    assert decision.events[0].text.startswith("Now registered as NCT07000001")


def test_unreadable_record_is_an_error_not_a_change() -> None:
    study = load_fixture("NCT06171568")
    broken = copy.deepcopy(study)
    status_module(broken)["overallStatus"] = 42
    decision = verdict(study, broken)
    assert decision.outcome is Outcome.ERROR and not decision.alerts and decision.fingerprint is None
    assert "overallStatus" in decision.note


def test_no_earlier_snapshot_is_a_silent_baseline() -> None:
    decision = verdict(None, load_fixture("NCT06171568"))
    assert decision.outcome is Outcome.BASELINE and decision.events == () and not decision.alerts
    assert decision.view is not None and decision.fingerprint


def test_a_new_view_format_re_baselines_silently() -> None:
    study = load_fixture("NCT06171568")
    before = read_study(study)
    older = dict(before.view or {}, v=0)  # a snapshot stored by an earlier version of the view
    decision = verdict(study, recruiting(study), previous_view=older)
    assert decision.outcome is Outcome.BASELINE and decision.events == ()
    assert "re-baselined" in decision.note


def test_same_fingerprint_is_unchanged() -> None:
    study = load_fixture("NCT06171568")
    decision = verdict(study, copy.deepcopy(study))
    assert decision.outcome is Outcome.UNCHANGED and decision.events == ()


def test_compared_fields_that_differ_are_a_change_with_events() -> None:
    study = load_fixture("NCT06171568")
    decision = verdict(study, recruiting(study))
    assert decision.outcome is Outcome.CHANGED and decision.alerts
    assert decision.events[0].level is Level.HIGH and decision.events[0].kind == "status"


def test_other_fields_that_differ_are_stored_silently() -> None:
    study = load_fixture("NCT06171568")
    edited = copy.deepcopy(study)
    edited["protocolSection"]["identificationModule"]["acronym"] = "NEW-ACRONYM"  # not a compared group
    decision = verdict(study, edited)
    assert decision.outcome is Outcome.UNCHANGED and decision.fingerprint != read_study(study).fingerprint


# ---------------------------------------------------------------- joining, and the state after


def test_joined_events_ride_in_the_same_decision() -> None:
    study = load_fixture("NCT06171568")
    extra = ChangeEvent("expectation", "results_overdue", False, True, "Results overdue", Level.MEDIUM)
    joined = join_events(verdict(study, copy.deepcopy(study)), [extra])
    assert joined.events == (extra,) and joined.alerts
    assert join_events(joined, []) is joined


def test_next_state_follows_the_outcome() -> None:
    study = load_fixture("NCT06171568")
    state = TrialState("NCT06171568")
    baseline = next_state(state, verdict(None, study), NOW)
    assert baseline.baseline_at == NOW and baseline.snapshot_hash == read_study(study).fingerprint
    assert baseline.overall_status == "NOT_YET_RECRUITING" and baseline.swept_at == NOW
    assert baseline.expectation_facts and baseline.expectation_facts["status"] == "NOT_YET_RECRUITING"
    later = NOW + timedelta(days=1)
    changed = next_state(baseline, verdict(study, recruiting(study)), later)
    assert (changed.overall_status, changed.last_changed_at, changed.baseline_at) == ("RECRUITING", later, NOW)
    missing = next_state(changed, verdict(study, None), later)
    assert missing.missing_since == later and missing.snapshot_hash == changed.snapshot_hash
    assert next_state(missing, verdict(study, None, missing_reported=True), later + timedelta(days=1)).missing_since \
        == later  # missing since it was first missed
    error = next_state(changed, Decision("NCT06171568", Outcome.ERROR, note="odd shape"), later)
    assert error.last_error == "odd shape" and error.snapshot_hash == changed.snapshot_hash
