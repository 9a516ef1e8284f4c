"""ClinicalTrials.gov's refresh rule and listing strategy, on a scripted transport: listing
completeness, the strategy switch, searches and the whole-registry listing."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from monitor.check.plan import moved
from monitor.registry.base import RegistryUnavailable
from monitor.registry.ctgov.adapter import ClinicalTrialsGov
from monitor.registry.ctgov.api import STUDY_FIELDS
from monitor.registry.ctgov.sync import registry_wide_is_cheaper


def stamp(nct_id: str, posted: str) -> dict:
    return {"protocolSection": {"identificationModule": {"nctId": nct_id},
                                "statusModule": {"lastUpdatePostDateStruct": {"date": posted}}}}


class Scripted:
    """A registry answering listings from a table; records what was asked."""

    def __init__(self, updated: list[dict], *, announce: int | None = None, page: int = 1000) -> None:
        self.updated, self.announce, self.page, self.asked = updated, announce, page, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = {k: v[0] for k, v in parse_qs(urlparse(str(request.url)).query).items()}
        self.asked.append(params)
        rows = self.updated
        if "filter.ids" in params:
            wanted = set(params["filter.ids"].split("|"))
            rows = [r for r in rows if r["protocolSection"]["identificationModule"]["nctId"] in wanted]
        offset = int(params.get("pageToken", "0"))
        body: dict = {"studies": rows[offset: offset + self.page]}
        if offset == 0:
            body["totalCount"] = self.announce if self.announce is not None else len(rows)
        if offset + self.page < len(rows):
            body["nextPageToken"] = str(offset + self.page)
        return httpx.Response(200, content=json.dumps(body).encode())


def run(scripted: Scripted, coro_factory):  # type: ignore[no-untyped-def]
    async def go():  # type: ignore[no-untyped-def]
        registry = ClinicalTrialsGov("http://registry.test/api/v2", pause=0, attempts=1)
        async with registry:
            registry.studies.client._http = httpx.AsyncClient(transport=httpx.MockTransport(scripted))  # noqa: SLF001
            return await coro_factory(registry), registry.requests
    return asyncio.run(go())


def test_the_cheaper_listing_wins() -> None:
    assert registry_wide_is_cheaper(800, watched_batches=10, first_page=800)  # one page is all there is
    assert registry_wide_is_cheaper(4_000, watched_batches=10)  # 3 more pages < 10 batches
    assert not registry_wide_is_cheaper(570_000, watched_batches=10)  # 569 more pages: per batch
    assert not registry_wide_is_cheaper(4_000, watched_batches=2)  # 3 more pages > 2 batches
    assert registry_wide_is_cheaper(3_000, watched_batches=2)  # a tie: the stamps, lighter than whole records


def test_the_cost_counts_the_whole_fetches_the_listing_would_still_need() -> None:
    # 3,000 updates that day, 17 of the first 1,000 watched: about 51 moved, one whole fetch after 2 pages
    assert registry_wide_is_cheaper(3_000, watched_batches=10, first_page=1000, watched_on_first_page=17)
    assert not registry_wide_is_cheaper(3_000, watched_batches=2, first_page=1000, watched_on_first_page=17)
    assert registry_wide_is_cheaper(3_000, watched_batches=2, first_page=1000)  # none watched: 2 pages, a tie


def moved_since(since: str, ids: list[str], dates: dict[str, str]):  # type: ignore[no-untyped-def]
    """What a check makes of the registry's "what moved" answer for these watched ids: the stamps
    that moved, and the records that came whole."""
    async def listing(registry: ClinicalTrialsGov) -> list[str]:
        found: list[str] = []
        async for answer in registry.changed_since(since, ids):
            found += moved(answer.stamps, {i: i for i in ids}, dates)
            found += [record.ids[0] for record in answer.records]
        return found
    return listing


def test_a_listing_that_ends_short_of_its_announced_total_is_a_failure() -> None:
    scripted = Scripted([stamp("NCT00000001", "2026-11-21")], announce=3)

    async def listing(registry: ClinicalTrialsGov) -> list:
        return [page async for page in registry.studies.stamps("2026-11-19")]

    with pytest.raises(RegistryUnavailable, match="1 of 3"):
        run(scripted, listing)


def watched(n: int) -> list[str]:
    return [f"NCT{10_000_000 + i}" for i in range(n)]


def test_few_registry_updates_are_listed_registry_wide() -> None:
    ids = watched(1200)  # three batches of ids
    updated = [stamp(ids[5], "2026-11-21"), stamp("NCT09999999", "2026-11-21"), stamp(ids[7], "2026-11-01")]
    scripted = Scripted(updated)
    dates = {i: "2026-11-01" for i in ids}
    found, requests = run(scripted, moved_since("2026-11-19", ids, dates))
    assert found == [ids[5]]  # ids[7]'s date did not move: we already have that version
    assert requests == 1 and all("filter.ids" not in p for p in scripted.asked)


def test_many_registry_updates_switch_to_the_watched_batches_which_bring_records_whole() -> None:
    ids = watched(1200)
    noise = [stamp(f"NCT{20_000_000 + i}", "2026-11-21") for i in range(5000)]
    scripted = Scripted(noise + [stamp(ids[1100], "2026-11-21")])
    found, requests = run(scripted, moved_since("2026-11-19", ids, {i: "2026-11-01" for i in ids}))
    assert found == [ids[1100]]
    assert requests == 1 + 3  # the first registry-wide page told us 5 pages; 3 batches are cheaper
    batches = [p for p in scripted.asked if "filter.ids" in p]
    assert len(batches) == 3 and all(p["fields"] == STUDY_FIELDS for p in batches)  # whole: no fetch after
    assert all(p["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2026-11-19,MAX]" for p in batches)


def hit(nct_id: str) -> dict:
    return {"protocolSection": {"identificationModule": {"nctId": nct_id, "briefTitle": f"Trial {nct_id}"}}}


def test_a_search_pages_to_the_end() -> None:
    scripted = Scripted([hit(f"NCT{30_000_000 + i}") for i in range(5)], page=2)

    async def search(registry: ClinicalTrialsGov) -> list:
        return [hit async for page in registry.search([("condition", "brain")]) for hit in page]

    studies, requests = run(scripted, search)
    assert len(studies) == 5 and requests == 3
    assert all(p["query.cond"] == "brain" and p["countTotal"] == "true" for p in scripted.asked)


def test_a_search_that_ends_short_is_a_failure_not_fewer_matches() -> None:
    scripted = Scripted([hit("NCT30000001")], announce=2)

    async def search(registry: ClinicalTrialsGov) -> list:
        return [page async for page in registry.search([("condition", "brain")])]

    with pytest.raises(RegistryUnavailable, match="search ended after 1 of 2"):
        run(scripted, search)


def test_the_whole_registry_listing_asks_for_whole_records_since_the_cursor() -> None:
    scripted = Scripted([stamp("NCT00000001", "2026-11-21")])

    async def listing(registry: ClinicalTrialsGov) -> list:
        return [total async for _, total in registry.everything("2026-11-19")]

    totals, requests = run(scripted, listing)
    assert totals == [1] and requests == 1
    [asked] = scripted.asked
    assert asked["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2026-11-19,MAX]"
    assert asked["fields"] == STUDY_FIELDS and asked["pageSize"] == "500"


def test_one_batch_of_watched_ids_brings_the_updated_records_whole_in_one_request() -> None:
    ids = watched(3)
    scripted = Scripted([stamp(ids[1], "2026-11-21")])

    async def listing(registry: ClinicalTrialsGov) -> list:
        return [answer async for answer in registry.changed_since("2026-11-19", ids)]

    answers, requests = run(scripted, listing)
    assert requests == 1 and [r.ids for a in answers for r in a.records] == [(ids[1],)]
    assert all(a.stamps == () for a in answers)
    [asked] = scripted.asked
    assert asked["filter.ids"] == "|".join(ids) and asked["filter.advanced"].startswith("AREA[LastUpdatePostDate]")
    assert asked["fields"] == STUDY_FIELDS
