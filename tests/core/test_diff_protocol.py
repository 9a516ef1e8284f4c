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
    assert _summary(events) == [("sites", Level.MEDIUM)]  # first sites in three new countries
    assert events[0].text == (
        "Sites: new countries: France, Portugal, United Kingdom; "
        "3 added (New Site 1, Lyon, France; New Site 2, Porto, Portugal; New Site 3, Leeds, United Kingdom); "
        "3 removed (Birmingham, United States; Fort Smith, United States; Long Beach, United States)"
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
    assert text.startswith("Sites: new country: Norway; 8 added (Clinic 0, Oslo, Norway; Clinic 1, Oslo, Norway;")
    assert text.endswith("Clinic 4, Oslo, Norway; and 3 more)")


def test_reordering_sites_is_no_change() -> None:
    assert changes("NCT02210780", lambda r: module(r, "contactsLocationsModule")["locations"].reverse()) == []


def test_version_holder_is_no_change() -> None:
    assert changes("NCT02210780", lambda r: r["derivedSection"]["miscInfoModule"].__setitem__("versionHolder", "2026-11-21")) == []


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
    assert events[0].text == "Site status: 42 sites Recruiting → Completed (Albuquerque; Ann Arbor; Arlington; and 39 more)"


# ── eligibility, arms, outcomes, sponsors, publications ─────────────────────────────────


def test_eligibility_criteria_edit_is_quoted() -> None:
    def edit(record: dict[str, Any]) -> None:
        eligibility = module(record, "eligibilityModule")
        eligibility["eligibilityCriteria"] = eligibility["eligibilityCriteria"].replace(
            "over 18 years", "aged 16 years or older with a consenting guardian"
        )
        eligibility["minimumAge"] = "16 Years"

    events = changes("NCT06171568", edit)
    assert _summary(events) == [("eligibility", Level.LOW), ("eligibility", Level.LOW)]
    assert events[0].text == ("Eligibility criteria: edited inclusion criterion “Patient over 18 years...” → "
                              "“Patient aged 16 years or older with a consenting guardian...”")
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
    assert _summary(events) == [("publications", Level.MEDIUM)]
    assert events[0].text == ("New results publication: “One-year cognitive outcomes after neurosurgical hospitalisation: "
                              "a prospective cohort” — J Neurol Neurosurg Psychiatry 2026; PMID 41234567; "
                              "Heslot C, Schnitzler A, et al.")


def test_reordered_references_are_no_change() -> None:
    assert changes("NCT03630471", lambda r: module(r, "referencesModule")["references"].reverse()) == []


# ── case, spacing and Markdown escapes are no change ────────────────────────────────────


def _write_idxd(spelling: str) -> Any:
    """The arm, its intervention and the primary outcome naming the drug as one sponsor spelled it."""
    def edit(record: dict[str, Any]) -> None:
        arms = module(record, "armsInterventionsModule")
        arms["armGroups"][0]["description"] = f"Trastuzumab deruxtecan ({spelling}) 5.4 mg/kg IV every 3 weeks"
        arms["interventions"][0]["description"] = f"{spelling}, \\>= 5.4 mg/kg"
        outcome = module(record, "outcomesModule")["primaryOutcomes"][0]
        outcome["description"] = outcome["description"].replace("palbociclib", spelling)

    return edit


def test_a_drug_name_recased_is_no_edit() -> None:
    events = changes("NCT02513394", _write_idxd("I-DXd"), before=_write_idxd("I-DxD"))
    assert events == []


def test_case_spacing_and_escapes_only_are_no_change_anywhere() -> None:
    def tidy(record: dict[str, Any]) -> None:
        _write_idxd("T-DXd")(record)
        arms = module(record, "armsInterventionsModule")
        arms["armGroups"][1]["description"] = arms["armGroups"][1]["description"].upper().replace(" ", "  ")
        arms["interventions"][0]["name"] = "PALBOCICLIB"  # the entry's name (its key) re-cased
        arms["interventions"][0]["description"] = "T-DXd, >= 5.4 mg/kg"  # the escape dropped
        outcome = module(record, "outcomesModule")["primaryOutcomes"][0]
        outcome["measure"] = outcome["measure"].replace("iDFS", "IDFS")
        outcome["timeFrame"] = outcome["timeFrame"].lower()
        sponsors = module(record, "sponsorCollaboratorsModule")
        sponsors["leadSponsor"]["name"] = "ALLIANCE FOUNDATION TRIALS, LLC."
        sponsors["collaborators"][4]["name"] = "pfizer"
        eligibility = module(record, "eligibilityModule")
        eligibility["minimumAge"] = "18 years"
        eligibility["eligibilityCriteria"] = eligibility["eligibilityCriteria"].replace("\n\n", "\n").lower()

    assert changes("NCT02513394", tidy, before=_write_idxd("T-DXd")) == []


def test_a_recased_entry_with_a_real_edit_is_named_as_now() -> None:
    def edit(record: dict[str, Any]) -> None:
        group = module(record, "armsInterventionsModule")["armGroups"][1]
        group["label"] = "ARM B"
        group["description"] = "Standard adjuvant endocrine therapy for a duration of at least 10 years."

    [event] = changes("NCT02513394", edit)
    assert event.text == "Arms: “ARM B” edited (description)"
    assert event.old["ARM B"]["description"] == "Standard adjuvant endocrine therapy for a duration of at least 5 years."


# ── publications: the trial's own results paper ─────────────────────────────────────────

LANCET = ("Gnant M, Dueck AC, Frantal S, Martin M, Burstein HJ, Greil R, Fox P, Wolff AC, Chan A, Winer EP. "
          "Palbociclib plus endocrine therapy in early breast cancer: final invasive disease-free survival "
          "analysis of the PALLAS trial. Lancet Oncol. 2026 Mar;27(3):301-312. doi: 10.1016/S1470-2045(26)00041-7. "
          "Epub 2026 Feb 20.")


def _reference(pmid: str, kind: str, citation: str) -> Any:
    return lambda r: module(r, "referencesModule")["references"].append({"pmid": pmid, "type": kind, "citation": citation})


def test_a_results_paper_leads_with_its_title_and_journal() -> None:
    events = changes("NCT02513394", _reference("41698381", "RESULT", LANCET))
    assert [(e.level, e.text) for e in events] == [(Level.MEDIUM,
        ("New results publication: “Palbociclib plus endocrine therapy in early breast cancer: final invasive "
        "disease-free survival analysis of the PALLAS trial” — Lancet Oncol 2026; PMID 41698381; "
        "Gnant M, Dueck AC, Frantal S, et al."))]
    assert events[0].new == {"41698381": {"type": "RESULT", "citation": LANCET}}


def test_a_derived_paper_linked_by_the_registry_is_a_results_publication() -> None:
    def unlinked(record: dict[str, Any]) -> None:
        references = module(record, "referencesModule")["references"]
        references[:] = [r for r in references if r.get("pmid") != "33460574"]

    [event] = changes("NCT02513394", lambda r: r.update(study("NCT02513394")), before=unlinked)
    assert (event.level, event.text) == (Level.MEDIUM,
        ("New results publication: “Palbociclib with adjuvant endocrine therapy in early breast cancer (PALLAS): "
        "interim analysis of a multicentre, open-label, randomised, phase 3 study” — Lancet Oncol 2021; "
        "PMID 33460574; Mayer EL, Dueck AC, Martin M, et al."))


def test_a_background_paper_stays_low_and_an_unparsed_citation_reads_as_written() -> None:
    background = _reference("10245370", "BACKGROUND", "Larsen DL, Attkisson CC. Assessment of client/patient "
                            "satisfaction: development of a general scale. Eval Program Plann. 1979;2(3):197-207.")
    book = _reference("", "BACKGROUND", "Lazarus RS, Folkman S. Stress, appraisal, and coping. New York, Springer Pub. Co.; 1984.")
    events = changes("NCT02513394", lambda r: (background(r), book(r)))
    assert [(e.level, e.text) for e in events] == [
        (Level.LOW, ("New linked publication: “Assessment of client/patient satisfaction: development of a general scale” "
                    "— Eval Program Plann 1979; PMID 10245370; Larsen DL, Attkisson CC")),
        (Level.LOW, "New linked publication: Lazarus RS, Folkman S. Stress, appraisal, and coping. New York, Springer Pub. Co.; 1984."),
    ]
