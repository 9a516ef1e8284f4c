"""The cursor under churn, end to end against the stand-in: a synthetic registry whose every refresh
also posts updates of other trials, as the real one posts a few thousand a day.

The request counts are issue 14's targets at N = 5,000 with 3,000 updates a refresh day and pages
of 1,000, scaled down by 100 with the same arithmetic: 50 watched trials, 30 updates a refresh day,
pages of 10 and batches of 5 ids (the check runs with those two constants of the adapter patched).
The N = 50 target runs unscaled. A refresh that lands while a check pages, and checks that fail half
way, still lead to one alert per change.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from monitor.registry.ctgov.standin.edits import status_module
from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, Result
from tests.support.receivers import JsonReceiver

SCALED = r"""
import os, runpy, sys
from monitor.registry.ctgov import api
api.PAGE_SIZE, api.MAX_IDS_PER_REQUEST = int(os.environ["SCALE_PAGE_SIZE"]), int(os.environ["SCALE_IDS"])
sys.argv = ["trial-monitor", *sys.argv[1:]]
runpy.run_module("monitor", run_name="__main__", alter_sys=True)
"""
N, CHURN, PAGE, IDS = 50, 30, 10, 5  # issue 14's 5,000 / 3,000 / 1,000 / 500, divided by 100
SIZE = 1_000  # the synthetic registry: the first N trials watched, the others churn
WATCHED = [f"NCT{10_000_000 + i}" for i in range(N)]


@pytest.fixture
def registry() -> Iterator[StandInRegistry]:
    """Overrides the fixture registry: SIZE synthetic trials, last updated before 2026-10-02."""
    with StandInRegistry.synthetic(SIZE, start_date="2026-10-01", data_timestamp="2026-11-20T09:00:05") as reg:
        reg.churn(CHURN, among=range(N, SIZE))
        yield reg


def check(home: Home, registry: StandInRegistry, *, scaled: bool = True) -> tuple[Result, int]:
    """One ``trial-monitor check`` (with the adapter's page and batch sizes scaled down), and the
    requests the registry received for it."""
    registry.reset_log()
    command = [sys.executable, "-c", SCALED, "check"] if scaled else [sys.executable, "-m", "monitor", "check"]
    env = home.env | {"SCALE_PAGE_SIZE": str(PAGE), "SCALE_IDS": str(IDS), "MONITOR_RETRY_ATTEMPTS": "1"}
    done = subprocess.run(command, cwd=home.folder, env=env, capture_output=True, text=True, timeout=120)
    result = Result(done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in result.text, result.text
    return result, registry.count()


def watch(home: Home, hook: JsonReceiver, trials: list[str] = WATCHED) -> None:
    home.write_watchlist(trials, [hook.url()], extra="expectations: off\n")


def stopped(reason: str) -> Callable[[dict[str, Any]], None]:
    """A sponsor's edit: the record says why the trial stopped (a line of its own in the alert)."""
    return lambda study: status_module(study).__setitem__("whyStopped", reason)


def told(hook: JsonReceiver, marker: str) -> int:
    """How many messages told of ``marker``."""
    return sum(marker in f"{m.title}\n{m.message}" for m in hook.messages)


def test_refreshed_checks_under_churn_cost_the_floor(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    watch(home, hook)
    result, _ = check(home, registry)
    assert result.code == 0, result.text
    registry.refresh()  # 30 other trials updated; the day of the baseline had none
    result, requests = check(home, registry)
    assert "none of the watched trials was updated since 2026-11-21" in result.out, result.text
    assert requests == 1 + CHURN // PAGE  # /version, then that day's 30 updates registry-wide: 4
    registry.refresh()  # the steady state: the day before had its 30 too, and is not listed again
    result, requests = check(home, registry)
    assert "since 2026-11-22" in result.out and requests == 1 + CHURN // PAGE, result.text
    registry.churn(CHURN - IDS, among=range(N, SIZE))  # 30 updates that day, of which 5 watched
    changed = WATCHED[10:10 + IDS]
    registry.revise({i: stopped(f"marker {i}") for i in changed})
    result, requests = check(home, registry)
    assert result.code == 0 and f"{IDS} changed" in result.out, result.text
    assert requests == 1 + CHURN // PAGE + 1  # and one request brings the 5 whole: 5
    hook.wait_for(IDS)
    assert [told(hook, f"marker {i}") for i in changed] == [1] * IDS


@pytest.mark.sqlite_only
def test_a_short_watchlist_lists_its_one_batch_whole_whatever_the_churn(hook: JsonReceiver, tmp_path: Any) -> None:
    size, churn = 3_100, 3_000  # unscaled: N = 50 in a registry posting 3,000 other updates a day
    with StandInRegistry.synthetic(size, start_date="2026-10-01", data_timestamp="2026-11-20T09:00:05") as reg:
        reg.churn(churn, among=range(N, size))
        home = Home(tmp_path, reg.base_url)
        watch(home, hook)
        assert check(home, reg, scaled=False)[0].code == 0
        reg.refresh()
        reg.churn(churn - 1, among=range(N, size))
        reg.revise({WATCHED[7]: stopped("marker one")})
        result, requests = check(home, reg, scaled=False)
    assert result.code == 0 and "1 changed" in result.out, result.text
    assert requests == 2  # /version, then the one batch's updated records, whole
    [message] = hook.wait_for(1)
    assert "marker one" in message.message


@pytest.mark.parametrize("tokens", ["kept", "expire"])
def test_a_refresh_landing_while_a_check_pages_is_told_once_per_change(
    home: Home, registry: StandInRegistry, hook: JsonReceiver, tokens: str
) -> None:
    watch(home, hook)
    assert check(home, registry)[0].code == 0
    registry.expire_tokens = tokens == "expire"
    a, b, c = WATCHED[3], WATCHED[25], WATCHED[44]
    registry.revise({a: stopped("marker A1"), b: stopped("marker B")})
    landed: list[str] = []

    def refresh_lands() -> None:  # the next day's refresh, as the check asks for its listing's 2nd page
        landed.append(registry.revise({a: lambda s: status_module(s).__setitem__("overallStatus", "SUSPENDED"),
                                       c: stopped("marker C")}))

    registry.at_request(2, refresh_lands)
    first, _ = check(home, registry)
    assert landed == ["2026-11-22T09:00:05"]
    if tokens == "expire":  # its next page refused (HTTP 400): a failed check, listed again from the same cursor
        assert first.code == 1 and "pageToken" in first.out, first.text
    else:  # the pages after the refresh come from the new data: it checked the data its gate read
        assert first.code == 0 and "registry data of 2026-11-21T09:00:05" in first.out, first.text
    second, _ = check(home, registry)
    assert second.code == 0, second.text
    assert [told(hook, m) for m in ("marker A1", "marker B", "marker C", "→ Suspended")] == [1, 1, 1, 1]


def test_a_check_failing_on_its_listings_second_page_leads_to_one_alert_per_change(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    watch(home, hook)
    assert check(home, registry)[0].code == 0
    registry.revise({WATCHED[1]: stopped("marker 1"), WATCHED[30]: stopped("marker 30")})
    registry.at_request(2, lambda: registry.fault("status", status=503))
    failed, _ = check(home, registry)
    assert failed.code == 1 and "503" in failed.out, failed.text
    registry.clear_faults()
    registry.revise({WATCHED[2]: stopped("marker 2")})  # the next day: the failed day is listed again
    result, _ = check(home, registry)
    assert result.code == 0 and "3 changed" in result.out, result.text
    assert [told(hook, f"marker {i}") for i in (1, 2, 30)] == [1, 1, 1]


def test_a_check_failing_half_way_through_its_whole_fetches_leads_to_one_alert_per_change(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    watch(home, hook)
    assert check(home, registry)[0].code == 0
    changed = WATCHED[20:20 + 2 * IDS]  # 10 watched of that day's 30 updates: two whole fetches of 5
    registry.churn(CHURN - len(changed), among=range(N, SIZE))
    registry.revise({i: stopped(f"marker {i}") for i in changed})
    registry.at_request(CHURN // PAGE + 2, lambda: registry.fault("status", status=503))  # the 2nd fetch
    failed, requests = check(home, registry)
    assert failed.code == 1 and requests == 1 + CHURN // PAGE + 2, failed.text
    assert len(hook.wait_for(IDS)) == IDS  # the first fetch's five were stored, and told
    registry.clear_faults()
    result, _ = check(home, registry)  # no refresh since: the same data, listed again from the same cursor
    assert result.code == 0 and f"{IDS} changed" in result.out, result.text
    hook.wait_for(2 * IDS)
    assert [told(hook, f"marker {i}") for i in changed] == [1] * len(changed)
