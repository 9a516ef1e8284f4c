"""Every kind of change event against the issue's levels, on real records edited as the registry edits them.

high: status → suspended, terminated, withdrawn, completed, recruiting (starting or resuming); results posted.
medium: every other status move; why stopped; date slips and estimated → actual; enrollment; results submission
tracking. low: sites, eligibility, arms, interventions, outcomes, sponsors, publications.
"""

from __future__ import annotations

from typing import Any

import pytest

from monitor.core.model import Level
from tests.support.records import changes, module, status_module, swap_three_sites


def _status(code: str) -> Any:
    return lambda record: status_module(record).__setitem__("overallStatus", code)


@pytest.mark.parametrize(
    ("before", "after", "level"),
    [
        ("RECRUITING", "SUSPENDED", Level.HIGH),
        ("RECRUITING", "TERMINATED", Level.HIGH),
        ("NOT_YET_RECRUITING", "WITHDRAWN", Level.HIGH),
        ("ACTIVE_NOT_RECRUITING", "COMPLETED", Level.HIGH),
        ("NOT_YET_RECRUITING", "RECRUITING", Level.HIGH),  # recruiting starts
        ("SUSPENDED", "RECRUITING", Level.HIGH),  # recruiting resumes
        ("RECRUITING", "ACTIVE_NOT_RECRUITING", Level.MEDIUM),
        ("NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", Level.MEDIUM),
        ("RECRUITING", "UNKNOWN", Level.MEDIUM),
    ],
)
def test_status_levels(before: str, after: str, level: Level) -> None:
    [event] = changes("search-page-3", _status(after), before=_status(before))
    assert (event.kind, event.level) == ("status", level)


def test_the_unknown_lapse_is_named_as_such() -> None:
    def lapse(record: dict[str, Any]) -> None:
        status_module(record).update(overallStatus="UNKNOWN", lastKnownStatus="RECRUITING")

    [event] = changes("search-page-3", lapse)
    assert "Unknown (status not verified for 2 years; last known: Recruiting)" in event.text


def _edit_each_group(record: dict[str, Any]) -> None:
    status_module(record)["whyStopped"] = "Funding ended"
    status_module(record)["completionDateStruct"] = {"date": "2030-01", "type": "ESTIMATED"}
    module(record, "designModule")["enrollmentInfo"] = {"count": 7, "type": "ESTIMATED"}
    swap_three_sites(record)
    module(record, "eligibilityModule")["minimumAge"] = "16 Years"
    arms = module(record, "armsInterventionsModule")
    arms["armGroups"][0]["label"] = "Cohort A"
    arms.setdefault("interventions", []).append({"type": "DRUG", "name": "Placebo"})
    module(record, "outcomesModule")["primaryOutcomes"][0]["timeFrame"] = "2 years"
    module(record, "sponsorCollaboratorsModule")["leadSponsor"]["name"] = "Institut Pasteur"
    module(record, "referencesModule").setdefault("references", []).append(
        {"pmid": "41234567", "type": "RESULT", "citation": "Heslot C, et al. A trial. 2026."})


def test_every_other_kind_has_its_level() -> None:
    found = {(e.kind, e.level) for e in changes("search-page-3", _edit_each_group)}
    assert found >= {
        ("why_stopped", Level.MEDIUM), ("date", Level.MEDIUM), ("enrollment", Level.MEDIUM),
        ("sites", Level.MEDIUM), ("eligibility", Level.LOW), ("arms", Level.LOW), ("interventions", Level.LOW),
        ("outcomes", Level.LOW), ("sponsors", Level.LOW), ("publications", Level.MEDIUM),  # new countries; a results paper
    }, found


def test_results_posted_high_and_submission_tracking_medium() -> None:
    def post(record: dict[str, Any]) -> None:
        record["hasResults"] = True
        status_module(record)["resultsFirstPostDateStruct"] = {"date": "2026-11-21", "type": "ACTUAL"}

    def submit(record: dict[str, Any]) -> None:
        misc = record.setdefault("derivedSection", {}).setdefault("miscInfoModule", {})
        misc["submissionTracking"] = {"submissionInfos": [{"releaseDate": "2026-03-02"}]}

    assert [(e.kind, e.level) for e in changes("NCT03418623", post)] == [("results", Level.HIGH)]
    assert [(e.kind, e.field, e.level) for e in changes("NCT03418623", submit)] == [
        ("results", "submission", Level.MEDIUM)]
