"""The registry fault matrix: each fault against the stand-in, through the real CLI."""

from __future__ import annotations

import time

import pytest

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.support.receivers import JsonReceiver

TRIALS = ["NCT06171568", "NCT00973089", "NCT04207047"]


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("status", {"status": 500}),
        ("status", {"status": 502}),
        ("status", {"status": 503}),
        ("status", {"status": 429}),  # without Retry-After: our own backoff
        ("reset", {}),
        ("truncate", {}),
        ("garbage", {}),
        ("hang", {}),  # timed out and retried
    ],
    ids=["500", "502", "503", "429", "reset", "truncate", "garbage", "hang"],
)
def test_transient_faults_are_retried_within_one_check(
    home: Home, registry: StandInRegistry, kind: str, options: dict
) -> None:
    home.write_watchlist(TRIALS)
    home.env.update(MONITOR_HTTP_TIMEOUT="1")
    registry.fault(kind, path="/studies", times=2, **options)
    result = home.run("check")
    assert result.code == 0, result.text
    assert "3 baseline" in result.out
    assert registry.count("/studies") == 3


def test_a_registry_that_never_answers_ends_the_check_in_bounded_time(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(TRIALS)
    home.env.update(MONITOR_HTTP_TIMEOUT="1", MONITOR_RETRY_BUDGET="6")
    registry.fault("hang", path="/version", times=None)
    started = time.monotonic()
    result = home.run("check")
    assert result.code == 1 and "no answer in time" in result.out, result.text
    assert time.monotonic() - started < 15
    assert 2 <= registry.count("/version") <= 5


def test_garbage_that_never_ends_is_a_failed_check(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(TRIALS)
    home.env.update(MONITOR_RETRY_ATTEMPTS="2")
    registry.fault("garbage", path="/studies", times=None)
    result = home.run("check")
    assert result.code == 1 and "unreadable" in result.out, result.text
    assert "never" not in home.run("list").out  # nothing recorded
    assert "awaiting its first check" in home.run("list").out


def test_an_empty_page_in_the_middle_is_followed(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(TRIALS)
    registry.fault("empty_page", path="/studies", times=1)
    result = home.run("check")
    assert result.code == 0 and "3 baseline" in result.out, result.text
    assert registry.count("/studies") == 2


def test_a_record_of_an_unseen_shape_is_reported_and_skipped(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(TRIALS, [hook.url()])
    assert home.run("check").code == 0

    def odd_and_recruiting(study: dict) -> None:
        study["protocolSection"]["statusModule"]["overallStatus"] = 42

    sponsor_edit(registry, "NCT00973089", odd_and_recruiting)
    sponsor_edit(registry, "NCT06171568", lambda s: s["protocolSection"]["statusModule"].update(overallStatus="RECRUITING"))
    registry.refresh()
    result = home.run("check")
    assert result.code == 0, result.text
    assert "NCT00973089 skipped" in result.out
    [message] = hook.wait_for(1)
    assert "NCT06171568" in message.title
    # the odd record changed nothing: once it is readable again, no false change
    sponsor_edit(registry, "NCT00973089", lambda s: s["protocolSection"]["statusModule"].update(overallStatus="WITHDRAWN"))
    registry.refresh()
    again = home.run("check")
    assert again.code == 0 and "skipped" not in again.out
    time.sleep(0.3)
    assert len(hook.messages) == 1


def test_a_trial_re_registered_under_a_new_id_is_followed_not_lost(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(TRIALS, [hook.url()])
    assert home.run("check").code == 0
    registry.alias("NCT06171568", "NCT07000001")
    sponsor_edit(registry, "NCT07000001", lambda study: None)  # a re-registration is posted like any edit
    registry.refresh()
    result = home.run("check")
    assert result.code == 0 and "not known" not in result.out, result.text
    [message] = hook.wait_for(1)
    assert "Now registered as NCT07000001" in message.message
    assert "NCT07000001" in home.run("list").out
    registry.refresh()
    assert home.run("check").code == 0
    time.sleep(0.3)
    assert len(hook.messages) == 1


def test_a_trial_that_disappears_is_reported_once_and_its_return_once(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    # A deleted record never shows in "updated since" listings: the sweep (re-fetching records
    # whole, by id) is what notices it. `sweep: 1s` makes every refreshed check sweep everything.
    home.write_watchlist(TRIALS, [hook.url()], extra="sweep: 1s\n")
    assert home.run("check").code == 0
    kept = registry.get("NCT04207047")
    registry.remove("NCT04207047")
    for _ in range(2):
        registry.refresh()
        assert home.run("check").code == 0
    [gone] = hook.wait_for(1)
    assert "NCT04207047" in gone.title
    registry.put(kept)
    registry.refresh()
    assert home.run("check").code == 0
    back = hook.wait_for(2)[1]
    assert "Found in the registry again" in back.message
    time.sleep(0.3)
    assert len(hook.messages) == 2
