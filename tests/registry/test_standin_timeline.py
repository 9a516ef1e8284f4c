"""The stand-in under churn, as the registry behaves: every refresh posts other trials' updates with its
day; a change can land at a chosen request; page tokens may or may not outlive a refresh."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from monitor.registry.ctgov.standin.registry import StandInRegistry
from monitor.registry.ctgov.standin.timeline import Cues

SINCE = {"filter.advanced": "AREA[LastUpdatePostDate]RANGE[2026-11-21,MAX]", "fields": "NCTId|LastUpdatePostDate",
         "countTotal": "true", "pageSize": "10"}


@pytest.fixture
def reg() -> Iterator[StandInRegistry]:
    with StandInRegistry.synthetic(500, start_date="2026-10-01", data_timestamp="2026-11-20T09:00:05") as stand_in:
        yield stand_in


def listed(reg: StandInRegistry, params: dict[str, str] = SINCE) -> tuple[int, list[str]]:
    """The listing's totalCount and every id it pages through."""
    ids, token, total = [], None, 0
    with httpx.Client(base_url=reg.base_url) as client:
        while True:
            page = client.get("/studies", params=params | ({"pageToken": token} if token else {})).json()
            total = page.get("totalCount", total)
            ids += [s["protocolSection"]["identificationModule"]["nctId"] for s in page["studies"]]
            if not (token := page.get("nextPageToken")):
                return total, ids


def test_every_refresh_posts_the_churn_with_its_day_among_the_trials_named(reg: StandInRegistry) -> None:
    reg.churn(30, among=range(100, 500))
    assert listed(reg) == (0, [])
    reg.refresh()
    total, ids = listed(reg)
    assert total == 30 and sorted(ids) == sorted(reg.churned) and all(int(i[3:]) >= 10_000_100 for i in ids)
    first = reg.churned
    reg.refresh()  # another day, another 30 (a new draw)
    assert listed(reg)[0] == 60 - len(set(first) & set(reg.churned)) and reg.churned != first
    before = listed(reg)[0]
    reg.churn(0)
    reg.refresh()
    assert reg.churned == [] and listed(reg)[0] == before  # no more churn


def test_churn_needs_a_store_that_can_touch_its_trials() -> None:
    with pytest.raises(TypeError, match="synthetic"):
        StandInRegistry().churn(3)


def test_a_change_lands_just_before_the_nth_matching_request(reg: StandInRegistry) -> None:
    reg.churn(30, among=range(100, 500))
    reg.refresh()
    old = set(reg.churned)
    landed: list[str] = []
    reg.at_request(2, lambda: landed.append(reg.refresh()))
    total, ids = listed(reg)
    assert landed == ["2026-11-22T09:00:05"] and total == 30  # the first page counted the old data
    # the later pages come from the new data (no token refused): the new postings only add to the listing,
    # so what the old data held is all there, some of it twice
    assert old <= set(ids) and len(ids) > 30


def test_tokens_may_expire_with_a_refresh(reg: StandInRegistry) -> None:
    reg.churn(30, among=range(100, 500))
    reg.refresh()
    reg.expire_tokens = True
    reg.at_request(2, reg.refresh)
    with httpx.Client(base_url=reg.base_url) as client:
        first = client.get("/studies", params=SINCE).json()
        second = client.get("/studies", params=SINCE | {"pageToken": first["nextPageToken"]})
    assert second.status_code == 400 and "pageToken" in second.text


def test_cues_count_only_their_path_and_fire_once() -> None:
    fired: list[int] = []
    cues = Cues()
    cues.add(2, lambda: fired.append(2), "/studies")
    cues.add(1, lambda: fired.append(1), "/version")
    assert cues.due("/api/v2/studies") == [] and fired == []
    for action in cues.due("/api/v2/version") + cues.due("/api/v2/studies"):
        action()
    assert fired == [1, 2] and cues.due("/api/v2/studies") == [] and cues.pending == []
    with pytest.raises(ValueError):
        cues.add(0, lambda: None, "/studies")
