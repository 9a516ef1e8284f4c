"""The trial view: every real fixture reads, fingerprints are stable, registry churn is not a change."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from monitor.core.decide import decide
from monitor.core.model import COMPARE_GROUPS, pushed
from monitor.core.view import fingerprint
from monitor.registry.ctgov.record import aliases_of, nct_id_of, read_study, view_of
from monitor.registry.reader import RecordShapeError
from tests.support.records import FIXTURES, all_studies, module, status_module, study

# The fingerprint each fixture's view had in the first release: an existing database compares its
# stored snapshots against these, so any change here is a false alert (or a silent re-baseline).
FIRST_RELEASE_FINGERPRINTS = {
    "NCT00763412": "5cd26cd877a93fb019b5338ca2c70da9cc1bade875539b1015fa2ef57c6f8c9e",
    "NCT00973089": "db34b58103a329f3d3d7a5f8f57fbd109cc890ba926948e942f6092d03e7f549",
    "NCT02210780": "5141969e13cb40a84ea5cf63b3dc5bc687c6a862f2217ea43cc6a1fecd77efec",
    "NCT02513394": "0d06eea2ad4119b8cac3d5b5a960c8b5d094413a1532a3c81875e532a116bd21",
    "NCT02552212": "29927ece879ad7078da8555d293a390d0b8afd7bae895873366bf77ec5871ba6",
    "NCT03064438": "f3e0aadbd761ab1762fd72b2970afcc3e353a5338654ca3a3967100133a6c4d7",
    "NCT03418623": "3e77484386b7197468faca2fe587556e16e1eb8b099741482bb2c77330e296ac",
    "NCT03630471": "c052618b0feddca0b9d20feb2fce15f474484c0b9ecf04676ecd730ec69b07fc",
    "NCT04207047": "23db8a9dd761e83723c4b5bb57244634e50c0d783a482e2cd5fa83b4ca0c52fc",
    "NCT04431453": "2e262189f9b09fdfe1e5f79d69ebd52d087776d7312a9f3cef3442849e19e4ff",
    "NCT05594173": "58ce783f69b7a9299dc27d0432c28a44309db7a560d63409df58633d5573492e",
    "NCT06171568": "010039251b3770491cba4ed23679e39eaf4c6ee31ae333fe38d1a1228aef0bd1",
    "NCT03281889": "214aec464bd5bf7eae5d23d6a42a3712c22a02d70fa6ce2319e727c2664105e6",
    "NCT06388018": "fcccec69919cb547adbb619cd862635c26bce695f34788794e520b06ce865e39",
}
VIEW_KEYS = {
    "v", "id", "aliases", "title", "acronym", "updated", "status", "dates", "results", "enrollment",
    "sites", "eligibility", "arms", "outcomes", "sponsors", "publications", "about",
}
# Parts added to the view since, present only in records that have them (so the others keep their
# fingerprint): results.findings (what posted results say) and documents (protocols, SAPs posted).
LATER_PARTS = {"findings", "documents"}


def first_release_view(view: dict[str, Any]) -> dict[str, Any]:
    """A view as the first release made it: without the parts added later."""
    shown = {key: value for key, value in view.items() if key not in LATER_PARTS}
    shown["results"] = {key: value for key, value in view["results"].items() if key not in LATER_PARTS}
    return shown


@pytest.mark.parametrize(("nct_id", "record"), list(all_studies()), ids=lambda value: value if isinstance(value, str) else "")
def test_every_fixture_reads_into_a_stable_view(nct_id: str, record: dict[str, Any]) -> None:
    view = view_of(record)
    assert view["id"] == nct_id == nct_id_of(record)
    assert set(view) - LATER_PARTS == VIEW_KEYS
    assert set(view["status"]) == {"overall", "last_known", "why_stopped", "verified"}
    assert set(view["dates"]) == {"start", "primary_completion", "completion"}
    assert set(view["results"]) - LATER_PARTS == {"has_results", "first_posted", "first_submitted", "waived", "submissions"}
    assert ("findings" in view["results"]) == ("resultsSection" in record)
    assert set(view["outcomes"]) == {"primary", "secondary", "other"}
    assert isinstance(view["results"]["has_results"], bool)
    orjson.dumps(view)  # JSON-serialisable
    assert fingerprint(view) == fingerprint(view_of(copy.deepcopy(record))) == fingerprint(view)
    assert len(fingerprint(view)) == 64
    assert "versionHolder" not in orjson.dumps(view).decode()


def test_views_keep_the_fingerprints_of_the_first_release() -> None:
    """Less the parts added later, every view is the first release's; a record without them is unchanged."""
    views = {nct_id: view_of(record) for nct_id, record in all_studies()}
    assert {nct_id: fingerprint(first_release_view(view)) for nct_id, view in views.items()} == FIRST_RELEASE_FINGERPRINTS
    for nct_id, view in views.items():
        if not (LATER_PARTS & (set(view) | set(view["results"]))):
            assert fingerprint(view) == FIRST_RELEASE_FINGERPRINTS[nct_id]


def test_an_upgraded_database_sees_the_later_parts_arrive_silently() -> None:
    """A snapshot stored by the first release, compared with the same record read now: no alert."""
    for nct_id, record in all_studies():
        now = view_of(record)
        decision = decide(nct_id, read_study(record), previous_fingerprint=fingerprint(first_release_view(now)),
                          previous_view=first_release_view(now), compare_groups=COMPARE_GROUPS)
        assert not pushed(decision.events), (nct_id, decision.events)


def test_a_served_study_reads_as_a_record_with_its_ids() -> None:
    record = read_study(study("NCT06171568"))
    assert record.ids == ("NCT06171568",) and record.view is not None and record.problem is None
    assert record.fingerprint == FIRST_RELEASE_FINGERPRINTS["NCT06171568"]
    broken = study("NCT06171568")
    status_module(broken)["overallStatus"] = 42
    unread = read_study(broken)
    assert unread.ids == ("NCT06171568",) and unread.view is None and "overallStatus" in (unread.problem or "")
    assert read_study({}).ids == () and read_study([]).problem  # type: ignore[arg-type]


def test_the_known_facts_of_real_records() -> None:
    withdrawn = view_of(study("NCT00973089"))["status"]
    assert withdrawn["overall"] == "WITHDRAWN"
    assert withdrawn["why_stopped"] and withdrawn["why_stopped"].startswith("recruiting or enrolling")

    unknown = view_of(study("NCT04207047"))["status"]
    assert (unknown["overall"], unknown["last_known"]) == ("UNKNOWN", "ACTIVE_NOT_RECRUITING")

    big = view_of(study("NCT02513394"))
    assert len(big["sites"]) == 437
    assert all(site["status"] is None for site in big["sites"].values())
    assert big["results"]["has_results"] is True

    waiting = view_of(study("NCT06171568"))
    assert waiting["status"]["overall"] == "NOT_YET_RECRUITING"
    assert waiting["dates"]["primary_completion"] == {"date": "2025-02-01", "type": "ESTIMATED"}
    assert waiting["enrollment"] == {"count": 400, "type": "ESTIMATED"}
    assert waiting["updated"] == "2023-12-14"
    assert waiting["sponsors"]["collaborators"] == sorted(waiting["sponsors"]["collaborators"])
    assert "26269030" in waiting["publications"]
    assert waiting["about"]["study_type"] == "OBSERVATIONAL"

    recruiting = view_of(study("search-page-2"))
    assert {site["status"] for site in recruiting["sites"].values()} == {"RECRUITING"}


def test_site_keys_are_facility_city_country() -> None:
    view = view_of(study("NCT06171568"))
    assert list(view["sites"]) == ["Neurosurgery - Lariboisière hospital | Paris | France"]
    assert view["sites"]["Neurosurgery - Lariboisière hospital | Paris | France"] == {
        "facility": "Neurosurgery - Lariboisière hospital", "city": "Paris", "state": "Ile-de-France",
        "country": "France", "status": None,
    }


def test_identical_site_keys_are_numbered_whatever_their_order() -> None:
    record = study("NCT06171568")
    locations = module(record, "contactsLocationsModule")["locations"]
    twin = dict(locations[0], state="Paris region", status="RECRUITING")
    locations.append(twin)
    sites = view_of(record)["sites"]
    assert sorted(sites) == [
        "Neurosurgery - Lariboisière hospital | Paris | France",
        "Neurosurgery - Lariboisière hospital | Paris | France #2",
    ]
    locations.reverse()
    assert view_of(record)["sites"] == sites


def test_reordered_lists_and_derived_churn_do_not_change_the_fingerprint() -> None:
    record = study("NCT02210780")
    before = fingerprint(view_of(record))
    module(record, "contactsLocationsModule")["locations"].reverse()
    module(record, "outcomesModule")["secondaryOutcomes"].reverse()
    module(record, "armsInterventionsModule")["armGroups"].reverse()
    record["derivedSection"]["miscInfoModule"]["versionHolder"] = "2026-11-21"
    record["derivedSection"]["conditionBrowseModule"] = {"meshes": [{"id": "D000001", "term": "Churn"}]}
    assert fingerprint(view_of(record)) == before


def test_texts_are_kept_but_trailing_whitespace_goes() -> None:
    record = study("NCT06171568")
    module(record, "eligibilityModule")["eligibilityCriteria"] = "Inclusion Criteria:  \n\n* Adults   \n\t"
    status_module(record)["whyStopped"] = "Funding   "
    view = view_of(record)
    assert view["eligibility"]["criteria"] == "Inclusion Criteria:\n\n* Adults"
    assert view["status"]["why_stopped"] == "Funding"


def test_submission_tracking_is_the_one_derived_thing_kept() -> None:
    record = study("NCT03418623")
    record["derivedSection"]["miscInfoModule"]["submissionTracking"] = {
        "estimatedResultsFirstSubmitDate": "2021-03-01",
        "submissionInfos": [{"releaseDate": "2021-03-02", "resetDate": "2021-04-10"}, {"releaseDate": "2021-06-01"}],
    }
    assert view_of(record)["results"]["submissions"] == [
        {"release": "2021-03-02", "reset": "2021-04-10", "unrelease": None},
        {"release": "2021-06-01", "reset": None, "unrelease": None},
    ]


def test_a_fields_subset_record_reads() -> None:
    partial = orjson.loads((FIXTURES / "partial" / "NCT02576665.json").read_bytes())
    view = view_of(partial)
    assert view["id"] == "NCT02576665"
    assert view["status"]["overall"] == "TERMINATED"
    assert view["results"]["has_results"] is False
    assert view["dates"]["start"] == {"date": "2016-07", "type": None}


def test_nct_id_and_aliases() -> None:
    record = study("NCT06171568")
    assert nct_id_of(record) == "NCT06171568"
    assert aliases_of(record) == []
    module(record, "identificationModule")["nctIdAliases"] = ["NCT09999999", "NCT01111111"]
    assert aliases_of(record) == ["NCT01111111", "NCT09999999"]
    assert view_of(record)["aliases"] == ["NCT01111111", "NCT09999999"]


def _broken(edit: Any) -> dict[str, Any]:
    record = study("NCT06171568")
    edit(record)
    return record


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda r: status_module(r).__setitem__("overallStatus", 42), "overallStatus"),
        (lambda r: status_module(r).pop("overallStatus"), "overallStatus"),
        (lambda r: module(r, "contactsLocationsModule").__setitem__("locations", {"a": 1}), "locations"),
        (lambda r: module(r, "contactsLocationsModule").__setitem__("locations", ["Paris"]), "locations[0]"),
        (lambda r: module(r, "designModule")["enrollmentInfo"].__setitem__("count", "40"), "count"),
        (lambda r: module(r, "designModule")["enrollmentInfo"].__setitem__("count", True), "count"),
        (lambda r: status_module(r).__setitem__("primaryCompletionDateStruct", "2025-02"), "primaryCompletionDateStruct"),
        (lambda r: module(r, "eligibilityModule").__setitem__("stdAges", "ADULT"), "stdAges"),
        (lambda r: r.__setitem__("hasResults", "yes"), "hasResults"),
    ],
)
def test_wrong_shapes_raise_record_shape_error(edit: Any, words: str) -> None:
    with pytest.raises(RecordShapeError) as raised:
        view_of(_broken(edit))
    assert raised.value.trial_id == "NCT06171568"
    assert words in raised.value.problem
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    "record",
    [
        {},
        {"protocolSection": []},
        {"protocolSection": {"identificationModule": {}}},
        {"protocolSection": {"identificationModule": {"nctId": 6171568}}},
        {"protocolSection": {"identificationModule": {"nctId": "<script>"}}},
        "NCT06171568",
    ],
)
def test_records_without_a_usable_nct_id_raise(record: Any) -> None:
    with pytest.raises(RecordShapeError) as raised:
        nct_id_of(record)
    assert raised.value.trial_id is None
