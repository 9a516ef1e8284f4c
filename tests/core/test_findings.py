"""What posted results say, read from every real fixture with results; corrections and churn.

Change tests start from the real record and a copy edited as the registry edits it: results
posted (the same record without its results section before), a value corrected, ids renumbered.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from monitor.core.diff import compare
from monitor.core.findings import MOST_GROUPS, MOST_OUTCOMES, p_words, spread_words, summary, value_words
from monitor.core.model import Level
from monitor.registry.ctgov.record import view_of
from tests.support.records import study

# Each fixture's first primary outcome as the results tab shows it: title, first groups' values, comparison.
FIRST_OUTCOMES: dict[str, tuple[str, list[tuple[str, str, str | None]], str | None]] = {
    "NCT00763412": ("BMI", [("1 Placebo", "mean 19.63 Kg/m² (full range 15.56 to 22.64)", "4"),
                            ("2. Repaglinide", "mean 21.19 Kg/m² (full range 20.78 to 21.8)", "4")], None),
    "NCT02210780": (
        "Percentage of Participants With a Positive Response (≥4-Fold Increase) to Tetanus Toxoid (the Adacel [Tdap] "
        "Vaccine) at Week 16",
        [("Placebo qw", "83.7 % of participants", "92"), ("Dupilumab 300 mg qw", "83.3 % of participants", "90")], None),
    "NCT02513394": ("Invasive Disease Free Survival (iDFS)",
                    [("Palbociclib Plus Endocrine Therapy (Arm A)", "84.2 % of participants", "2884"),
                     ("Endocrine Therapy Alone (Arm B)", "84.5 % of participants", "2877")],
                    "hazard ratio 0.96 (95 % CI 0.81 to 1.14), p = 0.65, Log Rank"),
    "NCT02552212": (
        "Percentage of Subjects With Ankylosing Spondylitis Disease Activity Score Major Improvement (ASDAS-MI) "
        "Response Criteria Response at Week 52",
        [("Placebo (FAS)", "7.0 % of subjects", "158"), ("CZP 200 mg Q2W (FAS)", "47.2 % of subjects", "159")],
        "odds ratio 15.231 (95 % CI 7.336 to 31.623), p < 0.001, Regression, Logistic"),
    "NCT03064438": ("Change From Baseline in Total Lesion Count at Week 12",
                    [("ACU-D1 Ointment", "least squares mean -10.2 number of lesions (SE 1.08)", "26"),
                     ("ACU-D1 Ointment Vehicle", "least squares mean -12.0 number of lesions (SE 1.62)", "11")],
                    "difference of least squares (LS) mean 1.8 (95 % CI -2.162 to 5.727), p = 0.366, t-test, 2 sided"),
    "NCT04431453": ("Percentage of Participants With Treatment-Emergent Adverse Events (TEAEs)",
                    [("Remdesivir (RDV), Cohort 1: Age 12 to <18 Years and Weight ≥40 kg", "91.7 % of participants", "12"),
                     ("RDV, Cohort 2: Age ≥ 28 Days to < 18 Years and Weight ≥ 20 kg to < 40 kg",
                      "58.3 % of participants", "12")], None),
    "NCT05594173": ("Number of Chewing Cycles Per Bolus",
                    [("Healthy Participants: Carrot", "mean 22 number of chewing cycles (SD 11)", "14"),
                     ("Healthy Participants: Cracker", "mean 15 number of chewing cycles (SD 6)", "14")], None),
}


def findings(nct_id: str) -> dict[str, Any]:
    return view_of(study(nct_id))["results"]["findings"]


@pytest.mark.parametrize("nct_id", sorted(FIRST_OUTCOMES))
def test_every_fixture_with_results_yields_the_numbers_of_its_first_primary_outcome(nct_id: str) -> None:
    said = summary(findings(nct_id))
    assert said is not None
    title, values, compared = FIRST_OUTCOMES[nct_id]
    first = said["outcomes"][0]
    assert first["title"] == title
    got = [(cell["group"], cell["value"], cell["analysed"]) for cell in first["rows"][0]["values"]]
    assert got[: len(values)] == values
    assert (first["comparison"] or {}).get("text") == compared
    assert len(said["outcomes"]) <= MOST_OUTCOMES and all(len(o["groups"]) <= MOST_GROUPS for o in said["outcomes"])
    assert said["short"][0].startswith(title[:60]) and said["link"].endswith(f"{nct_id}?tab=results")
    assert len(said["participants"]) <= MOST_GROUPS and len(said["serious"]) <= MOST_GROUPS


def test_the_counts_of_participants_and_serious_adverse_events() -> None:
    said = summary(findings("NCT02513394"))
    assert said is not None
    assert [(p["started"], p["completed"]) for p in said["participants"]] == [("2896", "2884"), ("2900", "2877")]
    assert [(a["affected"], a["at_risk"], a["deaths"]) for a in said["serious"]] == [(369, 2841, 99), (229, 2902, 76)]
    # a blinded period then an extension: each group from where it starts to where it ends
    extension = summary(findings("NCT02552212"))
    assert extension is not None
    assert [(p["group"], p["started"], p["completed"]) for p in extension["participants"]] == [
        ("Placebo", "158", "143"), ("CZP 200 mg Q2W", "159", "142"), ("SFE OL CZP 200 mg Q2W", "243", "206")]


def test_limits_say_how_many_more() -> None:
    many = summary(findings("NCT04431453"))
    assert many is not None
    assert many["more_outcomes"] == 1 and many["outcomes"][0]["more_groups"] == 2  # 6 groups with values, 4 shown
    assert many["more_participant_groups"] == 4
    assert "+2 more groups" in many["short"][1] and many["short"][-1] == "+3 more primary outcomes"
    rows = summary(findings("NCT00763412"))
    assert rows is not None and [r["label"] for r in rows["outcomes"][1]["rows"]] == ["Fat", "Lean"]


def test_values_in_words() -> None:
    outcome = {"param_type": "MEAN", "dispersion": "95% Confidence Interval", "unit": "kg/m^2"}
    assert value_words(outcome, {"value": "19.6", "lower": "15.6", "upper": "22.6"}) == "mean 19.6 kg/m² (95 % CI 15.6 to 22.6)"
    assert value_words({"param_type": "NUMBER", "unit": "percentage"}, {"value": "12"}) == "12%"
    assert value_words({"param_type": "COUNT_OF_PARTICIPANTS", "unit": "Participants"}, {"value": "7"}) == "7 Participants"
    assert value_words(outcome, None) == "not reported"
    assert value_words(outcome, {"value": "NA", "comment": "Below the limit."}) == "not available (Below the limit.)"
    assert spread_words("CONFIDENCE_90", {"lower": "1", "upper": "2"}) == " (90 % CI 1 to 2)"
    assert spread_words("Inter-Quartile Range", {"lower": "1", "upper": "NA"}) == " (IQR 1 to NA)"
    assert p_words("<0.001") == "p < 0.001" and p_words("0.65") == "p = 0.65" and p_words(None) == ""


def _before_results(record: dict[str, Any]) -> dict[str, Any]:
    earlier = copy.deepcopy(record)
    earlier.pop("resultsSection")
    earlier["hasResults"] = False
    earlier["protocolSection"]["statusModule"].pop("resultsFirstPostDateStruct", None)
    return earlier


def test_results_posted_carry_their_summary() -> None:
    record = study("NCT03064438")
    [posted] = [e for e in compare(view_of(_before_results(record)), view_of(record)) if e.kind == "results"]
    assert posted.level is Level.HIGH and posted.text == "Results posted on 2021-08-23"
    assert posted.new["posted"] == "2021-08-23"
    assert posted.new["summary"]["outcomes"][0]["comparison"]["p"] == "p = 0.366"


def test_a_corrected_value_and_p_value_say_old_to_new() -> None:
    record = study("NCT02513394")
    corrected = copy.deepcopy(record)
    measure = next(m for m in corrected["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
                   if m["type"] == "PRIMARY")
    measure["classes"][0]["categories"][0]["measurements"][1]["value"] = "84.1"
    measure["analyses"][0]["pValue"] = "0.51"
    corrected["resultsSection"]["adverseEventsModule"]["eventGroups"][0]["deathsNumAffected"] = 101
    [event] = compare(view_of(record), view_of(corrected))
    assert (event.kind, event.level) == ("results_updated", Level.MEDIUM)
    assert event.text == (
        "Results updated: “Invasive Disease Free Survival (iDFS)”, Endocrine Therapy Alone (Arm B): "
        "84.5 % of participants → 84.1 % of participants; “Invasive Disease Free Survival (iDFS)”: "
        "hazard ratio 0.96 (95 % CI 0.81 to 1.14), p = 0.65, Log Rank → hazard ratio 0.96 (95 % CI 0.81 to 1.14), "
        "p = 0.51, Log Rank; deaths, Palbociclib Plus Endocrine Therapy (Arm A): 99 → 101 of 2841")


def test_outcomes_added_and_participants_changed() -> None:
    record = study("NCT03064438")
    extended = copy.deepcopy(record)
    measures = extended["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"]
    extra = copy.deepcopy(measures[-1])
    extra["title"] = "Change From Baseline in Inflammatory Lesion Count at Week 16"
    measures.append(extra)
    milestone = extended["resultsSection"]["participantFlowModule"]["periods"][0]["milestones"][1]
    milestone["achievements"][0]["numSubjects"] = "25"
    [event] = compare(view_of(record), view_of(extended))
    assert "other outcome added: “Change From Baseline in Inflammatory Lesion Count at Week 16”" in event.text
    assert "participants who completed, ACU-D1 Ointment: 26 → 25" in event.text


def test_renumbered_ids_and_reordered_lists_are_no_change() -> None:
    record = study("NCT02513394")
    churned = copy.deepcopy(record)
    results = churned["resultsSection"]
    for measure in results["outcomeMeasuresModule"]["outcomeMeasures"]:
        renumber = {g["id"]: f"OG9{g['id'][-2:]}" for g in measure.get("groups", [])}
        measure["groups"] = [{**g, "id": renumber[g["id"]]} for g in reversed(measure.get("groups", []))]
        for denom in measure.get("denoms", []):
            denom["counts"] = [{**c, "groupId": renumber[c["groupId"]]} for c in denom["counts"]]
        for klass in measure.get("classes", []):
            for category in klass.get("categories", []):
                category["measurements"] = [{**m, "groupId": renumber[m["groupId"]]} for m in category["measurements"]]
        for analysis in measure.get("analyses", []):
            analysis["groupIds"] = [renumber[g] for g in analysis["groupIds"]]
    results["outcomeMeasuresModule"]["outcomeMeasures"].reverse()
    results["adverseEventsModule"]["eventGroups"].reverse()
    assert view_of(churned)["results"]["findings"] != view_of(record)["results"]["findings"]  # order moved …
    assert compare(view_of(record), view_of(churned)) == []  # … and nothing is said


def test_a_snapshot_stored_before_findings_were_kept_catches_up_silently() -> None:
    now = view_of(study("NCT02552212"))
    then = copy.deepcopy(now)
    del then["results"]["findings"]
    assert compare(then, now) == []


def test_an_odd_results_section_leaves_the_rest_of_the_record_readable() -> None:
    record = study("NCT03064438")
    record["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]["classes"] = "oops"
    view = view_of(record)
    assert "classes" in view["results"]["findings"]["unreadable"] and summary(view["results"]["findings"]) is None
    [posted] = [e for e in compare(view_of(_before_results(study("NCT03064438"))), view) if e.kind == "results"]
    assert posted.text == "Results posted on 2021-08-23" and posted.new["summary"] is None


def test_documents_posted_with_the_results_are_news_however_early_they_were_uploaded() -> None:
    """A protocol uploaded with a results submission is released when the results pass quality review,
    months later, after other updates of the record: it arrives with the results and is announced."""
    record = study("NCT03064438")
    before = _before_results(record)
    before.pop("documentSection")
    before["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2021-08-20", "type": "ACTUAL"}
    uploads = [doc["uploadDate"][:10] for doc in record["documentSection"]["largeDocumentModule"]["largeDocs"]]
    assert all(day < "2021-08-20" for day in uploads)  # uploaded before the version that did not show them
    kinds = [e.kind for e in compare(view_of(before), view_of(record))]
    assert kinds.count("document") == 2 and "results" in kinds
    # without results arriving, the same documents in a view that never had any are the view catching up
    later = copy.deepcopy(record)
    later["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2022-01-01", "type": "ACTUAL"}
    older = copy.deepcopy(record)
    older.pop("documentSection")
    older["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2021-09-01", "type": "ACTUAL"}
    assert [e.kind for e in compare(view_of(older), view_of(later)) if e.kind == "document"] == []


def test_a_trials_page_shows_what_the_results_say_field_by_field() -> None:
    from monitor.core.changes import what_changed

    record = study("NCT02513394")
    [posted] = [e for e in compare(view_of(_before_results(record)), view_of(record)) if e.kind == "results"]
    rows = {f.label: (f.before, f.after) for f in what_changed(posted.kind, posted.field, posted.old, posted.new)}
    assert rows["Results posted"] == ("no", "yes, on 2022-04-13")
    assert rows["Invasive Disease Free Survival (iDFS)"][1] == (
        "Palbociclib Plus Endocrine Therapy (Arm A): 84.2 % of participants; Endocrine Therapy Alone (Arm B): "
        "84.5 % of participants · comparison: hazard ratio 0.96 (95 % CI 0.81 to 1.14), p = 0.65, Log Rank")
    assert rows["Serious adverse events"][1].startswith("Palbociclib Plus Endocrine Therapy (Arm A): 369 of 2841, 99 deaths")
    corrected = [("results_updated", "findings", None, ["“BMI”, 1 Placebo: mean 19.63 Kg/m² → mean 19.9 Kg/m²"])]
    [(label, before, after)] = [(f.label, f.before, f.after) for f in what_changed(*corrected[0])]
    assert label == "Results updated" and before is None and after.endswith("→ mean 19.9 Kg/m²")
