"""What changed, field by field (a trial page's timeline), and a trial's card, on real records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from monitor.core.card import card_of, next_expected, results_state
from monitor.core.changes import FieldChange, what_changed, word_diff
from monitor.core.expectations import facts_of
from monitor.core.model import ChangeEvent
from monitor.registry.ctgov.record import view_of
from tests.support.records import all_studies, changes, module, status_module, study, swap_three_sites


def fields(event: ChangeEvent) -> list[FieldChange]:
    return what_changed(event.kind, event.field, event.old, event.new)


def only(events: list[ChangeEvent], kind: str) -> ChangeEvent:
    [found] = [e for e in events if e.kind == kind]
    return found


def test_a_status_change_reads_old_and_new_in_words() -> None:
    event = only(changes("NCT06171568", lambda r: status_module(r).update(overallStatus="RECRUITING")), "status")
    assert fields(event) == [FieldChange("Overall status", "Not yet recruiting", "Recruiting")]


def test_a_date_and_enrollment_read_with_their_type() -> None:
    def edit(record: dict[str, Any]) -> None:
        status_module(record)["primaryCompletionDateStruct"] = {"date": "2028-01-15", "type": "ESTIMATED"}
        module(record, "designModule")["enrollmentInfo"] = {"count": 999, "type": "ESTIMATED"}

    events = changes("NCT06171568", edit)
    assert fields(only(events, "date")) == [FieldChange("Primary completion", "2025-02-01 (estimated)",
                                                        "2028-01-15 (estimated)")]
    assert fields(only(events, "enrollment")) == [FieldChange("Enrollment", "400 (estimated)", "999 (estimated)")]


def test_sites_added_and_removed_are_listed_by_name() -> None:
    [change] = fields(only(changes("NCT02513394", swap_three_sites), "sites"))
    assert change.label == "Sites" and len(change.added) == 3 and len(change.removed) == 3
    assert "New Site 1, Lyon, France" in change.added
    assert all(" | " not in name for name in change.added + change.removed)


def test_a_criteria_edit_is_a_word_diff() -> None:
    def edit(record: dict[str, Any]) -> None:
        criteria = module(record, "eligibilityModule")["eligibilityCriteria"]
        module(record, "eligibilityModule")["eligibilityCriteria"] = criteria.replace("18", "21", 1) + "\n* New: consent"

    [change] = fields(only(changes("NCT02513394", edit), "eligibility"))
    assert change.label == "Eligibility criteria" and change.diff
    ops = {op for op, _ in change.diff}
    assert ops == {"same", "added", "removed"}
    assert ("added", "21") in change.diff or any(op == "added" and "21" in words for op, words in change.diff)
    assert any(op == "added" and "consent" in words for op, words in change.diff)
    assert " ".join(words for op, words in change.diff if op != "removed").split() == change.after.split()


def test_outcomes_and_publications_list_what_came_and_went() -> None:
    def edit(record: dict[str, Any]) -> None:
        module(record, "outcomesModule").setdefault("secondaryOutcomes", []).append(
            {"measure": "Quality of life", "timeFrame": "1 year"})
        module(record, "referencesModule").setdefault("references", []).append(
            {"pmid": "41698381", "type": "RESULT", "citation": "Smith J. A trial. Lancet Oncol 2026."})

    events = changes("NCT06171568", edit)
    assert fields(only(events, "outcomes"))[0].added == ("Quality of life",)
    assert fields(only(events, "publications"))[0].added == ("PMID 41698381: Smith J. A trial. Lancet Oncol 2026.",)


@pytest.mark.parametrize(("kind", "field", "old", "new"), [
    ("sites", "sites", "junk", 42), ("arms", "arm_groups", [1], None), ("date", "start", "2026", {"date": None}),
    ("enrollment", "enrollment", None, "x"), ("expectation", "results_overdue", False, True),
    ("moved", "nct_id", "NCT1", "NCT2"), ("not_found", "record", None, None), ("unknown", "thing", {"a": 1}, [1, 2]),
])
def test_odd_values_never_raise(kind: str, field: str, old: Any, new: Any) -> None:
    assert isinstance(what_changed(kind, field, old, new), list)


def test_word_diff_keeps_every_word_of_both_sides() -> None:
    runs = word_diff("a b c d", "a x c d e")
    assert runs == (("same", "a"), ("removed", "b"), ("added", "x"), ("same", "c d"), ("added", "e"))


@pytest.mark.parametrize(("trial_id", "record"), list(all_studies()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_fixture_has_a_card(trial_id: str, record: dict[str, Any]) -> None:
    card = card_of(view_of(record))
    assert card.trial_id == trial_id and card.status_words and len(card.milestones) == 3
    assert card.sites == len(view_of(record)["sites"])


def test_the_card_of_a_large_real_trial() -> None:
    card = card_of(view_of(study("NCT02513394")))
    assert (card.phase, card.sites, len(card.countries), card.results) == ("phase 3", 437, 21, "posted on 2022-04-13")
    assert card.enrollment == "5796 participants (actual)"
    assert [m.words() for m in card.milestones] == ["2015-08", "2020-11 (actual)", "2025-09 (estimated)"]


def test_results_state_and_the_next_expected_date() -> None:
    facts = facts_of(view_of(study("search-page-3")))  # NCT06388018, recruiting
    assert next_expected(facts, dt.date(2026, 12, 2)).words() == "2027-01-16 (estimated)"  # type: ignore[union-attr]
    assert next_expected(facts, dt.date(2027, 2, 1)) is None
    assert results_state(facts_of(view_of(study("NCT02513394"))), overdue=False) == "posted 2022-04-13"
    assert results_state(facts_of(view_of(study("NCT06171568"))), overdue=True) == "overdue (due 2026-03-03)"
    assert results_state(None, overdue=False) == ""
