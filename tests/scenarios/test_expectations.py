"""Expectations end to end: alerts that need no record update, with MONITOR_NOW moving the clock.

The stand-in registry serves real records; NCT06171568 is "Not yet recruiting" with an estimated
study start of 2024-02-01 and primary completion of 2025-02-01 and a status verified in 2023-12 (it
never started, so no results are due from it); NCT03281889 is recruiting, its primary completion
estimated for 2022-03-31 (results due by 2023-04-30); NCT03418623 completed on 2020-03-13 with no
results; NCT00973089 is withdrawn.
"""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.support.receivers import JsonReceiver

NOT_YET = "NCT06171568"
RECRUITING = "NCT03281889"
NO_RESULTS = "NCT03418623"
WITHDRAWN = "NCT00973089"


def at(home: Home, when: str) -> None:
    home.env["MONITOR_NOW"] = when


def list_line(home: Home, nct_id: str) -> str:
    listed = home.run("list")
    assert listed.code == 0, listed.text
    [line] = [line for line in listed.out.splitlines() if line.startswith(nct_id)]
    return line


def settle(hook: JsonReceiver) -> None:
    time.sleep(0.3)  # a message that should not come has had time to arrive


def post_results(study: dict) -> None:
    study["hasResults"] = True
    study["protocolSection"]["statusModule"]["resultsFirstPostDateStruct"] = {"date": "2026-11-21", "type": "ACTUAL"}


def test_baseline_records_what_is_already_true_and_sends_nothing(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist([NOT_YET, NO_RESULTS, WITHDRAWN], [hook.url()])
    at(home, "2026-11-22T08:00:00Z")
    first = home.run("check")
    assert first.code == 0, first.text
    assert "3 baseline" in first.out and "expectation" not in first.out
    settle(hook)
    assert hook.messages == []  # three expectations are true at the baseline; none is pushed
    assert list_line(home, NO_RESULTS).endswith("[results overdue]")
    assert list_line(home, NOT_YET).endswith("[recruiting past completion, status unverified]")  # never started
    assert "[" not in list_line(home, WITHDRAWN)  # withdrawn: no results are due

    registry.reset_log()
    at(home, "2026-12-22T08:00:00Z")  # a month on, nothing new: still nothing sent
    assert home.run("check").code == 0
    settle(hook)
    assert hook.messages == [] and registry.count() == 1


def test_results_overdue_fires_once_on_a_quiet_check_and_posted_results_are_said_once(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist([RECRUITING], [hook.url()])
    at(home, "2023-04-30T12:00:00Z")  # the last day results are due
    assert home.run("check").code == 0
    assert "results overdue" not in list_line(home, RECRUITING)

    registry.reset_log()
    at(home, "2023-05-01T07:00:00Z")  # the day after: overdue, though the registry has not refreshed
    due = home.run("check")
    assert due.code == 0, due.text
    assert "No registry refresh" in due.out and registry.count() == 1  # still one request
    assert f"{RECRUITING} expectation: Results overdue" in due.out
    [message] = hook.wait_for(1)
    assert RECRUITING in message.title and "results overdue" in message.title
    assert ("Results overdue: primary completion was 2022-03-31 (estimated); results were due by 2023-04-30 "
            "and none are posted or submitted") in message.message
    assert "results overdue" in list_line(home, RECRUITING)

    for day in ("2023-05-02T07:00:00Z", "2023-05-03T07:00:00Z"):  # later checks: never repeated
        at(home, day)
        again = home.run("check")
        assert again.code == 0 and "expectation" not in again.out
    settle(hook)
    assert len(hook.messages) == 1

    sponsor_edit(registry, RECRUITING, post_results)
    registry.refresh()
    posted = home.run("check")
    assert posted.code == 0, posted.text
    [_, cleared] = hook.wait_for(2)
    assert cleared.message.count("Results posted on 2026-11-21") == 1  # said once: not also "no longer overdue"
    assert "overdue" not in cleared.message and "expectation" not in posted.out
    assert "results overdue" not in list_line(home, RECRUITING)
    registry.refresh()
    at(home, "2023-05-04T07:00:00Z")
    assert home.run("check").code == 0
    settle(hook)
    assert len(hook.messages) == 2

    history = home.run("history", RECRUITING)
    assert history.out.count("Results overdue: primary completion was") == 1
    assert "no longer overdue" not in history.out


def test_what_held_at_the_baseline_clears_silently(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.write_watchlist([NOT_YET, NO_RESULTS], [hook.url()],
                         extra="expectations:\n  milestone_days: 30\n  unverified: false\n")
    at(home, "2024-01-05T07:00:00Z")  # NCT06171568's start (2024-02-01) is 27 days away
    assert home.run("check").code == 0
    assert list_line(home, NOT_YET).endswith("[start soon]")
    assert list_line(home, NO_RESULTS).endswith("[results overdue]")

    at(home, "2024-02-02T07:00:00Z")  # the start date passed: nobody was told it was soon, nobody is told now
    passed = home.run("check")
    assert passed.code == 0 and "expectation" not in passed.out, passed.text
    assert "[" not in list_line(home, NOT_YET)

    sponsor_edit(registry, NO_RESULTS, post_results)
    registry.refresh()
    posted = home.run("check")
    assert posted.code == 0 and "expectation" not in posted.out, posted.text
    [message] = hook.wait_for(1)
    assert "Results posted on 2026-11-21" in message.message and "overdue" not in message.message
    assert "[" not in list_line(home, NO_RESULTS)
    settle(hook)
    assert len(hook.messages) == 1


def test_a_changed_record_and_a_fired_expectation_make_one_message(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist([RECRUITING], [hook.url()])
    at(home, "2023-04-28T07:00:00Z")
    assert home.run("check").code == 0

    def more_patients(study: dict) -> None:
        study["protocolSection"]["designModule"]["enrollmentInfo"] = {"count": 999, "type": "ESTIMATED"}

    sponsor_edit(registry, RECRUITING, more_patients)
    registry.refresh()
    at(home, "2023-05-01T07:00:00Z")
    result = home.run("check")
    assert result.code == 0, result.text
    [message] = hook.wait_for(1)
    assert "Enrollment target: 20 → 999 participants (estimated)" in message.message  # the record's change
    assert "Results overdue: primary completion was 2022-03-31 (estimated)" in message.message
    settle(hook)
    assert len(hook.messages) == 1


def test_milestones_are_opt_in_and_expectations_can_be_turned_off(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist([NOT_YET], [hook.url()], extra="expectations:\n  milestone_days: 30\n  unverified: false\n")
    at(home, "2023-12-20T07:00:00Z")  # the start (2024-02-01, estimated) is 43 days away
    assert home.run("check").code == 0
    assert "[" not in list_line(home, NOT_YET)

    at(home, "2024-01-05T07:00:00Z")
    soon = home.run("check")
    assert soon.code == 0, soon.text
    [message] = hook.wait_for(1)
    assert "Study start expected in 27 days: 2024-02-01 (estimated)" in message.message
    assert list_line(home, NOT_YET).endswith("[start soon]")

    at(home, "2025-12-01T07:00:00Z")  # the start passed; primary completion passed too; not verified for 23 months
    later = home.run("check")
    assert later.code == 0, later.text
    [_, passed] = hook.wait_for(2)
    assert "Study start date passed: 2024-02-01 (estimated)" in passed.message
    assert "Status out of date: primary completion 2025-02-01 (estimated) has passed" in passed.message
    assert "verified" not in passed.message  # `unverified: false`
    assert list_line(home, NOT_YET).endswith("[recruiting past completion]")


def test_first_evaluation_after_an_upgrade_is_silent(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    """A database from before expectations: the first check fills the facts and records, never floods."""
    home.write_watchlist([RECRUITING, NO_RESULTS], [hook.url()])
    at(home, "2023-04-28T07:00:00Z")
    assert home.run("check").code == 0
    engine = create_engine(home.env["MONITOR_DATABASE_URL"])
    try:
        with engine.begin() as conn:  # as revision 5 left it: no facts, never evaluated
            conn.execute(text("UPDATE trial SET expectation_facts = NULL, expectations_since = NULL, "
                              "expectations_due_at = NULL, expectations_key = NULL"))
            conn.execute(text("DELETE FROM expectation"))
    finally:
        engine.dispose()
    at(home, "2023-05-01T07:00:00Z")  # NCT03281889's results are now overdue, but this is its first evaluation
    first = home.run("check")
    assert first.code == 0 and "expectation" not in first.out
    settle(hook)
    assert hook.messages == []
    assert "results overdue" in list_line(home, RECRUITING) and "results overdue" in list_line(home, NO_RESULTS)


def test_a_bad_expectations_key_is_one_line_and_exit_2(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist([NOT_YET], extra="expectations:\n  milestone_days: 30\n  unverifed: false\n")
    result = home.run("check")
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        f"trial-monitor: {home.watchlist}:9: expectations: unknown key 'unverifed' "
        "(known: overdue, still_recruiting, unverified, milestone_days)"
    ]
