"""`trial-monitor check` end to end: stand-in registry, real apprise deliveries to loopback receivers."""

from __future__ import annotations

import time

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.support.receivers import JsonReceiver, SmtpReceiver

WATCHED = ["NCT06171568", "NCT00973089", "NCT04207047", "NCT02210780"]


def set_status(study: dict, status: str) -> None:
    study["protocolSection"]["statusModule"]["overallStatus"] = status


def test_baseline_then_quiet_then_refresh_without_change(
    home: Home, registry: StandInRegistry, hook: JsonReceiver, mailbox: SmtpReceiver
) -> None:
    home.write_watchlist(WATCHED, [hook.url(), mailbox.url()])
    first = home.run("check")
    assert first.code == 0, first.text
    assert "4 baseline" in first.out
    time.sleep(0.3)
    assert hook.messages == [] and mailbox.messages == []  # a baseline sends nothing

    registry.reset_log()
    quiet = home.run("check")
    assert quiet.code == 0 and "No registry refresh" in quiet.out
    assert registry.count() == 1  # just /version

    registry.refresh()
    registry.reset_log()
    unchanged = home.run("check", "--verbose")
    assert unchanged.code == 0, unchanged.text
    assert "none of the watched trials was updated" in unchanged.out
    assert registry.count() == 2  # /version + the watched records updated since the cursor (none)
    time.sleep(0.3)
    assert hook.messages == [] and mailbox.messages == []


def test_status_change_reaches_webhook_and_email_once(
    home: Home, registry: StandInRegistry, hook: JsonReceiver, mailbox: SmtpReceiver
) -> None:
    home.write_watchlist(WATCHED, [hook.url(), mailbox.url()])
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT06171568", lambda s: set_status(s, "RECRUITING"))
    registry.refresh()
    result = home.run("check")
    assert result.code == 0, result.text
    assert "NCT06171568 changed: Overall status: Not yet recruiting → Recruiting" in result.out
    [message] = hook.wait_for(1)
    assert "NCT06171568" in message.title
    assert "Overall status: Not yet recruiting → Recruiting" in message.message
    assert "https://clinicaltrials.gov/study/NCT06171568" in message.message
    [mail] = mailbox.wait_for(1)
    assert "NCT06171568" in mail.subject
    assert "Not yet recruiting" in mail.text
    # nothing more on the next cycles
    registry.refresh()
    assert home.run("check").code == 0
    time.sleep(0.3)
    assert len(hook.messages) == 1 and len(mailbox.messages) == 1


def test_results_posted_and_enrollment(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.write_watchlist(["NCT03418623"], [hook.url()])
    assert home.run("check").code == 0

    def post_results(study: dict) -> None:
        study["hasResults"] = True
        status = study["protocolSection"]["statusModule"]
        status["resultsFirstPostDateStruct"] = {"date": "2026-11-21", "type": "ACTUAL"}
        study["protocolSection"]["designModule"]["enrollmentInfo"] = {"count": 999, "type": "ESTIMATED"}

    sponsor_edit(registry, "NCT03418623", post_results)
    registry.refresh()
    assert home.run("check").code == 0
    [message] = hook.wait_for(1)
    assert "Results posted on 2026-11-21" in message.message
    assert "Enrollment:" in message.message and "999" in message.message


def test_date_slip_on_the_largest_record(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.write_watchlist(["NCT02513394"], [hook.url()])  # 437 sites, 1.5 MB
    assert home.run("check").code == 0
    old = registry.get("NCT02513394")["protocolSection"]["statusModule"]["primaryCompletionDateStruct"]

    def slip(study: dict) -> None:
        study["protocolSection"]["statusModule"]["primaryCompletionDateStruct"] = {"date": "2028-06-30", "type": "ESTIMATED"}

    sponsor_edit(registry, "NCT02513394", slip)
    registry.refresh()
    assert home.run("check").code == 0
    [message] = hook.wait_for(1)
    assert "Primary completion" in message.message
    assert old["date"] in message.message and "2028-06-30 (estimated)" in message.message
    assert "Sites" not in message.message  # nothing else moved


def test_registry_down_exits_1_and_no_false_change_after(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(WATCHED, [hook.url()], extra="")
    home.env["MONITOR_RETRY_ATTEMPTS"] = "2"
    assert home.run("check").code == 0
    registry.refresh()
    registry.fault("status", path="/studies", status=503, times=None)
    down = home.run("check")
    assert down.code == 1, down.text
    assert "Registry unavailable" in down.out
    registry.clear_faults()
    again = home.run("check")
    assert again.code == 0 and "none of the watched trials was updated" in again.out, again.text
    time.sleep(0.3)
    assert hook.messages == []


def test_truncated_bodies_are_retried(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.write_watchlist(WATCHED, [hook.url()])
    registry.fault("truncate", path="/studies", times=2)
    result = home.run("check")
    assert result.code == 0 and "4 baseline" in result.out, result.text
    assert registry.count("/studies") == 3


def test_429_with_retry_after_is_waited_out(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(WATCHED)
    registry.fault("status", path="/version", status=429, retry_after=1, times=1)
    started = time.monotonic()
    result = home.run("check")
    assert result.code == 0, result.text
    assert time.monotonic() - started >= 1.0
    assert registry.count("/version") == 2


def test_target_down_for_a_cycle_gets_the_alert_exactly_once_after(
    home: Home, registry: StandInRegistry, hook: JsonReceiver, mailbox: SmtpReceiver
) -> None:
    home.write_watchlist(WATCHED, [hook.url(), mailbox.url()])
    assert home.run("check").code == 0
    hook.stop()
    sponsor_edit(registry, "NCT06171568", lambda s: set_status(s, "RECRUITING"))
    registry.refresh()
    result = home.run("check")
    assert result.code == 0, result.text  # the registry answered; the delivery is retried
    assert "1 failed" in result.out
    mailbox.wait_for(1)
    listing = home.run("list")
    assert "pending" in listing.out
    hook.start()
    assert home.run("check").code == 0
    hook.wait_for(1)
    assert home.run("check").code == 0
    time.sleep(0.3)
    assert len(hook.messages) == 1 and len(mailbox.messages) == 1


def test_unknown_id_is_reported_once(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.write_watchlist(["NCT06171568", "NCT09999999"], [hook.url()])
    result = home.run("check")
    assert result.code == 0, result.text
    assert "NCT09999999 is not known to the registry" in result.out
    [message] = hook.wait_for(1)
    assert "NCT09999999" in message.title
    registry.refresh()
    assert home.run("check").code == 0
    time.sleep(0.3)
    assert len(hook.messages) == 1
    assert "not found" in home.run("list").out
