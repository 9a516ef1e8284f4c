"""History backfill (`backfill: true`): the registry's version history, politely, and degrading gracefully."""

from __future__ import annotations

import copy
import json

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.support.receivers import JsonReceiver
from tests.support.records import fixture_histories

RECORDED = "NCT03690141"  # the recorded ?history=true answer: 10 versions, never suspended
HISTORY_PATH = "/api/int/studies/"


def _watch(home: Home, trials: list[str], notify: list[str] = (), backfill: bool = True) -> None:  # type: ignore[assignment]
    home.write_watchlist(trials, notify, extra=f"backfill: {'true' if backfill else 'false'}\n")


def _history_requests(registry: StandInRegistry) -> list[str]:
    return [r.path for r in registry.requests if r.path.startswith(HISTORY_PATH)]


def _recorded_trial(registry: StandInRegistry) -> dict:
    """The recorded trial, served by the stand-in as its current record (the one inside the history answer)."""
    study = copy.deepcopy(fixture_histories()[RECORDED]["study"])
    registry.put(study)
    return study


def test_first_watched_trials_are_backfilled_once_in_one_request_each(home: Home, registry: StandInRegistry) -> None:
    _recorded_trial(registry)
    _watch(home, [RECORDED, "NCT06171568"])
    first = home.run("check")
    assert first.code == 0, first.text
    assert "2 baseline" in first.out
    assert _history_requests(registry) == [f"{HISTORY_PATH}{RECORDED}", f"{HISTORY_PATH}NCT06171568"]
    assert [r.params.get("history") for r in registry.requests if r.path.startswith(HISTORY_PATH)] == ["true", "true"]
    assert "(4 requests)" in first.out  # /version, the records, and one history request per trial

    events = json.loads(home.run("history", RECORDED, "--format", "json").out)
    from_registry = [e for e in events if e["source"] == "registry history"]
    assert [(e["date"], e["text"]) for e in from_registry] == [
        ("2020-04-27", "Overall status: Active, not recruiting → Completed (registry history, version 9)"),
        ("2019-07-16", "Overall status: Recruiting → Active, not recruiting (registry history, version 7)"),
        ("2018-10-16", "Overall status: Not yet recruiting → Recruiting (registry history, version 1)"),
        ("2018-09-27", "First posted on ClinicalTrials.gov: Not yet recruiting (registry history, version 0)"),
    ]
    assert from_registry[0]["level"] == "high"

    registry.refresh()
    registry.reset_log()
    assert home.run("check").code == 0
    assert _history_requests(registry) == []  # done once; a 404 (NCT06171568 has none) is not asked again


def test_backfill_is_off_by_default_and_at_most_three_per_check(home: Home, registry: StandInRegistry) -> None:
    trials = ["NCT00763412", "NCT00973089", "NCT02210780", "NCT03418623", "NCT04207047"]
    _watch(home, trials, backfill=False)
    assert home.run("check").code == 0
    assert _history_requests(registry) == []
    _watch(home, trials)
    registry.refresh()
    assert home.run("check").code == 0
    assert len(_history_requests(registry)) == 3
    registry.reset_log()
    assert "No registry refresh" in home.run("check").out  # a quiet check stays one request
    assert registry.count() == 1
    registry.refresh()
    assert home.run("check").code == 0
    assert len(_history_requests(registry)) == 2


def test_a_failing_history_endpoint_is_said_once_and_the_check_goes_on(home: Home, registry: StandInRegistry) -> None:
    _recorded_trial(registry)
    _watch(home, [RECORDED, "NCT06171568"])
    home.env["MONITOR_NOW"] = "2026-11-20T10:00:00Z"
    registry.fault("status", path=HISTORY_PATH, status=503, times=None)
    result = home.run("check")
    assert result.code == 0, result.text
    assert "2 baseline" in result.out
    said = [line for line in result.err.splitlines() if "no version history" in line]
    assert len(said) == 1 and RECORDED in said[0] and "asked again in 1 day" in said[0], result.err
    assert len(_history_requests(registry)) == 2  # one request, retried once; the other trial waits

    registry.refresh()
    registry.reset_log()
    home.env["MONITOR_NOW"] = "2026-11-20T16:00:00Z"
    assert home.run("check").code == 0
    assert _history_requests(registry) == [f"{HISTORY_PATH}NCT06171568"] * 2  # the failed one waits a day

    registry.clear_faults()
    registry.refresh()
    registry.reset_log()
    home.env["MONITOR_NOW"] = "2026-11-21T11:00:00Z"
    again = home.run("check")
    assert again.code == 0 and "no version history" not in again.err, again.text
    assert _history_requests(registry) == [f"{HISTORY_PATH}{RECORDED}"]
    assert "registry history, version 9" in home.run("history", RECORDED).out


def test_a_status_change_says_the_trial_was_suspended_before(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    # The recorded answer, with versions 3 and 4 edited into a suspension (its real history has none).
    edited = copy.deepcopy(fixture_histories()[RECORDED])
    for change in edited["history"]["changes"]:
        if change["version"] in (3, 4):
            change["status"] = "SUSPENDED"
    study = _recorded_trial(registry)
    registry.set_history(RECORDED, edited)
    study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    registry.put(study)
    _watch(home, [RECORDED], [hook.url()])
    assert home.run("check").code == 0

    def suspend(record: dict) -> None:
        record["protocolSection"]["statusModule"]["overallStatus"] = "SUSPENDED"

    sponsor_edit(registry, RECORDED, suspend)
    registry.refresh()
    result = home.run("check")
    assert result.code == 0, result.text
    [message] = hook.wait_for(1)
    assert "Overall status: Recruiting → Suspended (was suspended once before, on 2018-11-16)" in message.message


def test_a_bad_backfill_value_is_one_line_with_its_line_number(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT06171568"], extra="backfill: maybe\n")
    result = home.run("check")
    assert result.code == 2, result.text
    assert result.err.strip().endswith("watchlist.yaml:7: backfill must be true or false, not 'maybe'"), result.err
    assert registry.count() == 0
