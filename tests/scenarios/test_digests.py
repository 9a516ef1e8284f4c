"""Digest targets through the CLI and the daemon, with MONITOR_NOW moving the clock."""

from __future__ import annotations

import signal
import time

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit, stop, wait_until
from tests.scenarios.test_sync import enroll
from tests.scenarios.test_targets import entry, recruit
from tests.support.receivers import JsonReceiver, SmtpReceiver

TRIALS = ["NCT06171568", "NCT00973089", "NCT04207047"]


def at(home: Home, moment: str) -> None:
    home.env["MONITOR_NOW"] = moment


def test_a_daily_digest_waits_for_its_time_groups_by_trial_and_is_sent_once(
    home: Home, registry: StandInRegistry, hook: JsonReceiver, mailbox: SmtpReceiver
) -> None:
    home.write_watchlist(TRIALS, [hook.url("/now"), entry(mailbox.url(to="team@example.org"), digest="daily at 08:00")],
                         extra="timezone: Europe/Paris\n")
    at(home, "2026-11-22T05:00:00Z")  # 06:00 in Paris
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT00973089", enroll(999))  # medium, found first
    sponsor_edit(registry, "NCT06171568", recruit)  # high
    registry.refresh()

    at(home, "2026-11-22T06:00:00Z")  # 07:00 in Paris: found now, the digest waits for 08:00
    assert home.run("check").code == 0
    assert len(hook.wait_for(2)) == 2  # the immediate target is told at once
    time.sleep(0.5)
    assert mailbox.messages == []
    status = home.run("status").out
    assert "digest daily at 08:00 (Europe/Paris), next 2026-11-22 08:00 CET, 2 alerts waiting; HTML email" in status
    assert "Every alert has been delivered (or waits for its digest)." in status

    at(home, "2026-11-22T07:01:00Z")  # 08:01 in Paris: one digest, both trials, the high one first
    result = home.run("check")
    assert result.code == 0 and "Deliveries: 1 sent" in result.out, result.text
    [digest] = mailbox.wait_for(1)
    assert digest.rcpt_tos == ["team@example.org"]
    assert digest.subject == "trial-monitor digest: 3 changes in 2 trials"  # recruiting now, results overdue
    html = digest.message.get_body(preferencelist=("html",)).get_content()
    assert html.index("NCT06171568") < html.index("NCT00973089")
    assert "Overall status: Not yet recruiting → Recruiting" in html and "999" in html
    assert "from 2026-11-22 07:00 CET to 2026-11-22 08:00 CET" in html

    assert home.run("check").code == 0  # run again: nothing more
    time.sleep(0.5)
    assert len(mailbox.messages) == 1 and len(hook.messages) == 2
    assert "0 alerts waiting" in home.run("status").out


def test_a_daemon_down_at_digest_time_sends_it_when_back_and_never_twice(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(TRIALS, [entry(hook.url("/digest"), digest="'weekly on monday at 08:00'")])
    at(home, "2026-11-22T12:00:00Z")  # a Sunday
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT06171568", recruit)
    registry.refresh()
    assert home.run("check").code == 0
    time.sleep(0.3)
    assert hook.messages == []

    at(home, "2026-11-25T09:30:00Z")  # back on Wednesday: Monday's digest goes out at start
    for round_ in range(2):  # then a restart: not sent again
        log = home.folder / f"daemon-{round_}.log"
        daemon = home.start("run", log=log)
        try:
            assert wait_until(lambda: "trial-monitor running" in log.read_text(), timeout=20)
            assert wait_until(lambda: "No registry refresh" in log.read_text() or "Checked" in log.read_text(),
                              timeout=30), log.read_text()
            time.sleep(0.5)
        finally:
            code, _ = stop(daemon, signal.SIGTERM)
        assert code == 0 and "Traceback" not in log.read_text()
        [message] = hook.wait_for(1)
        assert message.title == "trial-monitor digest: 2 changes in 1 trial, 2026-11-22 12:00 UTC → 2026-11-23 08:00 UTC"
        assert "Overall status: Not yet recruiting → Recruiting (high, 2026-11-22)" in message.message


def test_a_failing_digest_target_keeps_its_digest_and_later_events_wait_for_the_next(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(TRIALS, [entry(hook.url("/digest"), digest="daily at 08:00", min_level="low")])
    at(home, "2026-11-22T06:00:00Z")
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT06171568", recruit)
    registry.refresh()
    at(home, "2026-11-22T07:00:00Z")
    assert home.run("check").code == 0

    hook.fail_with(500)
    sponsor_edit(registry, "NCT00973089", enroll(999))  # found after 08:00 (by the same check): tomorrow's digest
    registry.refresh()
    at(home, "2026-11-22T08:30:00Z")
    failed = home.run("check")
    assert failed.code == 0 and "delivery failed" in failed.out, failed.text  # today's digest: made, kept
    at(home, "2026-11-22T09:00:00Z")
    assert "delivery failed" in home.run("check").out

    hook.recover()
    at(home, "2026-11-22T10:00:00Z")
    assert home.run("check").code == 0
    [first] = hook.wait_for(1)
    assert "NCT06171568" in first.message and "NCT00973089" not in first.message
    assert first.title.endswith("2026-11-22 07:00 UTC → 2026-11-22 08:00 UTC")

    at(home, "2026-11-23T08:00:00Z")
    assert home.run("check").code == 0
    [_, second] = hook.wait_for(2)
    assert "NCT00973089" in second.message and "NCT06171568" not in second.message
    assert second.title == "trial-monitor digest: 1 change in 1 trial, 2026-11-22 08:00 UTC → 2026-11-23 08:00 UTC"
    at(home, "2026-11-24T08:00:00Z")  # an empty period sends nothing
    assert home.run("check").code == 0
    time.sleep(0.5)
    assert len(hook.messages) == 2
