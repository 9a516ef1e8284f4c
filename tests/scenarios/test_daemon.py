"""`trial-monitor run`: checks at start and on schedule, reloads live edits, stops on SIGTERM."""

from __future__ import annotations

import signal
import time

from tests.scenarios.harness import Home, stop, wait_until
from tests.standin.registry import StandInRegistry
from tests.support.receivers import JsonReceiver


def test_daemon_checks_reloads_edits_and_stops_cleanly(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(["NCT06171568"], [hook.url()], interval="2s")
    daemon = home.start("run")
    try:
        assert wait_until(lambda: registry.count("/studies") >= 1), "no check at start"
        assert wait_until(lambda: home.run("health").code == 0, timeout=20)

        # a live edit adding a trial: picked up without a restart, baseline taken at once
        registry.reset_log()
        home.write_watchlist(["NCT06171568", "NCT00973089"], [hook.url()], interval="2s")
        assert wait_until(lambda: "Withdrawn" in home.run("list").out, timeout=20)

        # a bad edit is reported and the last good watchlist stays in force
        home.watchlist.write_text("interval: 2s\ntrials: [NCT123]\n")
        time.sleep(3)
        registry.update("NCT06171568", lambda s: s["protocolSection"]["statusModule"].update(overallStatus="RECRUITING"))
        registry.refresh()
        [message] = hook.wait_for(1, timeout=20)
        assert "Not yet recruiting → Recruiting" in message.message
    finally:
        started = time.monotonic()
        code, output = stop(daemon, signal.SIGTERM)
    assert code == 0, output
    assert time.monotonic() - started < 8
    assert "keeping the last good watchlist" in output
    assert output.count("NCT123") == 1  # reported once, not every 2 s
    assert "Traceback" not in output


def test_sigterm_during_a_hung_check_exits_promptly(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT06171568"], interval="1h")
    registry.fault("hang", path="/version", times=None)
    home.env["MONITOR_HTTP_TIMEOUT"] = "60"
    daemon = home.start("run")
    assert wait_until(lambda: registry.count("/version") >= 1)
    started = time.monotonic()
    code, output = stop(daemon, signal.SIGTERM)
    assert code == 0, output
    assert time.monotonic() - started < 8
    assert "Traceback" not in output
