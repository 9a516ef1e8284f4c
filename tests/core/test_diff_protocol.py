"""compare() on sites, eligibility, arms, outcomes, sponsors and publications of real records."""

from __future__ import annotations

from typing import Any

from monitor.core.events import criteria_edits
from monitor.core.model import ChangeEvent, Level
from tests.support.records import changes, module, study, swap_three_sites


def _summary(events: list[ChangeEvent]) -> list[tuple[str, Level]]:
    return [(event.kind, event.level) for event in events]


# ── sites ───────────────────────────────────────────────────────────────────────────────


def test_three_sites_added_and_three_removed() -> None:
    gone = module(study("NCT02210780"), "contactsLocationsModule")["locations"][:3]
    events = changes("NCT02210780", swap_three_sites)
    assert _summary(events) == [("sites", Level.LOW)]
    assert events[0].text == (
        "Sites: 3 added (New Site 1, Lyon, France; New Site 2, Porto, Portugal; New Site 3, Leeds, United Kingdom), "
        "3 removed (Birmingham, United States; Fort Smith, United States; Long Beach, United States), "
        "new countries: France, Portugal, United Kingdom"
    )
    assert [s.get("facility") for s in gone] == [None, None, None]  # this sponsor lists cities only
    assert events[0].old["removed"] == [" | Birmingham | United States", " | Fort Smith | United States", " | Long Beach | United States"]
    assert events[0].new["added"] == ["New Site 1 | Lyon | France", "New Site 2 | Porto | Portugal", "New Site 3 | Leeds | United Kingdom"]


def test_many_sites_are_named_five_at_a_time() -> None:
    def add_eight(record: dict[str, Any]) -> None:
        module(record, "contactsLocationsModule")["locations"] += [
            {"facility": f"Clinic {n}", "city": "Oslo", "country": "Norway"} for n in range(8)
        ]

    text = changes("NCT02210780", add_eight)[0].text
    assert text.startswith("Sites: 8 added (Clinic 0, Oslo, Norway; Clinic 1, Oslo, Norway;")
    assert "; and 3 more), new country: Norway" in text


def test_reordering_sites_is_no_change() -> None:
    assert changes("NCT02210780", lambda r: module(r, "contactsLocationsModule")["locations"].reverse()) == []


def test_version_holder_is_no_change() -> None:
    assert changes("NCT02210780", lambda r: r["derivedSection"]["miscInfoModule"].__setitem__("versionHolder", "2026-11-21")) == []


def test_site_status_vanishing_when_a_trial_closes_is_no_change() -> None:
    def drop_statuses(record: dict[str, Any]) -> None:
        for location in module(record, "contactsLocationsModule")["locations"]:
            location.pop("status", None)

    assert changes("search-page-2", drop_statuses) == []


def test_per_site_status_change() -> None:
    record = study("search-page-2")
    first = module(record, "contactsLocationsModule")["locations"][0]
    events = changes(record, lambda r: module(r, "contactsLocationsModule")["locations"][0].__setitem__("status", "ACTIVE_NOT_RECRUITING"))
    assert _summary(events) == [("sites", Level.LOW)]
    assert events[0].text == f"Site status: {first['facility']}, {first['city']}: Recruiting → Active, not recruiting"


def test_many_site_status_changes_are_counted() -> None:
    def recruiting(record: dict[str, Any]) -> None:
        for location in module(record, "contactsLocationsModule")["locations"]:
            location["status"] = "RECRUITING"

    def closed(record: dict[str, Any]) -> None:
        for location in module(record, "contactsLocationsModule")["locations"]:
            location["status"] = "COMPLETED"

    events = changes("NCT02210780", closed, before=recruiting)
    assert events[0].text == "Site status changed at 42 sites: 42 Recruiting → Completed"


# ── eligibility, arms, outcomes, sponsors, publications ─────────────────────────────────


def test_eligibility_criteria_edit_is_summarised_in_words() -> None:
    def edit(record: dict[str, Any]) -> None:
        eligibility = module(record, "eligibilityModule")
        eligibility["eligibilityCriteria"] = eligibility["eligibilityCriteria"].replace(
            "over 18 years", "aged 16 years or older with a consenting guardian"
        )
        eligibility["minimumAge"] = "16 Years"

    events = changes("NCT06171568", edit)
    assert _summary(events) == [("eligibility", Level.LOW), ("eligibility", Level.LOW)]
    assert events[0].text == "Eligibility criteria edited: added “aged 16 years or older with a consenting guardian...”, removed “over 18 years...”"
    assert events[1].text == "Minimum age: 18 Years → 16 Years"


def test_criteria_edits_are_capped() -> None:
    before = " ".join(f"word{n}" for n in range(40))
    after = before.replace("word3 ", "").replace("word10", "changed10").replace("word20", "x " * 60).replace("word30", "y")
    summary = criteria_edits(before, after)
    assert summary.startswith("removed “word3”, added “changed10”, removed “word10”")
    assert summary.endswith(", …")
    assert len(criteria_edits("a", "a " + "long " * 100)) < 100


def test_an_outcome_added_and_one_retimed() -> None:
    def edit(record: dict[str, Any]) -> None:
        outcomes = module(record, "outcomesModule")
        outcomes["primaryOutcomes"].append({"measure": "Return to work", "timeFrame": "1 year"})
        outcomes["secondaryOutcomes"][0]["timeFrame"] = "2 years"

    events = changes("NCT06171568", edit)
    assert _summary(events) == [("outcomes", Level.LOW), ("outcomes", Level.LOW)]
    assert events[0].text == "Primary outcomes: 1 added (“Return to work”)"
    assert events[1].text == "Secondary outcomes: 1 edited (“Assessment of the independence of patients in their daily life.”: time frame 1 year → 2 years)"


def test_arms_and_interventions() -> None:
    def edit(record: dict[str, Any]) -> None:
        arms = module(record, "armsInterventionsModule")
        arms["armGroups"] = [{"label": "Cohort A", "type": "OTHER", "interventionNames": ["Other: Tests and questionnaires"]}]
        arms["interventions"].append({"type": "DRUG", "name": "Placebo"})
        arms["interventions"][0]["description"] = "At 6 months and 1 year after discharge"

    events = changes("NCT06171568", edit)
    assert _summary(events) == [("arms", Level.LOW), ("interventions", Level.LOW)]
    assert events[0].text == "Arms: added “Cohort A”"
    assert events[1].text == "Interventions: added “Drug: Placebo”; “Other: Tests and questionnaires” edited (description)"


def test_lead_sponsor_and_collaborators() -> None:
    def edit(record: dict[str, Any]) -> None:
        sponsors = module(record, "sponsorCollaboratorsModule")
        sponsors["leadSponsor"] = {"name": "Fondation Example", "class": "OTHER"}
        sponsors["collaborators"] = sponsors["collaborators"][:1] + [{"name": "Institut Pasteur", "class": "OTHER"}]

    events = changes("NCT06171568", edit)
    assert _summary(events) == [("sponsors", Level.LOW), ("sponsors", Level.LOW)]
    assert events[0].text == "Lead sponsor: Assistance Publique - Hôpitaux de Paris → Fondation Example"
    assert events[1].text == "Collaborators: added “Institut Pasteur”; removed “Clinical Research Unit Saint Louis Lariboisière”"


def test_new_linked_publication() -> None:
    citation = ("Heslot C, Schnitzler A, et al. One-year cognitive outcomes after neurosurgical hospitalisation: "
                "a prospective cohort. J Neurol Neurosurg Psychiatry. 2026;97(3):201-9.")

    def add(record: dict[str, Any]) -> None:
        module(record, "referencesModule")["references"].insert(0, {"pmid": "41234567", "type": "RESULT", "citation": citation})

    events = changes("NCT06171568", add)
    assert _summary(events) == [("publications", Level.LOW)]
    assert events[0].text.startswith("New linked publication: PMID 41234567 — Heslot C, Schnitzler A, et al. One-year")
    assert events[0].text.endswith("…") and len(events[0].text) < 170


def test_reordered_references_are_no_change() -> None:
    assert changes("NCT03630471", lambda r: module(r, "referencesModule")["references"].reverse()) == []
