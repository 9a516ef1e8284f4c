"""Actual dates and counts in the words the trial's status calls for (issue 12, item 8): a terminated
trial *ended*, it did not "complete early"; an ongoing trial's actual count is "so far", not final.

Real records (tests/support/records.py), edited as the registry edits them: NCT06388018 (search-page-3)
is a real recruiting trial planned to complete on 2027-01-16 with 325 participants; NCT03281889
(search-page-2) is recruiting toward 20; NCT02513394 is active, not recruiting, with 5796 enrolled;
NCT00973089 was withdrawn in 2015 with 0 participants (actual).
"""

from __future__ import annotations

from typing import Any

import orjson

from monitor.core.decide import decide
from monitor.core.diff import compare
from monitor.core.events.timeline import enrollment_text
from monitor.core.model import COMPARE_GROUPS, Level, Outcome
from monitor.registry.ctgov.record import read_study, view_of
from tests.support.messages import chat_message
from tests.support.records import changes, module, status_module, study

RECRUITING_325 = "search-page-3"  # NCT06388018
RECRUITING_20 = "search-page-2"  # NCT03281889
ACTIVE = "NCT02513394"
WITHDRAWN = "NCT00973089"


def _date(field: str, date: str, kind: str) -> Any:
    return lambda record: status_module(record).__setitem__(field, {"date": date, "type": kind})


def _enrollment(count: int, kind: str) -> Any:
    return lambda record: module(record, "designModule").__setitem__("enrollmentInfo", {"count": count, "type": kind})


def _terminated(record: dict[str, Any]) -> None:
    """Terminated with 41 enrolled, data collection and the study ending on 2025-11-16 (actual)."""
    status = status_module(record)
    status["overallStatus"] = "TERMINATED"
    status["whyStopped"] = "Slow accrual"
    _date("primaryCompletionDateStruct", "2025-11-16", "ACTUAL")(record)
    _date("completionDateStruct", "2025-11-16", "ACTUAL")(record)
    _enrollment(41, "ACTUAL")(record)


def _texts(events: list) -> list[str]:  # type: ignore[type-arg]
    return [event.text for event in events]


def _to_the_real_record(name: str, earlier: Any) -> list[str]:
    """Events from the record as it was (the real one with ``earlier`` applied) to the real record."""
    old = study(name)
    earlier(old)
    return _texts(compare(view_of(old), view_of(study(name))))


# ── a trial that stopped short: it ended, it did not complete ───────────────────────────


def test_a_terminated_trial_ended_14_months_before_its_planned_completion() -> None:
    events = changes(RECRUITING_325, _terminated)
    assert _texts(events) == [
        "Overall status: Recruiting → Terminated",
        "Why stopped: “Slow accrual”",
        "Primary data collection ended (terminated) on 2025-11-16, 14 months before its planned primary completion",
        "Study ended (terminated) on 2025-11-16, 14 months before its planned completion",
        "Enrollment final: 41 participants (actual), 284 fewer than the 325 targeted",
    ]
    assert [e.level for e in events if e.kind in ("date", "enrollment")] == [Level.MEDIUM] * 3
    assert not any("early" in text or "completed" in text or "reached" in text for text in _texts(events))


def test_the_date_can_be_posted_after_the_status() -> None:
    def terminated(record: dict[str, Any]) -> None:
        status_module(record)["overallStatus"] = "TERMINATED"

    def ended_late(record: dict[str, Any]) -> None:
        _date("completionDateStruct", "2027-04-20", "ACTUAL")(record)

    events = changes(RECRUITING_325, ended_late, before=terminated)
    assert _texts(events) == ["Study ended (terminated) on 2027-04-20, 3 months after its planned completion"]
    events = changes(RECRUITING_325, _date("completionDateStruct", "2027-01-16", "ACTUAL"), before=terminated)
    assert _texts(events) == ["Study ended (terminated) on 2027-01-16, at its planned completion"]
    year_only = (lambda r: (terminated(r), _date("completionDateStruct", "2027", "ESTIMATED")(r)))
    events = changes(RECRUITING_325, _date("completionDateStruct", "2026-05-02", "ACTUAL"), before=year_only)
    assert _texts(events) == ["Study ended (terminated) on 2026-05-02 (planned completion was 2027)"]


def test_a_suspended_or_withdrawn_trial_ended_too() -> None:
    def suspended(record: dict[str, Any]) -> None:
        status_module(record)["overallStatus"] = "SUSPENDED"
        _date("completionDateStruct", "2024-11-30", "ACTUAL")(record)

    assert _texts(changes(RECRUITING_20, suspended)) == [
        "Overall status: Recruiting → Suspended",
        "Study ended (suspended) on 2024-11-30, 4 months before its planned completion",
    ]
    # the real withdrawn record's dates (2015-03, actual) against a plan of 2016-05
    def planned(record: dict[str, Any]) -> None:
        _date("primaryCompletionDateStruct", "2016-05", "ESTIMATED")(record)
        _date("completionDateStruct", "2016-05", "ESTIMATED")(record)

    assert _to_the_real_record(WITHDRAWN, planned) == [
        "Primary completion: withdrawn on 2015-03, 14 months before its planned primary completion",  # no data
        "Study ended (withdrawn) on 2015-03, 14 months before its planned completion",
    ]


def test_a_completed_trial_still_completed_early() -> None:
    def completed(record: dict[str, Any]) -> None:
        status_module(record)["overallStatus"] = "COMPLETED"
        _date("completionDateStruct", "2025-11-16", "ACTUAL")(record)

    assert _texts(changes(RECRUITING_325, completed))[1] == "Study completed on 2025-11-16 (actual): 14 months early"


def test_the_terminated_trials_message_says_it_ended() -> None:
    old = study(RECRUITING_325)
    new = orjson.loads(orjson.dumps(old))
    _terminated(new)
    before, after = read_study(old), read_study(new)
    decision = decide("NCT06388018", after, previous_fingerprint=before.fingerprint, previous_view=before.view,
                      compare_groups=COMPARE_GROUPS)
    message = chat_message(decision.view or {}, decision.events)
    assert decision.outcome is Outcome.CHANGED and message is not None
    assert "Study ended (terminated) on 2025-11-16, 14 months before its planned completion" in message.body
    assert "early" not in message.body


# ── an actual count is final only once the trial is over ────────────────────────────────


def test_an_actual_count_of_a_recruiting_trial_is_so_far() -> None:
    events = changes(RECRUITING_20, _enrollment(7, "ACTUAL"))
    assert _texts(events) == ["Enrolled so far: 7 participants (actual), of the 20 targeted"]
    events = changes(RECRUITING_20, _enrollment(12, "ACTUAL"), before=_enrollment(7, "ACTUAL"))
    assert _texts(events) == ["Enrolled so far: 7 → 12 participants (actual)"]
    events = changes(RECRUITING_20, _enrollment(23, "ACTUAL"))
    assert _texts(events) == ["Enrolled so far: 23 participants (actual), 3 more than the 20 targeted"]


def test_an_active_trials_count_turning_actual_is_so_far() -> None:
    # the real record says 5796 (actual); before, the registry showed the target
    assert _to_the_real_record(ACTIVE, _enrollment(6000, "ESTIMATED")) == [
        "Enrolled so far: 5796 participants (actual), of the 6000 targeted"]


def test_a_suspended_trials_count_is_so_far() -> None:
    def suspended(record: dict[str, Any]) -> None:
        status_module(record)["overallStatus"] = "SUSPENDED"
        _enrollment(7, "ACTUAL")(record)

    assert _texts(changes(RECRUITING_20, suspended)) == [
        "Overall status: Recruiting → Suspended", "Enrolled so far: 7 participants (actual), of the 20 targeted"]


def test_a_withdrawn_trials_zero_is_no_one_enrolled() -> None:
    # the real record says 0 (actual); before, the registry showed a target of 40
    assert _to_the_real_record(WITHDRAWN, _enrollment(40, "ESTIMATED")) == [
        "Enrollment final: no participants enrolled (actual); 40 were targeted"]
    assert enrollment_text({"count": None, "type": "ESTIMATED"}, {"count": 0, "type": "ACTUAL"}, "WITHDRAWN") == (
        "Enrollment final: no participants enrolled (actual)")
    assert _texts(changes(WITHDRAWN, _enrollment(3, "ACTUAL"))) == ["Enrollment final: 0 → 3 participants (actual)"]


def test_a_trial_that_ends_with_a_new_actual_count_says_its_final_count() -> None:
    def terminated(record: dict[str, Any]) -> None:
        status_module(record)["overallStatus"] = "TERMINATED"
        _enrollment(5, "ACTUAL")(record)

    assert _texts(changes(RECRUITING_20, _enrollment(12, "ACTUAL"), before=_enrollment(7, "ACTUAL"))) == [
        "Enrolled so far: 7 → 12 participants (actual)"]
    assert "Enrollment final: 20 → 5 participants (actual)" in _texts(changes(RECRUITING_20, terminated,
                                                                           before=_enrollment(20, "ACTUAL")))
