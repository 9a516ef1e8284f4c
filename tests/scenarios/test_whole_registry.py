"""`trials: all`: every record in the registry, at a cost set by what the registry changed."""

from __future__ import annotations

import time

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.scenarios.test_searches import register
from tests.support.receivers import JsonReceiver


def watch_everything(home: Home, hook: JsonReceiver) -> None:
    home.watchlist.write_text(f"interval: 6h\nrequest_pause: 0s\nnotify:\n  - {hook.url()}\ntrials: all\n")


def test_the_whole_registry_baseline_then_changes_only(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    watch_everything(home, hook)
    registry.reset_log()
    first = home.run("check")
    assert first.code == 0, first.text
    assert registry.count() == 2  # /version, and the whole registry in one page
    assert f"{len(registry.ids())} baseline" in first.out
    assert f"Watching every record in the registry (trials: all): {len(registry.ids())} known" in home.run("list").out

    registry.reset_log()
    assert home.run("check").code == 0 and registry.count() == 1  # no refresh: /version only

    sponsor_edit(registry, "NCT02513394", lambda s: s["protocolSection"]["statusModule"].update(
        overallStatus="COMPLETED"))
    register(registry, "NCT02210780", "NCT09990002", "A newly registered trial")
    registry.refresh()
    registry.reset_log()
    result = home.run("check")
    assert result.code == 0, result.text
    assert registry.count() == 2  # /version, and the records updated since the cursor
    assert "NCT02513394 changed" in result.out and "1 baseline" in result.out, result.text
    [message] = hook.wait_for(1)
    assert "NCT02513394" in message.title and "Completed" in message.message
    time.sleep(0.3)
    assert len(hook.messages) == 1  # a newly registered record gets its baseline silently


def test_a_re_registered_record_is_followed_under_its_new_id(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    watch_everything(home, hook)
    assert home.run("check").code == 0
    registry.alias("NCT05594173", "NCT09990003")
    sponsor_edit(registry, "NCT09990003", lambda s: None)
    registry.refresh()
    result = home.run("check")
    assert result.code == 0 and "NCT05594173 changed" in result.out, result.text
    [message] = hook.wait_for(1)
    assert "Now registered as NCT09990003" in message.message


def test_a_failed_baseline_is_taken_again_whole(home: Home, registry: StandInRegistry) -> None:
    home.watchlist.write_text("request_pause: 0s\ntrials: all\n")
    home.env["MONITOR_RETRY_ATTEMPTS"] = "1"
    registry.fault("truncate", path="/studies", times=None)
    assert home.run("check").code == 1
    registry.clear_faults()
    result = home.run("check")
    assert result.code == 0 and f"{len(registry.ids())} baseline" in result.out, result.text


def test_add_and_remove_refuse_when_everything_is_watched(home: Home) -> None:
    home.watchlist.write_text("trials: all\n")
    result = home.run("add", "NCT06764329")
    assert result.code == 2 and "trials: all" in result.err and len(result.err.strip().splitlines()) == 1


def test_an_opt_in_sweep_notices_a_record_deleted_from_the_registry(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.watchlist.write_text(f"request_pause: 0s\nsweep: 1d\nnotify:\n  - {hook.url()}\ntrials: all\n")
    home.env["MONITOR_NOW"] = "2026-11-20T10:00:00Z"
    assert home.run("check").code == 0
    registry.remove("NCT03064438")
    registry.refresh()
    home.env["MONITOR_NOW"] = "2026-11-21T11:00:00Z"  # a day on: every record is due for its sweep
    registry.reset_log()
    result = home.run("check")
    assert result.code == 0 and "NCT03064438 is not known to the registry" in result.out, result.text
    assert registry.count() == 3  # /version, the (empty) updated listing, and the sweep by id
    [message] = hook.wait_for(1)
    assert "NCT03064438" in message.title
