"""Expectations on real records (tests/support/records.py), with the date chosen by the test."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from monitor.core.decide import decide, join_events
from monitor.core.expectations import (
    NAMES,
    PRIMARY_COMPLETION_SOON,
    RESULTS_OVERDUE,
    START_SOON,
    STILL_RECRUITING,
    UNVERIFIED,
    ExpectationOptions,
    add_months,
    current_facts,
    expected,
    facts_of,
    first_day,
    last_day,
    next_change,
    results_due,
    transitions,
)
from monitor.core.model import COMPARE_GROUPS, Level, Outcome
from monitor.registry.ctgov.record import read_study, view_of
from tests.support.messages import chat_message
from tests.support.records import all_studies, module, status_module, study

RECRUITING = "search-page-2"  # NCT03281889: recruiting since 2018, primary completion 2022-03-31 (estimated)
DEFAULTS = ExpectationOptions()
MILESTONES = ExpectationOptions(milestone_days=30)


def on(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)


def facts(name: str | dict[str, Any]) -> dict[str, Any]:
    return facts_of(view_of(study(name) if isinstance(name, str) else name))


def names(name: str | dict[str, Any], day: str, options: ExpectationOptions = DEFAULTS) -> list[str]:
    return list(expected(facts(name), on(day), options))


# ── partial dates ───────────────────────────────────────────────────────────────────────


def test_partial_dates_mean_their_last_day_for_deadlines_and_first_day_for_milestones() -> None:
    assert last_day("2026-02") == dt.date(2026, 2, 28) and last_day("2024-02") == dt.date(2024, 2, 29)
    assert last_day("2026") == dt.date(2026, 12, 31) and last_day("2026-03-13") == dt.date(2026, 3, 13)
    assert first_day("2026-12") == dt.date(2026, 12, 1) and first_day("2026") == dt.date(2026, 1, 1)
    assert last_day("2026-13") is None and last_day("soon") is None and last_day(None) is None
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2023, 12, 31), 21) == dt.date(2025, 9, 30)


def test_results_are_due_a_year_and_30_days_after_primary_completion_else_completion() -> None:
    assert results_due(facts("NCT03418623")) == ("primary_completion", dt.date(2021, 4, 12))  # 2020-03-13
    month_only = facts("NCT00763412")  # primary completion 2013-01 (actual): counts as 2013-01-31
    assert results_due(month_only) == ("primary_completion", dt.date(2014, 3, 2))
    record = study("NCT03418623")
    del status_module(record)["primaryCompletionDateStruct"]
    assert results_due(facts(record)) == ("completion", dt.date(2021, 4, 12))
    del status_module(record)["completionDateStruct"]
    assert results_due(facts(record)) is None
    assert names(record, "2026-11-22") == []  # no date, no deadline


# ── results overdue ─────────────────────────────────────────────────────────────────────


def test_completed_without_results_is_overdue_the_day_after_the_due_date() -> None:
    assert RESULTS_OVERDUE not in names("NCT03418623", "2021-04-12")
    [overdue] = [e for e in expected(facts("NCT03418623"), on("2021-04-13"), DEFAULTS).values()]
    assert overdue.text == ("Results overdue: primary completion was 2020-03-13 (actual); results were due by "
                            "2021-04-12 and none are posted or submitted")


def test_estimated_dates_count_and_trials_that_never_started_owe_nothing() -> None:
    assert RESULTS_OVERDUE in names(RECRUITING, "2023-05-01")  # estimated primary completion 2022-03-31
    assert RESULTS_OVERDUE not in names(RECRUITING, "2023-04-30")
    assert names("NCT00973089", "2026-11-22") == []  # withdrawn in 2015, no results: nothing due
    assert RESULTS_OVERDUE not in names("NCT06171568", "2026-11-22")  # still not yet recruiting: nothing due


def test_posted_or_submitted_results_are_not_overdue() -> None:
    assert RESULTS_OVERDUE not in names("NCT02513394", "2026-11-22")  # results posted 2022-04-13
    record = study("NCT03418623")
    record.setdefault("derivedSection", {}).setdefault("miscInfoModule", {})["submissionTracking"] = {
        "submissionInfos": [{"releaseDate": "2026-03-02"}]
    }
    assert facts(record)["submitted_on"] == "2026-03-02"
    assert RESULTS_OVERDUE not in names(record, "2026-11-22")  # in quality review
    record["derivedSection"]["miscInfoModule"]["submissionTracking"]["submissionInfos"][0]["unreleaseDate"] = "2026-04-01"
    assert RESULTS_OVERDUE in names(record, "2026-11-22")  # the sponsor cancelled it: overdue again


# ── status out of date, unverified ──────────────────────────────────────────────────────


def test_still_not_yet_recruiting_after_primary_completion() -> None:
    assert STILL_RECRUITING not in names("NCT06171568", "2025-02-01")
    found = expected(facts("NCT06171568"), on("2025-02-02"), DEFAULTS)
    assert found[STILL_RECRUITING].text == ("Status out of date: primary completion 2025-02-01 (estimated) has "
                                            "passed but the status still says Not yet recruiting")
    assert STILL_RECRUITING not in names("NCT02513394", "2026-11-22")  # active, not recruiting: fine


def test_status_unverified_for_21_months_warns_before_the_registry_says_unknown() -> None:
    assert UNVERIFIED not in names("NCT06171568", "2025-09-30")  # verified 2023-12 (read as 2023-12-31)
    found = expected(facts("NCT06171568"), on("2025-10-01"), DEFAULTS)
    assert found[UNVERIFIED].text == ("Status not verified since 2023-12: unless the sponsor verifies it, the "
                                      "registry will show it as Unknown status from 2025-12")
    late = expected(facts("NCT02513394"), on("2026-11-22"), DEFAULTS)  # verified 2023-04, past the lapse
    assert late[UNVERIFIED].text.startswith("Status not verified since 2023-04, over 2 years ago")
    assert UNVERIFIED not in names("NCT03418623", "2026-11-22")  # completed: nothing to verify
    unknown = expected(facts("NCT04207047"), on("2026-11-22"), DEFAULTS)  # already Unknown status
    assert unknown[UNVERIFIED].text == ("Status not verified since 2019-12: the registry shows it as Unknown "
                                        "status (last known: Active, not recruiting)")


# ── milestones (opt-in) ─────────────────────────────────────────────────────────────────


def test_milestones_within_n_days_only_when_asked_for() -> None:
    assert START_SOON not in names("NCT06171568", "2024-01-05")  # off by default
    assert START_SOON not in names("NCT06171568", "2024-01-01", MILESTONES)  # 31 days away
    found = expected(facts("NCT06171568"), on("2024-01-02"), MILESTONES)
    assert found[START_SOON].text == "Study start expected in 30 days: 2024-02-01 (estimated)"
    assert expected(facts("NCT06171568"), on("2024-02-01"), MILESTONES)[START_SOON].text.startswith(
        "Study start expected today")
    assert START_SOON not in names("NCT06171568", "2024-02-02", MILESTONES)
    assert PRIMARY_COMPLETION_SOON in names("NCT06171568", "2025-01-15", MILESTONES)
    assert PRIMARY_COMPLETION_SOON not in names("NCT03418623", "2020-03-01", MILESTONES)  # actual: not expected


def test_a_month_only_milestone_is_soon_from_n_days_before_its_first_day_until_its_last() -> None:
    record = study("NCT06171568")
    status_module(record)["startDateStruct"] = {"date": "2024-03", "type": "ESTIMATED"}
    assert START_SOON not in names(record, "2024-01-30", MILESTONES)
    found = expected(facts(record), on("2024-01-31"), MILESTONES)  # 30 days before 2024-03-01
    assert found[START_SOON].text == "Study start expected within 30 days: 2024-03 (estimated)"
    assert START_SOON in names(record, "2024-03-31", MILESTONES)
    assert START_SOON not in names(record, "2024-04-01", MILESTONES)


def test_options_turn_expectations_off() -> None:
    quiet = ExpectationOptions(results_overdue=False, still_recruiting=False, unverified=False)
    assert names("NCT06171568", "2026-11-22", quiet) == []
    assert quiet.enabled == frozenset() and MILESTONES.enabled == frozenset(NAMES)
    assert names(RECRUITING, "2026-11-22", ExpectationOptions(unverified=False)) == [RESULTS_OVERDUE, STILL_RECRUITING]


# ── when to look again ──────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("options", [DEFAULTS, MILESTONES, ExpectationOptions(milestone_days=7, unverified=False)],
                         ids=["defaults", "milestones-30", "milestones-7"])
@pytest.mark.parametrize("name", ["NCT06171568", "NCT03418623", "NCT02513394", "NCT00763412", "NCT04207047"])
def test_evaluating_only_on_next_change_days_sees_every_change(name: str, options: ExpectationOptions) -> None:
    """Day by day over 2019–2027: a trial evaluated only when ``next_change`` says so never misses a turn."""
    found = facts(name)
    day = on("2019-01-01")
    known, due = set(expected(found, day, options)), next_change(found, day, options)
    turns = 0
    while day < on("2028-01-01"):
        day += dt.timedelta(days=1)
        if due is not None and day >= due:
            now_true = set(expected(found, day, options))
            turns += now_true != known
            known, due = now_true, next_change(found, day, options)
            assert due is None or due > day
        assert set(expected(found, day, options)) == known, day
    assert turns >= 2 or name != "NCT06171568"  # overdue and still recruiting turn in these years


def test_next_change_is_none_when_the_date_alone_can_change_nothing() -> None:
    assert next_change(facts("NCT00763412"), on("2026-11-22"), DEFAULTS) is None  # completed, results posted
    assert next_change(facts("NCT06171568"), on("2025-09-30"), DEFAULTS) == on("2025-10-01")  # unverified
    assert next_change({}, on("2026-11-22"), MILESTONES) is None


# ── transitions ─────────────────────────────────────────────────────────────────────────


def test_an_expectation_fires_when_it_turns_true_and_not_while_it_stays_true() -> None:
    found = facts(RECRUITING)
    before = expected(found, on("2023-04-30"), DEFAULTS)
    after = expected(found, on("2023-05-01"), DEFAULTS)
    [fired] = transitions(before, after, found, on("2023-05-01"), DEFAULTS)
    assert (fired.kind, fired.field, fired.level, fired.old, fired.new) == (
        "expectation", RESULTS_OVERDUE, Level.MEDIUM, False, True)
    assert transitions(after, after, found, on("2023-05-02"), DEFAULTS) == []


def _cleared(edit: Any, name: str = RESULTS_OVERDUE, day: str = "2026-11-22",
             options: ExpectationOptions = DEFAULTS, record: str = "NCT03418623") -> str:
    changed = study(record)
    edit(changed)
    now_true = expected(facts(changed), on(day), options)
    was = {name, *now_true}  # the others stay as they were: only ``name`` turns
    [event] = transitions(was, now_true, facts(changed), on(day), options)
    assert (event.field, event.old, event.new, event.level) == (name, True, False, Level.MEDIUM)
    return event.text


def test_clearing_says_why() -> None:
    def posted(record: dict[str, Any]) -> None:
        record["hasResults"] = True
        status_module(record)["resultsFirstPostDateStruct"] = {"date": "2026-11-21", "type": "ACTUAL"}

    def submitted(record: dict[str, Any]) -> None:
        record.setdefault("derivedSection", {}).setdefault("miscInfoModule", {})["submissionTracking"] = {
            "submissionInfos": [{"releaseDate": "2026-03-02"}]}

    def withdrawn(record: dict[str, Any]) -> None:
        status_module(record)["overallStatus"] = "WITHDRAWN"

    def moved(record: dict[str, Any]) -> None:
        status_module(record)["primaryCompletionDateStruct"] = {"date": "2027-06", "type": "ESTIMATED"}

    def recruiting_stopped(record: dict[str, Any]) -> None:
        status_module(record)["overallStatus"] = "ACTIVE_NOT_RECRUITING"

    def verified(record: dict[str, Any]) -> None:
        status_module(record)["statusVerifiedDate"] = "2026-11"

    assert _cleared(posted) == "Results no longer overdue: results posted on 2026-11-21"
    assert _cleared(submitted) == "Results no longer overdue: results submitted on 2026-03-02, in quality review"
    assert _cleared(withdrawn) == "Results no longer due: the trial never enrolled anyone (the status now says Withdrawn)"
    assert _cleared(moved) == ("Results no longer overdue: primary completion is now 2027-06 (estimated), so "
                               "results are due by 2028-07-30")
    assert _cleared(recruiting_stopped, STILL_RECRUITING, record="NCT06171568") == (
        "Status no longer out of date: the status now says Active, not recruiting")
    assert _cleared(verified, UNVERIFIED, record="NCT06171568") == "Status verified again: 2026-11"
    assert _cleared(lambda r: None, START_SOON, "2024-02-02", MILESTONES, "NCT06171568") == (
        "Study start date passed: 2024-02-01 (estimated)")


def test_a_disabled_expectation_neither_fires_nor_clears() -> None:
    found = facts(RECRUITING)
    off = ExpectationOptions(results_overdue=False)
    now_true = expected(found, on("2026-11-22"), off)
    assert RESULTS_OVERDUE not in now_true
    assert transitions({RESULTS_OVERDUE, *now_true}, now_true, found, on("2026-11-22"), off) == []  # not cleared
    turned_on = transitions(set(now_true), expected(found, on("2026-11-22"), DEFAULTS), found, on("2026-11-22"), DEFAULTS)
    assert [event.field for event in turned_on] == [RESULTS_OVERDUE]  # turned on again: what is true now fires


# ── facts and the one message ───────────────────────────────────────────────────────────


@pytest.mark.parametrize(("name", "record"), list(all_studies()), ids=[n for n, _ in all_studies()])
def test_facts_of_every_real_record_are_small_json_and_evaluate(name: str, record: dict[str, Any]) -> None:
    import orjson

    found = facts(record)
    assert current_facts(found) and len(orjson.dumps(found)) < 600
    expected(found, on("2026-11-22"), MILESTONES)  # never raises on real data
    assert not current_facts(None) and not current_facts({"v": 0})


def test_join_events_puts_expectation_events_into_the_trials_one_message() -> None:
    old = study(RECRUITING)
    new = study(RECRUITING)
    module(new, "designModule")["enrollmentInfo"] = {"count": 999, "type": "ESTIMATED"}
    before = read_study(old)
    decision = decide("NCT03281889", read_study(new), previous_fingerprint=before.fingerprint,
                      previous_view=before.view, compare_groups=COMPARE_GROUPS)
    found = facts(new)
    events = transitions(set(), expected(found, on("2023-05-01"), DEFAULTS), found, on("2023-05-01"), DEFAULTS)
    joined = join_events(decision, events)
    assert joined.outcome is Outcome.CHANGED and len(joined.events) == len(decision.events) + 3
    message = chat_message(decision.view or {}, joined.events)
    assert message is not None and joined.alerts
    assert decision.events and all(event.text in message.body for event in decision.events)
    assert "Results overdue: primary completion was 2022-03-31 (estimated)" in message.body
    assert message.title.endswith("(+3 more)")
    assert join_events(decision, []) is decision


def test_record_text_in_dates_is_escaped() -> None:
    record = study("NCT03418623")
    status_module(record)["primaryCompletionDateStruct"] = {"date": "2020-03-13", "type": "<b>ACTUAL</b>"}
    [text] = [e.text for e in expected(facts(record), on("2026-11-22"), DEFAULTS).values()]
    assert "<b>" not in text and "\\<b\\>" in text
