"""What an expectation tells and what it keeps quiet (issue 12, items 8 and 9), on real records edited as
the registry edits them: results are due only from a trial that started; a lapse into "Unknown status"
clears nothing aloud; only what was told clears aloud; results posted are said once.

NCT06171568 is "Not yet recruiting" with an estimated primary completion of 2025-02-01 (results would be
due by 2026-03-03) and a status verified in 2023-12; NCT03418623 completed on 2020-03-13 with no results;
NCT00973089 was withdrawn in 2015 (primary completion 2015-03, actual) with no results.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from monitor.core.decide import decide, join_events
from monitor.core.expectations import (
    RESULTS_OVERDUE,
    STILL_RECRUITING,
    UNVERIFIED,
    ExpectationOptions,
    evaluate,
    expected,
    facts_of,
    next_change,
    started,
)
from monitor.core.model import COMPARE_GROUPS
from monitor.registry.ctgov.record import read_study, view_of
from tests.support.messages import chat_message
from tests.support.records import changes, status_module, study

DEFAULTS = ExpectationOptions()
NOT_YET, NO_RESULTS, WITHDRAWN = "NCT06171568", "NCT03418623", "NCT00973089"
SINCE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)  # the trials' first evaluation (their baseline)


def on(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)


def edited(name: str, *edits: Any) -> dict[str, Any]:
    record = study(name)
    for edit in edits:
        edit(record)
    return record


def facts(record: dict[str, Any]) -> dict[str, Any]:
    return facts_of(view_of(record))


def status(overall: str, last_known: str | None = None) -> Any:
    def edit(record: dict[str, Any]) -> None:
        status_module(record)["overallStatus"] = overall
        if last_known:
            status_module(record)["lastKnownStatus"] = last_known
    return edit


def start_recruiting(record: dict[str, Any]) -> None:
    """The trial starts as planned: recruiting, study start 2024-02-01 (actual)."""
    status("RECRUITING")(record)
    status_module(record)["startDateStruct"] = {"date": "2024-02-01", "type": "ACTUAL"}


def post_results(record: dict[str, Any]) -> None:
    record["hasResults"] = True
    status_module(record)["resultsFirstPostDateStruct"] = {"date": "2026-11-21", "type": "ACTUAL"}


def texts(change: Any) -> list[str]:
    return [event.text for event in change.events]


# ── results are due only from a trial that started ──────────────────────────────────────


def test_a_trial_that_never_left_not_yet_recruiting_owes_no_results() -> None:
    never = facts(study(NOT_YET))
    assert not started(never) and RESULTS_OVERDUE not in expected(never, on("2026-11-22"), DEFAULTS)
    assert next_change(never, on("2026-01-01"), DEFAULTS) is None  # the due date cannot turn anything
    begun = facts(edited(NOT_YET, start_recruiting))
    assert started(begun)
    assert expected(begun, on("2026-03-04"), DEFAULTS)[RESULTS_OVERDUE].text == (
        "Results overdue: primary completion was 2025-02-01 (estimated); results were due by 2026-03-03 and "
        "none are posted or submitted")
    assert next_change(begun, on("2026-01-01"), DEFAULTS) == on("2026-03-04")


def test_a_withdrawn_trial_past_its_primary_completion_owes_no_results() -> None:
    withdrawn = facts(study(WITHDRAWN))
    assert withdrawn["primary_completion"] == {"date": "2015-03", "type": "ACTUAL"} and not withdrawn["results_posted"]
    assert not started(withdrawn) and expected(withdrawn, on("2026-11-22"), DEFAULTS) == {}


def test_an_unknown_status_trial_started_by_its_last_known_status() -> None:
    lapsed_before_start = facts(edited(NOT_YET, status("UNKNOWN", "NOT_YET_RECRUITING")))
    assert RESULTS_OVERDUE not in expected(lapsed_before_start, on("2026-11-22"), DEFAULTS)
    lapsed_recruiting = facts(edited(NOT_YET, start_recruiting, status("UNKNOWN", "RECRUITING")))
    assert RESULTS_OVERDUE in expected(lapsed_recruiting, on("2026-11-22"), DEFAULTS)


def test_an_overdue_that_was_told_clears_when_the_trial_turns_out_not_to_have_started() -> None:
    now = on("2026-11-22")
    withdrawn = evaluate(facts(edited(NOT_YET, start_recruiting, status("WITHDRAWN"))),
                         {RESULTS_OVERDUE, STILL_RECRUITING}, evaluated_since=SINCE, now=now, options=DEFAULTS)
    assert withdrawn.cleared == (RESULTS_OVERDUE, STILL_RECRUITING)
    assert texts(withdrawn) == [
        "Results no longer due: the trial never enrolled anyone (the status now says Withdrawn)",
        "Status no longer out of date: the status now says Withdrawn"]
    # told under the rules before this release, evaluated again under these (the options key changed)
    assert DEFAULTS.key == "f1 e2 o1 r1 u1 m0"
    again = evaluate(facts(study(NOT_YET)), {RESULTS_OVERDUE, STILL_RECRUITING, UNVERIFIED}, evaluated_since=SINCE,
                     now=now, options=DEFAULTS)
    assert texts(again) == ["Results no longer due: the trial has not started (the status now says Not yet recruiting)"]
    lapsed = evaluate(facts(edited(NOT_YET, status("UNKNOWN", "NOT_YET_RECRUITING"))), {RESULTS_OVERDUE, UNVERIFIED},
                      evaluated_since=SINCE, now=now, options=DEFAULTS)
    assert texts(lapsed) == ["Results no longer due: the trial has not started (the status now says Unknown status, "
                             "last known: Not yet recruiting)"]


# ── a lapse into "Unknown status" ───────────────────────────────────────────────────────


def test_a_lapse_into_unknown_status_clears_nothing_aloud() -> None:
    now = on("2026-01-05")  # verified 2023-12: the registry shows it as Unknown status from 2025-12
    before = expected(facts(study(NOT_YET)), now, DEFAULTS)
    assert set(before) == {STILL_RECRUITING, UNVERIFIED}
    lapse = status("UNKNOWN", "NOT_YET_RECRUITING")
    assert [e.text for e in changes(NOT_YET, lapse)] == ["Overall status: Not yet recruiting → Unknown (status not "
                                                         "verified for 2 years; last known: Not yet recruiting)"]
    change = evaluate(facts(edited(NOT_YET, lapse)), set(before), evaluated_since=SINCE, now=now, options=DEFAULTS)
    assert change.cleared == (STILL_RECRUITING,) and change.events == ()  # cleared, but no "no longer out of date"


# ── only what was told clears aloud ─────────────────────────────────────────────────────


def test_what_held_at_the_baseline_clears_as_silently_as_it_was_recorded() -> None:
    baseline = evaluate(facts(study(NO_RESULTS)), set(), evaluated_since=None, now=on("2024-01-01"), options=DEFAULTS)
    assert baseline.baseline and baseline.events == () and [e.name for e in baseline.turned_true] == [RESULTS_OVERDUE]
    posted = facts(edited(NO_RESULTS, post_results))
    quiet = evaluate(posted, {RESULTS_OVERDUE}, evaluated_since=SINCE, now=on("2026-11-22"), options=DEFAULTS,
                     untold={RESULTS_OVERDUE})
    assert quiet.cleared == (RESULTS_OVERDUE,) and quiet.events == ()  # the row goes, nobody hears of it
    told = evaluate(posted, {RESULTS_OVERDUE}, evaluated_since=SINCE, now=on("2026-11-22"), options=DEFAULTS)
    assert texts(told) == ["Results no longer overdue: results posted on 2026-11-21"]  # told, on stored facts alone


def test_results_posted_are_said_once() -> None:
    old = study(NO_RESULTS)
    new = orjson.loads(orjson.dumps(old))
    post_results(new)
    before, after = read_study(old), read_study(new)
    decision = decide(NO_RESULTS, after, previous_fingerprint=before.fingerprint, previous_view=before.view,
                      compare_groups=COMPARE_GROUPS)
    change = evaluate(facts(new), {RESULTS_OVERDUE}, evaluated_since=SINCE, now=on("2026-11-22"), options=DEFAULTS,
                      told=decision.events)
    assert change.cleared == (RESULTS_OVERDUE,) and change.events == ()
    message = chat_message(decision.view or {}, join_events(decision, change.events).events)
    assert message is not None
    assert message.body.count("Results posted on 2026-11-21") == 1 and "no longer overdue" not in message.body


def test_results_submitted_are_said_once_and_other_clearings_still_speak() -> None:
    def submit(record: dict[str, Any]) -> None:
        record.setdefault("derivedSection", {}).setdefault("miscInfoModule", {})["submissionTracking"] = {
            "submissionInfos": [{"releaseDate": "2026-11-02"}]}

    said = changes(NO_RESULTS, submit)
    assert [e.text for e in said] == ["Results submitted on 2026-11-02, in quality review"]
    change = evaluate(facts(edited(NO_RESULTS, submit)), {RESULTS_OVERDUE}, evaluated_since=SINCE,
                      now=on("2026-11-22"), options=DEFAULTS, told=said)
    assert change.cleared == (RESULTS_OVERDUE,) and change.events == ()

    def moved(record: dict[str, Any]) -> None:
        status_module(record)["primaryCompletionDateStruct"] = {"date": "2027-06", "type": "ESTIMATED"}

    said = changes(NO_RESULTS, moved)
    change = evaluate(facts(edited(NO_RESULTS, moved)), {RESULTS_OVERDUE}, evaluated_since=SINCE,
                      now=on("2026-11-22"), options=DEFAULTS, told=said)
    assert texts(change) == ["Results no longer overdue: primary completion is now 2027-06 (estimated), so results "
                             "are due by 2028-07-30"]
