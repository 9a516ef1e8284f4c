"""The ClinicalTrials.gov stand-in behaves like the parts of API v2 the monitor relies on."""

from __future__ import annotations

import copy
import os
from datetime import date
from pathlib import Path

import httpx
import pytest

from monitor.registry.ctgov.standin import edits
from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.support.records import fixture_studies, load_fixture

ROOT = Path(__file__).resolve().parent.parent
ALL_IDS = sorted(s["protocolSection"]["identificationModule"]["nctId"] for s in fixture_studies())


def ids_of(payload: dict) -> list[str]:
    return [s["protocolSection"]["identificationModule"]["nctId"] for s in payload["studies"]]


# ------------------------------------------------------------------ data and endpoints
def test_fixture_studies_are_the_14_full_records() -> None:
    assert len(ALL_IDS) == 14
    assert {"NCT03281889", "NCT06388018", "NCT02513394", "NCT06171568"} <= set(ALL_IDS)
    assert load_fixture("NCT00973089")["protocolSection"]["statusModule"]["overallStatus"] == "WITHDRAWN"


def test_version_and_refresh(registry: StandInRegistry, client: httpx.Client) -> None:
    r = client.get("/version")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == {"apiVersion": "2.0.5", "dataTimestamp": "2026-11-20T09:00:05"}
    assert registry.refresh() == "2026-11-21T09:00:05"
    assert client.get("/version").json()["dataTimestamp"] == "2026-11-21T09:00:05"
    registry.refresh("2027-01-01T10:00:00")
    assert client.get("/version").json()["dataTimestamp"] == "2027-01-01T10:00:00"
    assert os.environ["MONITOR_CTGOV_URL"] == registry.base_url


def test_filter_ids_pipe_separated_with_alias_returns_canonical_once(
        registry: StandInRegistry, client: httpx.Client) -> None:
    registry.alias("NCT03418623", "NCT07000001")
    r = client.get("/studies", params={"filter.ids": "NCT03418623|nct07000001|NCT02210780|NCT02210780",
                                       "pageSize": 50})
    assert r.status_code == 200
    assert ids_of(r.json()) == ["NCT02210780", "NCT07000001"]
    moved = r.json()["studies"][1]["protocolSection"]["identificationModule"]
    assert moved["nctIdAliases"] == ["NCT03418623"]
    # comma-separated works too, and each study sits on its own line like the real API
    r = client.get("/studies", params={"filter.ids": "NCT00973089,NCT04207047"})
    assert ids_of(r.json()) == ["NCT00973089", "NCT04207047"]
    assert r.text.count("\n") == 3


def test_malformed_id_rejects_the_whole_batch(client: httpx.Client) -> None:
    r = client.get("/studies", params={"filter.ids": "NCT02210780|NCT00000000"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert "incorrect format" in r.text


def test_paging_with_page_size_2(registry: StandInRegistry, client: httpx.Client) -> None:
    params = {"pageSize": "2", "countTotal": "true", "fields": "NCTId"}
    seen, pages, token = [], [], None
    while True:
        r = client.get("/studies", params={**params, **({"pageToken": token} if token else {})})
        assert r.status_code == 200
        page = r.json()
        pages.append(page)
        seen += ids_of(page)
        token = page.get("nextPageToken")
        if not token:
            break
    assert seen == ALL_IDS == registry.ids()
    assert len(pages) == 7
    assert pages[0]["totalCount"] == 14 and all("totalCount" not in p for p in pages[1:])
    assert "nextPageToken" in pages[-2] and "nextPageToken" not in pages[-1]
    # the token is tied to the query: changing a filter between pages is a 400
    r = client.get("/studies", params={"pageToken": pages[0]["nextPageToken"], "filter.overallStatus": "COMPLETED"})
    assert r.status_code == 400
    assert client.get("/studies", params={"pageToken": "not-a-token"}).status_code == 400
    # defaults and coercion: 0 -> 10, >1000 -> 1000
    assert len(client.get("/studies", params={"pageSize": 0}).json()["studies"]) == 10
    big = client.get("/studies", params={"pageSize": 5000, "fields": "NCTId"}).json()
    assert len(big["studies"]) == 14 and "nextPageToken" not in big


def test_fields_projection_shape(client: httpx.Client) -> None:
    fields = "NCTId|BriefTitle|OverallStatus|LastUpdatePostDate|LeadSponsorName|Condition|Phase"
    r = client.get("/studies/NCT00973089", params={"fields": fields})
    full = load_fixture("NCT00973089")["protocolSection"]
    assert r.json() == {"protocolSection": {
        "identificationModule": {"nctId": "NCT00973089", "briefTitle": full["identificationModule"]["briefTitle"]},
        "statusModule": {"overallStatus": "WITHDRAWN", "lastUpdatePostDateStruct": {"date": "2015-08-19",
                                                                                    "type": "ESTIMATED"}},
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": full["sponsorCollaboratorsModule"]["leadSponsor"]
                                                       ["name"]}},
        "conditionsModule": {"conditions": full["conditionsModule"]["conditions"]},
        "designModule": {"phases": full["designModule"]["phases"]},
    }}
    # same nesting as the real partial capture (no hasResults unless asked)
    real = load_fixture("partial/NCT02576665")
    assert set(real) == {"protocolSection"} and "hasResults" not in r.json()
    # areas, comma separators, list fields
    r = client.get("/studies", params={"filter.ids": "NCT02513394", "fields": "NCTId,HasResults,DocumentSection"})
    st = r.json()["studies"][0]
    assert set(st) == {"protocolSection", "hasResults", "documentSection"} and st["hasResults"] is True
    r = client.get("/studies/NCT02210780", params={"fields": "LocationCity|LocationFacility"})  # no facilities
    locs = r.json()["protocolSection"]["contactsLocationsModule"]["locations"]
    assert len(locs) == 42 and all(set(loc) == {"city"} for loc in locs)
    bad = client.get("/studies", params={"fields": "NCTId|NoSuchField"})
    assert bad.status_code == 400 and "NoSuchField" in bad.text


def test_last_update_post_date_range_filter(registry: StandInRegistry, client: httpx.Client) -> None:
    def lupd(s: dict) -> str:
        return s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"]
    expected = sorted(s["protocolSection"]["identificationModule"]["nctId"]
                      for s in fixture_studies() if lupd(s) >= "2023-06-15")
    assert 2 <= len(expected) < 14
    params = {"filter.advanced": "AREA[LastUpdatePostDate]RANGE[2023-06-15,MAX]", "fields": "NCTId", "pageSize": 50}
    assert ids_of(client.get("/studies", params=params).json()) == expected
    registry.update("NCT00973089", lambda s: s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]
                    .update(date="2026-11-19"))
    assert "NCT00973089" in ids_of(client.get("/studies", params=params).json())
    window = client.get("/studies", params={"filter.advanced": "RANGE[2017-01-01,2017-12-31]", "fields": "NCTId"})
    assert ids_of(window.json()) == ["NCT00763412"]  # 2017-06-05
    via_term = client.get("/studies", params={"query.term": "AREA[LastUpdatePostDate]RANGE[2026-11-01,MAX]"})
    assert ids_of(via_term.json()) == ["NCT00973089"]
    assert client.get("/studies", params={"filter.advanced": "AREA[StartDate]2022"}).status_code == 400


def test_status_and_text_queries(client: httpx.Client) -> None:
    r = client.get("/studies", params={"filter.overallStatus": "WITHDRAWN|unknown", "fields": "NCTId"})
    assert ids_of(r.json()) == ["NCT00973089", "NCT04207047"]
    assert client.get("/studies", params={"filter.overallStatus": "BOGUS"}).status_code == 400
    spons = load_fixture("NCT06171568")["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
    r = client.get("/studies", params={"query.spons": spons.upper(), "fields": "NCTId"})
    assert "NCT06171568" in ids_of(r.json())
    assert client.get("/studies", params={"query.term": "zzz-no-such-text-zzz"}).json() == {"studies": []}


def test_single_study_alias_301_404_400(registry: StandInRegistry, client: httpx.Client) -> None:
    assert client.get("/studies/nct02210780").json()["protocolSection"]["identificationModule"]["nctId"] \
        == "NCT02210780"
    registry.alias("NCT02210780", "NCT07000002")
    r = client.get("/studies/NCT02210780", params={"fields": "NCTId|NCTIdAlias"})
    assert r.status_code == 301
    assert r.headers["location"] == "/api/v2/studies/NCT07000002?fields=NCTId%7CNCTIdAlias"
    followed = client.get("/studies/NCT02210780", params={"fields": "NCTId|NCTIdAlias"}, follow_redirects=True)
    assert followed.json() == {"protocolSection": {"identificationModule": {
        "nctId": "NCT07000002", "nctIdAliases": ["NCT02210780"]}}}
    r = client.get("/studies/NCT09999999")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/plain")
    assert client.get("/studies/NCT0").status_code == 400
    assert client.post("/studies", json={}).status_code == 405


def test_internal_history_endpoints(registry: StandInRegistry) -> None:
    with httpx.Client(base_url=registry.root_url) as c:
        changes = c.get("/api/int/studies/NCT03690141/history").json()["changes"]
        assert len(changes) == 10 and changes[0]["version"] == 0
        whole = c.get("/api/int/studies/NCT03690141", params={"history": "true"}).json()
        assert set(whole) == {"study", "topics", "history"}
        assert c.get("/api/int/studies/NCT02210780/history").status_code == 404


def test_mutation_api(registry: StandInRegistry, client: httpx.Client) -> None:
    copy_ = registry.get("NCT04207047")
    copy_["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    assert registry.get("NCT04207047")["protocolSection"]["statusModule"]["overallStatus"] == "UNKNOWN"
    registry.update("NCT04207047", lambda s: s["protocolSection"]["statusModule"].update(overallStatus="COMPLETED"))
    r = client.get("/studies/NCT04207047", params={"fields": "OverallStatus"})
    assert r.json() == {"protocolSection": {"statusModule": {"overallStatus": "COMPLETED"}}}
    registry.put(copy_ | {"hasResults": True})
    assert client.get("/studies/NCT04207047", params={"fields": "HasResults"}).json() == {"hasResults": True}
    registry.remove("NCT04207047")
    assert client.get("/studies/NCT04207047").status_code == 404
    with pytest.raises(ValueError):
        registry.put({"protocolSection": {}})


def test_revise_changes_records_as_the_registry_does(registry: StandInRegistry, client: httpx.Client) -> None:
    """Posted on the next refresh's date, /version moved to it: an "updated since" listing finds them."""
    stamp = registry.revise({
        "NCT03281889": edits.new_status("TERMINATED", verified=date(2026, 11, 21), why_stopped="Sponsor decision"),
        "NCT06388018": edits.slip(6),
    })
    assert stamp == "2026-11-21T09:00:05" == client.get("/version").json()["dataTimestamp"]
    listed = client.get("/studies", params={"filter.advanced": "AREA[LastUpdatePostDate]RANGE[2026-11-20,MAX]",
                                            "fields": "NCTId|OverallStatus|WhyStopped|PrimaryCompletionDate|"
                                                      "CompletionDate|LastUpdatePostDate|StatusVerifiedDate"}).json()
    assert ids_of(listed) == ["NCT03281889", "NCT06388018"]
    stopped, slipped = (s["protocolSection"]["statusModule"] for s in listed["studies"])
    assert stopped == {"overallStatus": "TERMINATED", "whyStopped": "Sponsor decision", "statusVerifiedDate": "2026-11",
                       "primaryCompletionDateStruct": {"date": "2022-03-31", "type": "ESTIMATED"},
                       "completionDateStruct": {"date": "2025-03-31", "type": "ESTIMATED"},
                       "lastUpdatePostDateStruct": {"date": "2026-11-21", "type": "ACTUAL"}}
    assert slipped["primaryCompletionDateStruct"] == slipped["completionDateStruct"] == {"date": "2027-07-16",
                                                                                         "type": "ESTIMATED"}
    assert registry.get("NCT06388018")["protocolSection"]["statusModule"]["lastUpdateSubmitDate"] == "2026-11-20"


def test_results_posted_on_a_record_first_served_without_them() -> None:
    real = load_fixture("NCT00763412")
    before = edits.without_results(real)
    assert before["hasResults"] is False and "resultsSection" not in before
    assert before["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] == {"date": "2008-10-01",
                                                                                      "type": "ESTIMATED"}
    after = edits.applied(edits.results_posted(real, on=date(2026, 11, 21)), copy.deepcopy(before))
    assert after["hasResults"] is True and after["resultsSection"] == real["resultsSection"]
    status = after["protocolSection"]["statusModule"]
    assert (status["resultsFirstSubmitDate"], status["resultsFirstSubmitQcDate"], status["resultsFirstPostDateStruct"]) \
        == ("2026-10-22", "2026-11-18", {"date": "2026-11-21", "type": "ACTUAL"})
    assert "resultsSection" in real  # the source record is left as it was


@pytest.mark.parametrize(("day", "months", "later"), [
    ("2027-01-16", 6, "2027-07-16"), ("2027-08-31", 6, "2028-02-29"), ("2013-01", 13, "2014-02"), ("2026-12", 1, "2027-01"),
])
def test_registry_dates_move_by_months(day: str, months: int, later: str) -> None:
    assert edits.later(day, months) == later


def test_request_log_counts_exactly(registry: StandInRegistry, client: httpx.Client) -> None:
    client.get("/version")
    registry.reset_log()
    for _ in range(3):
        client.get("/version")
    client.get("/studies", params={"filter.ids": "NCT02210780"})
    client.get("/studies", params={"filter.ids": "NCT0"})
    client.get("/studies/NCT02210780")
    assert registry.count() == 6
    assert registry.count("/version") == 3
    assert registry.count("/studies") == 2
    assert registry.count("/studies/NCT02210780") == 1
    rec = registry.requests[3]
    assert (rec.method, rec.path, rec.params, rec.status) == ("GET", "/api/v2/studies",
                                                              {"filter.ids": "NCT02210780"}, 200)
    assert registry.requests[4].status == 400
