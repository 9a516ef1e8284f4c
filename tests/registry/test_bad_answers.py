"""A misbehaving registry's answers (issue 15 §3), served for real by the stand-in on loopback and read by
the real client (``JsonClient`` under ``StudiesApi``): each ends in a bound, in one line naming the registry."""

from __future__ import annotations

import asyncio
import logging
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import pytest

from monitor.registry.base import RegistryUnavailable
from monitor.registry.ctgov.api import MAX_EMPTY_REPEATS, StudiesApi
from monitor.registry.ctgov.standin.registry import StandInRegistry
from monitor.registry.http import AnswerLimits, JsonClient
from monitor.registry.pacing import TokenBucket
from monitor.settings import Settings, SettingsError

T = TypeVar("T")
LISTING = {"fields": "NCTId|LastUpdatePostDate", "pageSize": "5", "countTotal": "true"}
MiB = 2**20


def ask(registry: StandInRegistry, work: Callable[[StudiesApi], Awaitable[T]], *, attempts: int = 1,
        limits: AnswerLimits | None = None, timeout: float = 5.0) -> tuple[T, int]:
    """``work`` done by a real client of the stand-in; (its result, the requests the client sent)."""
    async def go() -> tuple[T, int]:
        client = JsonClient(registry.base_url, bucket=TokenBucket(rate=0), timeout=timeout, attempts=attempts,
                            budget=30, limits=limits or AnswerLimits())
        async with client:
            return await work(StudiesApi(client)), client.requests
    return asyncio.run(go())


def refused(registry: StandInRegistry, work: Callable[[StudiesApi], Awaitable[Any]], **options: Any) -> str:
    with pytest.raises(RegistryUnavailable) as caught:
        ask(registry, work, **options)
    message = str(caught.value)
    assert registry.base_url in message and "\n" not in message, message
    return message


async def listed(api: StudiesApi, params: dict[str, str] = LISTING) -> list[tuple[list[str], int | None]]:
    return [([s["protocolSection"]["identificationModule"]["nctId"] for s in page], total)
            async for page, total in api.complete(params, "listing")]


async def fetched(api: StudiesApi, ids: tuple[str, ...] = ("NCT02513394", "NCT04207047")) -> list[list[dict]]:
    pages: AsyncIterator[list[dict]] = api.by_id(list(ids))
    return [page async for page in pages]


def test_a_healthy_listing_pages_through(registry: StandInRegistry) -> None:
    pages, requests = ask(registry, listed)
    assert [len(ids) for ids, _ in pages] == [5, 5, 4] and pages[0][1] == 14
    assert requests == registry.count("/studies") == 3


def test_a_next_page_token_that_repeats_forever_ends_the_listing_at_once(registry: StandInRegistry) -> None:
    registry.fault("endless_token", path="/studies", times=None)
    message = refused(registry, listed)
    assert "sent a nextPageToken of /studies again after page 2: its listing would never end" in message
    assert registry.count("/studies") == 2  # page 1, then page 1 again under its token: no third ask
    registry.reset_log()
    message = refused(registry, fetched)  # a fetch by id too
    assert "again after page 2" in message and registry.count("/studies") == 2


def test_an_empty_page_handing_back_its_own_token_is_followed_a_few_times_only(registry: StandInRegistry) -> None:
    registry.fault("empty_page", times=2)  # a hiccup: followed
    pages, _ = ask(registry, listed)
    assert sum(len(ids) for ids, _ in pages) == 14
    registry.clear_faults()
    registry.reset_log()
    registry.fault("empty_page", times=None)  # forever: not
    assert "would never end" in refused(registry, listed)
    assert registry.count("/studies") == MAX_EMPTY_REPEATS + 2


def test_a_trial_listed_twice_on_a_page_is_kept_once(registry: StandInRegistry,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    registry.fault("twice", path="/studies", times=None)
    with caplog.at_level(logging.WARNING, logger="monitor.registry"):
        pages, requests = ask(registry, listed)
    ids = [i for page, _ in pages for i in page]
    assert len(ids) == len(set(ids)) == 14 and requests == 3
    [first, *_] = registry.ids()
    warned = [r.getMessage() for r in caplog.records if "twice" in r.getMessage()]
    assert warned[0] == f"the registry at {registry.base_url} listed {first} twice on page 1 of /studies: kept the first"
    assert len(warned) == 3
    registry.clear_faults()
    registry.fault("twice", path="/studies")
    [page], _ = ask(registry, fetched)
    assert [s["protocolSection"]["identificationModule"]["nctId"] for s in page] == ["NCT02513394", "NCT04207047"]


def test_a_total_count_that_changes_between_pages_fails_the_listing(registry: StandInRegistry) -> None:
    registry.fault("total_drift", path="/studies", times=None, drift=3)
    message = refused(registry, listed)
    assert "its listing announced 14 records, then 17 after 5 (it changed while being listed)" in message
    assert registry.count("/studies") == 2


def test_a_total_count_repeated_unchanged_on_every_page_is_fine(registry: StandInRegistry) -> None:
    registry.fault("total_drift", path="/studies", times=None, drift=0)
    pages, requests = ask(registry, listed)
    assert sum(len(ids) for ids, _ in pages) == 14 and requests == 3


def test_a_body_of_invalid_utf8_is_unreadable_never_patched(registry: StandInRegistry) -> None:
    registry.fault("bad_utf8", path="/studies", times=None)
    message = refused(registry, fetched, attempts=2)
    assert "did not answer /studies (2 tries): an answer that is not valid UTF-8 (at byte" in message
    assert registry.count("/studies") == 2
    registry.fault("bad_utf8", path="/version")
    assert "not valid UTF-8" in refused(registry, lambda api: api.data_timestamp())


def test_a_1_gib_body_is_refused_after_reading_at_most_the_limit(registry: StandInRegistry) -> None:
    registry.fault("huge", path="/studies")  # 1 GiB, chunked: no Content-Length to go by
    tracemalloc.start()
    try:
        message = refused(registry, fetched, attempts=3, limits=AnswerLimits(max_bytes=8 * MiB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "is larger than 8 MiB (MONITOR_MAX_ANSWER_MB): refused after reading" in message
    read = float(message.rsplit("after reading ", 1)[1].split(" MiB")[0])
    assert 7 < read <= 8
    assert registry.count("/studies") == 1  # never retried: it would only be read again
    assert peak < 64 * MiB  # neither the stand-in nor the client held the gigabyte (both are in this process)
    [request] = registry.requests
    assert request.size < 128 * MiB  # what was sent before the client hung up (its buffers included)


def test_a_1_gib_body_announced_by_its_length_is_refused_unread(registry: StandInRegistry) -> None:
    registry.fault("huge_declared", path="/studies")
    message = refused(registry, fetched, limits=AnswerLimits(max_bytes=8 * MiB))
    assert "larger than 8 MiB (MONITOR_MAX_ANSWER_MB): refused unread (it announced 1,024 MiB)" in message
    assert registry.count("/studies") == 1


def test_an_answer_under_the_limit_is_read_whole(registry: StandInRegistry) -> None:
    registry.fault("huge", path="/studies", size=3 * MiB)  # 3 MiB of listing, not JSON at its cut
    message = refused(registry, fetched, limits=AnswerLimits(max_bytes=8 * MiB))
    assert "unreadable" in message  # read whole, then found not to be JSON: the limit did not refuse it
    assert registry.requests[0].size == 3 * MiB


def test_a_body_that_trickles_is_cut_at_the_deadline(registry: StandInRegistry) -> None:
    registry.fault("trickle", path="/studies", times=None)  # one byte a second, forever (for the client)
    message = refused(registry, fetched, attempts=2, limits=AnswerLimits(deadline=1.5), timeout=5)
    assert ("did not answer /studies (2 tries): the answer took longer than 1.5 s to arrive whole "
            "(MONITOR_ANSWER_DEADLINE)") in message
    assert registry.count("/studies") == 2
    assert all(r.size <= 3 for r in registry.requests)  # a byte a second: it never got far


def test_the_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert AnswerLimits.from_env({}) == AnswerLimits(256 * MiB, 300.0)
    assert AnswerLimits.from_env({"MONITOR_MAX_ANSWER_MB": "0.5", "MONITOR_ANSWER_DEADLINE": "2"}) == \
        AnswerLimits(MiB // 2, 2.0)
    assert AnswerLimits.from_env({"MONITOR_MAX_ANSWER_MB": "lots", "MONITOR_ANSWER_DEADLINE": "-1"}) == AnswerLimits()
    monkeypatch.setenv("MONITOR_MAX_ANSWER_MB", "16")
    assert JsonClient("http://127.0.0.1:9", bucket=TokenBucket(rate=0)).limits.max_bytes == 16 * MiB
    base = {"MONITOR_CTGOV_URL": "http://127.0.0.1:9/api/v2"}
    settings = Settings.from_env(base | {"MONITOR_MAX_ANSWER_MB": "64", "MONITOR_ANSWER_DEADLINE": "30"})
    assert (settings.max_answer_mb, settings.answer_deadline) == (64.0, 30.0)
    for name, raw in (("MONITOR_MAX_ANSWER_MB", "0"), ("MONITOR_ANSWER_DEADLINE", "soon"),
                      ("MONITOR_MAX_ANSWER_MB", "inf"), ("MONITOR_ANSWER_DEADLINE", "nan")):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env(base | {name: raw})


def test_a_page_s_records_are_held_by_the_page_alone(registry: StandInRegistry) -> None:
    """What makes a page of whole records let go of each one as it is read (``record.read_page``): nothing
    but the yielded page holds them (a parsed answer kept alive across the yield held a whole registry
    baseline's page twice over: 264 → 351 MiB at 20,000 records, bench/README.md)."""
    import sys

    async def first_record_holders(api: StudiesApi) -> int:
        async for page, _ in api.complete(LISTING, "listing"):
            study = page[0]
            page.clear()  # as read_page does, once it has read a record
            return sys.getrefcount(study) - 2  # neither this frame's name nor getrefcount's own argument
        return -1

    holders, _ = ask(registry, first_record_holders)
    assert holders == 0
