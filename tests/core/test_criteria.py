"""Eligibility criteria compared criterion by criterion, on real criteria texts edited as a sponsor would."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.core.events.criteria import criteria_changes, criteria_of
from monitor.core.model import ChangeEvent, Level
from monitor.registry.ctgov.record import view_of
from tests.support.records import changes, module, study

PALLAS = "NCT02513394"  # "Inclusion Criteria:\n\n* …" then "Exclusion Criteria:\n\n* …"


def replace(old: str, new: str, count: int = 1) -> Any:
    def edit(record: dict[str, Any]) -> None:
        eligibility = module(record, "eligibilityModule")
        assert old in eligibility["eligibilityCriteria"], old
        eligibility["eligibilityCriteria"] = eligibility["eligibilityCriteria"].replace(old, new, count)

    return edit


def _texts(events: list[ChangeEvent]) -> list[tuple[str, Level, str]]:
    return [(event.kind, event.level, event.text) for event in events]


def test_an_edited_criterion_is_quoted_before_and_after() -> None:
    events = changes(PALLAS, replace("* Prior therapy with any CDK inhibitor.",
                                     "* Prior therapy with any CDK4/6 inhibitor (palbociclib, ribociclib or abemaciclib)."))
    assert _texts(events) == [("eligibility", Level.LOW,
        ("Eligibility criteria: edited exclusion criterion “Prior therapy with any CDK inhibitor.” → "
        "“Prior therapy with any CDK4/6 inhibitor (palbociclib, ribociclib or abemaciclib).”"))]


def test_an_added_exclusion_and_a_removed_inclusion_criterion_are_quoted() -> None:
    def edit(record: dict[str, Any]) -> None:
        replace("* Patients on antiretroviral therapy.\n", "* Patients on antiretroviral therapy.\n"
                "* Known history of (noninfectious) pneumonitis/interstitial lung disease.\n")(record)
        replace("* Hemoglobin ≥ 10g/dL\n", "")(record)

    assert [e.text for e in changes(PALLAS, edit)] == [
        ("Eligibility criteria: removed inclusion criterion “Hemoglobin ≥ 10g/dL”; added exclusion criterion "
        "“Known history of (noninfectious) pneumonitis/interstitial lung disease.”")]


def test_inside_one_long_criterion_the_words_say_what_moved() -> None:
    events = changes(PALLAS, replace("within 14 days of randomization, or in women", "within 7 days of randomization, or in women"))
    assert [e.text for e in events] == [
        ("Eligibility criteria: edited inclusion criterion “Serum or urine pregnancy test must be negative in…”: "
        "added “7”, removed “14”")]


def test_escaped_registry_text_is_quoted_as_it_reads() -> None:
    events = changes("NCT02552212", replace(r"* Spinal pain \>= 4 on", r"* Spinal pain \>= 5 on"))
    assert [e.text for e in events] == [  # a nested bullet under "Active disease at Screening as defined by"
        (r"Eligibility criteria: edited inclusion criterion “Spinal pain \>= 4 on a 0 to 10 Numerical Rating Scale (NRS)” → "
        r"“Spinal pain \>= 5 on a 0 to 10 Numerical Rating Scale (NRS)”")]


def test_many_edits_name_three_then_count() -> None:
    def edit(record: dict[str, Any]) -> None:
        for old, new in (("* Hemoglobin ≥ 10g/dL\n", ""), ("* Platelets ≥ 100,000/ mm3\n", ""),
                         ("* ECOG performance status 0-1.", "* ECOG performance status 0-2."),
                         ("* Patients on antiretroviral therapy.\n", "")):
            replace(old, new)(record)

    [event] = changes(PALLAS, edit)
    assert event.text == (
        "Eligibility criteria: edited inclusion criterion “ECOG performance status 0-1.” → “ECOG performance status 0-2.”; "
        "removed inclusion criterion “Platelets ≥ 100,000/ mm3”; removed inclusion criterion “Hemoglobin ≥ 10g/dL”; and 1 more")
    assert event.old == view_of(study(PALLAS))["eligibility"]["criteria"]


@pytest.mark.parametrize(("old", "new", "count"), [
    ("\n\n", "\n", 99),  # blank lines
    ("* ", "- ", 999),  # another bullet
    ("Prior therapy with any CDK inhibitor.", "prior therapy with any CDK  Inhibitor.", 1),  # case and spacing
])
def test_layout_case_and_spacing_are_no_change(old: str, new: str, count: int) -> None:
    assert changes(PALLAS, replace(old, new, count)) == []


def test_an_escape_the_registry_dropped_is_no_change() -> None:
    assert changes("NCT00763412", replace(r"fasting blood glucose \<126", "fasting blood glucose <126")) == []


def test_criteria_lines_know_their_section() -> None:
    criteria = criteria_of(view_of(study("NCT03630471"))["eligibility"]["criteria"])
    assert [(c.section, c.heading) for c in criteria[:3]] == [(None, False), (None, False), (None, False)]
    exclusion = next(i for i, c in enumerate(criteria) if c.text == "Exclusion criteria:")
    assert criteria[exclusion].heading and {c.section for c in criteria[exclusion:]} == {"exclusion"}
    assert criteria[1].text == "For adolescent participants:"
    assert criteria[2].text.startswith("Enrolled as a student in Grades 9-12")


def test_numbered_criteria_and_a_rewrite_of_one() -> None:
    text = view_of(study("NCT02210780"))["eligibility"]["criteria"]
    edited = text.replace("3. History of Guillain-Barre syndrome", "3. Any history of a demyelinating disease")
    [change] = criteria_changes(text, edited)
    assert change.before and change.after and change.after.label == "exclusion criterion"
    assert (change.before.text, change.after.text) == ("History of Guillain-Barre syndrome", "Any history of a demyelinating disease")
