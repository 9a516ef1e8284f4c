"""The stand-in at registry scale: synthetic trials, the rate limit and latency (fast: a few seconds)."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
from collections.abc import Iterator

import httpx
import pytest

from monitor.registry.ctgov.api import STUDY_FIELDS
from monitor.registry.ctgov.standin import query as q
from monitor.registry.ctgov.standin.registry import StandInRegistry, fixture_studies
from monitor.registry.ctgov.standin.synthetic import BASE, SyntheticStudies, fixture_templates, ordinal_bounds

N = 20_000
CHEAP = "NCTId|NCTIdAlias|LastUpdatePostDate"
FULL = STUDY_FIELDS


@pytest.fixture
def big() -> Iterator[StandInRegistry]:
    with StandInRegistry.synthetic(N, studies=fixture_studies()) as reg:
        yield reg
    assert reg.errors == []


@pytest.fixture
def client(big: StandInRegistry) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=big.base_url, timeout=10) as c:
        yield c


def ids_of(payload: dict) -> list[str]:
    return [s["protocolSection"]["identificationModule"]["nctId"] for s in payload["studies"]]


def synthetic(big: StandInRegistry) -> SyntheticStudies:
    assert isinstance(big.store, SyntheticStudies)
    return big.store


def test_ids_records_and_fixtures_side_by_side(big: StandInRegistry, client: httpx.Client) -> None:
    store = synthetic(big)
    assert len(store) == N + 14 and store.nct_id(0) == "NCT10000000" and store.nct_id(N - 1) == "NCT10019999"
    assert not set(store.ids()[:N]) & {s["protocolSection"]["identificationModule"]["nctId"] for s in fixture_studies()}
    templates = fixture_templates()
    i = 12_345
    r = client.get(f"/studies/NCT{BASE + i:08d}")
    assert r.status_code == 200
    rec, tmpl = r.json(), templates[i % len(templates)]
    ident, status = rec["protocolSection"]["identificationModule"], rec["protocolSection"]["statusModule"]
    assert ident["nctId"] == "NCT10012345" and ident["briefTitle"].endswith("(synthetic #12345)")
    assert "nctIdAliases" not in ident
    assert status["lastUpdatePostDateStruct"]["date"] <= "2026-01-01"
    assert rec["protocolSection"]["eligibilityModule"] == tmpl["protocolSection"]["eligibilityModule"]
    assert rec["hasResults"] == tmpl["hasResults"]
    assert client.get("/studies/NCT10020000").status_code == 404  # one past the end
    assert client.get("/studies/NCT02513394", params={"fields": "NCTId"}).json() == {
        "protocolSection": {"identificationModule": {"nctId": "NCT02513394"}}}
    # the whole registry, first page: fixtures (NCT0…) sort before the synthetic trials
    first = client.get("/studies", params={"fields": "NCTId", "pageSize": 20, "countTotal": "true"}).json()
    assert first["totalCount"] == N + 14 and ids_of(first)[13:15] == ["NCT06388018", "NCT10000000"]


def test_filter_ids_batch_of_500_and_aliases(big: StandInRegistry, client: httpx.Client) -> None:
    wanted = [f"NCT{BASE + i:08d}" for i in range(3, N, 40)][:500]
    r = client.get("/studies", params={"filter.ids": "|".join(wanted), "fields": FULL, "pageSize": 1000})
    assert r.status_code == 200 and ids_of(r.json()) == wanted and "nextPageToken" not in r.json()
    assert r.text.count("\n") == 501  # one study a line
    big.alias("NCT10000003", "NCT07000009")  # a synthetic trial re-registered under a new id
    r = client.get("/studies", params={"filter.ids": ",".join(wanted[:3]), "fields": "NCTId|NCTIdAlias"})
    assert r.json()["studies"][0]["protocolSection"]["identificationModule"] == {
        "nctId": "NCT07000009", "nctIdAliases": ["NCT10000003"]}
    assert ids_of(r.json()) == ["NCT07000009", *wanted[1:3]]
    assert client.get("/studies/NCT10000003").status_code == 301
    assert client.get("/studies", params={"filter.ids": "NCT10000001|NCT00000000"}).status_code == 400


def test_range_filter_and_count_after_touching_1_percent(big: StandInRegistry, client: httpx.Client) -> None:
    store = synthetic(big)
    since = {"filter.advanced": "AREA[LastUpdatePostDate]RANGE[2026-11-21,MAX]", "fields": CHEAP,
             "countTotal": "true", "pageSize": 1000}
    assert client.get("/studies", params=since).json() == {"studies": [], "totalCount": 0}
    changed = store.mutate_share(0.01, date="2026-11-21", seed=5)
    assert len(changed) == N // 100 == len(set(changed))
    page = client.get("/studies", params=since).json()
    assert page["totalCount"] == 200 and ids_of(page) == changed
    assert {s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] for s in page["studies"]} \
        == {"2026-11-21"}
    # combined with filter.ids: only the watched ones among the changed
    watched = [f"NCT{BASE + i:08d}" for i in range(0, N, 2)]
    both = {**since, "filter.ids": "|".join(watched[:500])}
    expected = sorted(set(changed) & set(watched[:500]))
    assert ids_of(client.get("/studies", params=both).json()) == expected
    # touch: only the date moves
    i = store.index(watched[1])
    before = store.build(i)["protocolSection"]["statusModule"]["overallStatus"]
    store.touch([watched[1]], dt.date(2026, 11, 22))
    after = client.get(f"/studies/{watched[1]}", params={"fields": "OverallStatus|LastUpdatePostDate"}).json()
    assert after["protocolSection"]["statusModule"] == {
        "overallStatus": before, "lastUpdatePostDateStruct": {"date": "2026-11-22", "type": "ACTUAL"}}
    assert client.get("/studies", params=since).json()["totalCount"] == 201


def test_mutate_changes_status_and_enrollment(big: StandInRegistry, client: httpx.Client) -> None:
    store = synthetic(big)
    fields = {"fields": "OverallStatus|EnrollmentCount|LastUpdatePostDate"}
    old = client.get("/studies/NCT10000004", params=fields).json()["protocolSection"]
    store.mutate(4, date="2026-11-22")
    new = client.get("/studies/NCT10000004", params=fields).json()["protocolSection"]
    assert new["statusModule"]["overallStatus"] != old["statusModule"]["overallStatus"]
    assert new["designModule"]["enrollmentInfo"]["count"] > old["designModule"]["enrollmentInfo"]["count"]
    assert new["statusModule"]["lastUpdatePostDateStruct"]["date"] == "2026-11-22"
    store.mutate("NCT10000005", status="SUSPENDED", enrollment=7)
    r = client.get("/studies", params={"filter.overallStatus": "SUSPENDED", "fields": "NCTId|EnrollmentCount"})
    assert "NCT10000005" in ids_of(r.json())
    # the registry's generic mutation API works on synthetic trials too
    big.update("NCT10000006", lambda s: s["protocolSection"]["statusModule"].update(overallStatus="WITHDRAWN"))
    store.mutate("NCT10000006", enrollment=1, date="2026-11-23")  # on the replaced record
    r = client.get("/studies/NCT10000006", params=fields).json()["protocolSection"]
    assert r["statusModule"]["overallStatus"] == "WITHDRAWN" and r["designModule"]["enrollmentInfo"]["count"] == 1
    big.remove("NCT10000007")
    assert client.get("/studies/NCT10000007").status_code == 404
    assert len(store) == N + 14 - 1
    with pytest.raises(KeyError):
        store.mutate("NCT10000007")
    with pytest.raises(KeyError):
        store.mutate(N)


def test_paging_cheap_projection_across_3_pages(big: StandInRegistry, client: httpx.Client) -> None:
    store = synthetic(big)
    touched = set(store.touch(range(1, N, 8), "2026-11-21"))  # 2,500 trials
    params = {"filter.advanced": "AREA[LastUpdatePostDate]RANGE[2026-11-21,MAX]", "fields": CHEAP,
              "pageSize": "1000", "countTotal": "true"}
    pages, token = [], None
    while True:
        r = client.get("/studies", params={**params, **({"pageToken": token} if token else {})})
        assert r.status_code == 200
        pages.append(ids_of(r.json()))
        token = r.json().get("nextPageToken")
        if not token:
            break
    assert [len(p) for p in pages] == [1000, 1000, 500]
    seen = [i for p in pages for i in p]
    assert len(set(seen)) == len(seen) and set(seen) == touched and seen == sorted(seen)


def test_selection_matches_materialised_records() -> None:
    """The array fast paths agree with the generic filter over fully built records."""
    store = SyntheticStudies(600, seed=3, start_date="2025-06-30")
    store.put(fixture_studies()[0])
    store.mutate_share(0.05, date="2025-07-02")
    store.remove("NCT10000010")
    records = [store.get(k) for k in store.keys()]
    assert len(records) == 600
    for params in ({}, {"filter.advanced": "RANGE[2025-07-01,MAX]"},
                   {"filter.advanced": "AREA[LastUpdatePostDate]RANGE[2023,2024-03]"},
                   {"filter.advanced": "AREA[LastUpdateSubmitDate]RANGE[MIN,2022-01-01]"},
                   {"filter.advanced": "AREA[PrimaryCompletionDate]RANGE[2025-01-01,2026-06] AND "
                                       "AREA[StartDate]RANGE[2015,MAX]"},
                   {"filter.overallStatus": "COMPLETED|TERMINATED", "query.cond": "cancer"},
                   {"filter.ids": "NCT10000010|NCT10000011|NCT00763412|NCT10000599", "query.term": "synthetic #11"},
                   {"query.term": "AREA[LastUpdatePostDate]RANGE[2025-07-02,2025-07-02]"}):
        expected = [q.nct_id_of(s) for s in q.select(records, params)]
        assert list(store.select(params)) == expected, params


def test_ordinal_bounds_follow_string_semantics() -> None:
    days = [dt.date(2023, 12, 31) + dt.timedelta(days=k) for k in range(0, 500, 3)]
    for lo, hi in (("2024-02", "2024-03"), ("2024", None), (None, "2024-02-29"), ("2024-03-01", "2024")):
        a, b = ordinal_bounds(lo, hi)
        for d in days:
            assert (a <= d.toordinal() < b) == q.in_range(d.isoformat(), lo, hi), (lo, hi, d)


def test_rate_limit_429_after_the_budget(big: StandInRegistry, client: httpx.Client) -> None:
    big.rate_limit(600, burst=3)  # 10 a second, 3 at once
    codes = [client.get("/version").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429] and big.throttled == 2
    r = client.get("/studies/NCT10000001")
    assert r.status_code == 429 and "retry-after" not in r.headers
    assert [rec.fault for rec in big.requests][-3:] == ["rate_limit"] * 3 and big.requests[-1].status == 429
    time.sleep(0.25)  # 2.5 tokens back
    assert client.get("/version").status_code == 200
    big.rate_limit(None)
    assert all(client.get("/version").status_code == 200 for _ in range(10)) and big.throttled == 0
    big.rate_limit(60)  # the default burst is a minute's worth
    assert [client.get("/version").status_code for _ in range(61)].count(429) == 1


def test_latency_delays_each_answer(big: StandInRegistry, client: httpx.Client) -> None:
    big.latency(0.15)
    t0 = time.monotonic()
    assert client.get("/version").status_code == 200
    assert client.get("/studies", params={"filter.ids": "NCT10000001"}).status_code == 200
    assert time.monotonic() - t0 >= 0.3
    big.latency(0)
    t0 = time.monotonic()
    client.get("/version")
    assert time.monotonic() - t0 < 0.15


def test_store_memory_for_100k_trials_is_small() -> None:
    fixture_templates()  # shared, loaded once: not per-trial state
    tracemalloc.start()
    try:
        store = SyntheticStudies(100_000)
        current, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert store.state_bytes() == 100_000 * 14
    assert current < 3 * 2**20, f"{current / 2**20:.1f} MiB for 100k trials"
    assert len(store.select({"filter.advanced": "RANGE[MIN,MAX]"})) == 100_000
