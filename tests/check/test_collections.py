"""The cyclic collector around a check (``check.fewer_collections``): garbage in cycles left when a check
starts is collected, not frozen with the heap and then kept in the oldest generation for good (issue 15
§1: ``gc.freeze`` resets the collector's counts and ``gc.unfreeze`` hands what it froze to the oldest
generation, so a daemon on a 1 s schedule kept every check's leftover cycles and grew without end)."""

from __future__ import annotations

import asyncio
import gc
import time
import weakref
from collections.abc import Iterator

import pytest

import monitor.check
from monitor.check import fewer_collections


class Cycle:
    """A container that refers to itself: only the cyclic collector frees it (like deepdiff's trees)."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def no_automatic_passes() -> Iterator[None]:
    """Only the passes ``fewer_collections`` makes itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


async def checks(count: int) -> None:
    for _ in range(count):
        async with fewer_collections():
            await asyncio.sleep(0)


@pytest.mark.usefixtures("no_automatic_passes")
def test_cycles_left_in_the_young_generations_are_collected_when_a_check_starts() -> None:
    survivor = Cycle()
    gc.collect(0)  # alive at a pass of the youngest generation: now in the middle one ...
    older = weakref.ref(survivor)
    del survivor  # ... then garbage, as a page's decisions are after the pass that moved them
    young = weakref.ref(Cycle())  # garbage in the youngest generation

    asyncio.run(checks(3))

    assert young() is None
    assert older() is None


@pytest.mark.usefixtures("no_automatic_passes")
def test_many_checks_keep_no_garbage_between_them() -> None:
    async def leaving_cycles(count: int) -> list[weakref.ref[Cycle]]:
        left = []
        for _ in range(count):
            async with fewer_collections():
                left.append(weakref.ref(Cycle()))  # what one check leaves behind, in a cycle
        return left

    left = asyncio.run(leaving_cycles(200))

    assert sum(ref() is not None for ref in left) <= 1  # the last check's, until the next one starts


@pytest.mark.usefixtures("no_automatic_passes")
def test_cycles_in_the_oldest_generation_wait_for_a_full_pass_every_few_minutes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    kept = Cycle()
    gc.collect()  # alive at a full pass: now in the oldest generation ...
    oldest = weakref.ref(kept)
    del kept  # ... then garbage, as what a check started with (a task, a lock's answer) becomes later
    monkeypatch.setattr(monitor.check._passes, "last_full", time.monotonic())  # a full pass just made

    asyncio.run(checks(2))
    assert oldest() is not None  # a young pass before every check leaves the oldest generation alone

    monkeypatch.setattr(monitor.check._passes, "last_full", time.monotonic() - monitor.check.FULL_PASS_EVERY)
    asyncio.run(checks(2))
    assert oldest() is None
    assert monitor.check._passes.last_full > time.monotonic() - 60  # and the next one is minutes away
