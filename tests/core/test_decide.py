"""The one-screen decision table, on real records."""

from __future__ import annotations

import copy

from monitor.core.decide import decide, read_record
from monitor.core.model import COMPARE_GROUPS, Level, Outcome
from tests.standin.registry import load_fixture


def verdict(study_before, study_after, **kw):
    before = read_record(study_before) if study_before is not None else None
    after = read_record(study_after) if study_after is not None else None
    return decide(
        "NCT06171568", after,
        previous_fingerprint=before.fingerprint if before else None,
        previous_view=before.view if before else None,
        compare_groups=COMPARE_GROUPS, **kw,
    )


def test_baseline_unchanged_changed() -> None:
    study = load_fixture("NCT06171568")
    assert verdict(None, study).outcome is Outcome.BASELINE
    assert verdict(None, study).message is None
    assert verdict(study, copy.deepcopy(study)).outcome is Outcome.UNCHANGED
    moved = copy.deepcopy(study)
    moved["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    decision = verdict(study, moved)
    assert decision.outcome is Outcome.CHANGED and decision.message is not None
    assert decision.events[0].level is Level.HIGH


def test_not_found_is_told_once() -> None:
    assert verdict(load_fixture("NCT06171568"), None).message is not None
    assert verdict(load_fixture("NCT06171568"), None, missing_reported=True).message is None


def test_unreadable_record_is_an_error_not_a_change() -> None:
    study = load_fixture("NCT06171568")
    broken = copy.deepcopy(study)
    broken["protocolSection"]["statusModule"]["overallStatus"] = 42
    decision = verdict(study, broken)
    assert decision.outcome is Outcome.ERROR and decision.message is None and decision.fingerprint is None


def test_back_after_missing_is_told_once_even_when_unchanged() -> None:
    study = load_fixture("NCT06171568")
    decision = verdict(study, copy.deepcopy(study), missing_reported=True)
    assert decision.outcome is Outcome.CHANGED
    assert [e.kind for e in decision.events] == ["found_again"]


def test_new_id_is_a_move_not_a_disappearance() -> None:
    study = load_fixture("NCT06171568")
    renamed = copy.deepcopy(study)
    ident = renamed["protocolSection"]["identificationModule"]
    ident["nctIdAliases"] = ["NCT06171568"]
    ident["nctId"] = "NCT07000001"
    decision = verdict(study, renamed)
    assert decision.outcome is Outcome.CHANGED
    assert decision.events[0].kind == "moved"
    assert "Now registered as NCT07000001" in decision.message.body
