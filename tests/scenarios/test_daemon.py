"""`trial-monitor run`: checks at start and on schedule, reloads live edits, stops on SIGTERM."""

from __future__ import annotations

import signal
import time

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, free_port, sponsor_edit, stop, wait_until
from tests.support.receivers import JsonReceiver


def test_daemon_checks_reloads_edits_and_stops_cleanly(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(["NCT06171568"], [hook.url()], interval="2s")
    daemon = home.start("run")
    try:
        assert wait_until(lambda: registry.count("/studies") >= 1), "no check at start"
        assert wait_until(lambda: home.run("health").code == 0, timeout=20)

        # a live edit adding a trial (and listing it twice): picked up without a restart, baseline taken at once
        registry.reset_log()
        home.write_watchlist(["NCT06171568", "NCT00973089", "NCT00973089"], [hook.url()], interval="2s")
        assert wait_until(lambda: "Withdrawn" in home.run("list").out, timeout=20)

        # a bad edit is reported and the last good watchlist stays in force
        home.watchlist.write_text("interval: 2s\ntrials: [NCT123]\n")
        time.sleep(3)
        sponsor_edit(registry, "NCT06171568", lambda s: s["protocolSection"]["statusModule"].update(overallStatus="RECRUITING"))
        registry.refresh()
        [message] = hook.wait_for(1, timeout=20)
        assert "Not yet recruiting → Recruiting" in message.message
    finally:
        started = time.monotonic()
        code, output = stop(daemon, signal.SIGTERM)
    assert code == 0, output
    assert time.monotonic() - started < 8
    assert "keeping the last good watchlist" in output
    assert "warning: NCT00973089 is listed twice" in output  # a live edit's warnings are said as the CLI says them
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


def test_one_instance_runs_the_schedule_and_another_takes_over(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(["NCT06171568", "NCT00973089"], [hook.url()], interval="1s")
    first_log, second_log = home.folder / "first.log", home.folder / "second.log"
    first = home.start("run", log=first_log)
    assert wait_until(lambda: "trial-monitor running" in first_log.read_text())
    second = home.start("run", "--listen", f"127.0.0.1:{free_port()}", log=second_log)  # a web face of its own
    try:
        assert wait_until(lambda: "standing by" in second_log.read_text())
        time.sleep(2)
        assert "trial-monitor running" not in second_log.read_text()
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert wait_until(lambda: "taking over the schedule" in second_log.read_text(), timeout=20)
        sponsor_edit(registry, "NCT06171568", lambda s: s["protocolSection"]["statusModule"].update(overallStatus="RECRUITING"))
        registry.refresh()
        hook.wait_for(1, timeout=20)
        time.sleep(3)
        assert len(hook.messages) == 1
    finally:
        code, _ = stop(second, signal.SIGTERM)
        if first.poll() is None:
            first.kill()
    assert code == 0
    assert "Traceback" not in first_log.read_text() + second_log.read_text()
