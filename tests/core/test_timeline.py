"""Date slips (counted), estimates that became actual, enrollment targets and finals, on real records."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from monitor.core.decide import decide
from monitor.core.diff import compare
from monitor.core.events.context import PastEvent, PastVersion, TrialHistory, history_of, is_slip, ordinal, shift
from monitor.core.events.timeline import timing_words
from monitor.core.model import COMPARE_GROUPS, Level, Outcome
from monitor.registry.ctgov.history import read_versions
from monitor.registry.ctgov.record import read_study, view_of
from tests.support.messages import chat_message
from tests.support.records import FIXTURES, changes, module, status_module, study


def _set_date(field: str, date: str, kind: str) -> Any:
    return lambda record: status_module(record).__setitem__(field, {"date": date, "type": kind})


def _enrollment(count: int | None, kind: str | None) -> Any:
    return lambda record: module(record, "designModule").__setitem__("enrollmentInfo", {"count": count, "type": kind})


def _texts(events: list) -> list[str]:  # type: ignore[type-arg]
    return [event.text for event in events]


# ── date slips, counted ─────────────────────────────────────────────────────────────────


def test_first_slip_of_primary_completion_is_medium_and_counted() -> None:
    events = changes("NCT06171568", _set_date("primaryCompletionDateStruct", "2028-01-15", "ESTIMATED"),
                     before=_set_date("primaryCompletionDateStruct", "2027-07-15", "ESTIMATED"))
    assert [(e.kind, e.field, e.level) for e in events] == [("date", "primary_completion", Level.MEDIUM)]
    assert events[0].text == "Primary completion slipped 6 months: 2027-07-15 → 2028-01-15 (estimated), 1st slip"
    assert events[0].old == {"date": "2027-07-15", "type": "ESTIMATED"}
    assert events[0].new == {"date": "2028-01-15", "type": "ESTIMATED"}


def test_earlier_slips_of_that_date_make_this_the_nth() -> None:
    old, new = study("NCT06171568"), study("NCT06171568")
    _set_date("primaryCompletionDateStruct", "2027-07-15", "ESTIMATED")(old)
    _set_date("primaryCompletionDateStruct", "2028-01-15", "ESTIMATED")(new)
    _set_date("startDateStruct", "2024-06-01", "ESTIMATED")(new)  # start slips 4 months: its own count
    history = TrialHistory(slips={"primary_completion": 1, "completion": 4})
    events = compare(view_of(old), view_of(new), history=history)
    assert _texts(events) == [
        "Study start slipped 4 months: 2024-02-01 → 2024-06-01 (estimated), 1st slip",
        "Primary completion slipped 6 months: 2027-07-15 → 2028-01-15 (estimated), 2nd slip",
    ]


def test_history_counts_slips_per_date_from_stored_events() -> None:
    def date_event(field: str, before: str, after: str) -> PastEvent:
        return PastEvent("date", field, {"date": before, "type": "ESTIMATED"}, {"date": after, "type": "ESTIMATED"})

    past = [
        date_event("primary_completion", "2026-12", "2027-07-15"),  # slip
        date_event("primary_completion", "2027-07-15", "2027-05-01"),  # earlier: not a slip
        date_event("primary_completion", "2027-05-01", "2027-07-15"),  # slip
        date_event("completion", "2027", "2028"),  # slip of another date
        PastEvent("date", "primary_completion", None, {"date": "2026-12", "type": "ESTIMATED"}),  # set: no slip
        PastEvent("enrollment", "enrollment", {"count": 1}, {"count": 2}),
    ]
    assert history_of(past).slips == {"primary_completion": 2, "completion": 1}


@pytest.mark.parametrize(
    ("before", "after", "moved"),
    [
        ("2027-07-15", "2028-01-15", (6, "month")),
        ("2026-12", "2028-06-30", (18, "month")),
        ("2026-12-15", "2026-12-29", (14, "day")),
        ("2026-03", "2026-03-20", (0, "month")),
        ("2027-01", "2026-12", (-1, "month")),
        ("2026", "2027-03", None),
        ("soon", "2026-12", None),
    ],
)
def test_shift(before: str, after: str, moved: tuple[int, str] | None) -> None:
    assert shift(before, after) == moved
    assert is_slip({"date": before}, {"date": after}) == bool(moved and moved[0] > 0)


def test_ordinals() -> None:
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "101st", "111th"]


# ── estimated → actual ──────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("estimated", "actual", "words"),
    [
        ("2026-03-01", "2026-03-01", "on schedule"),
        ("2026-03", "2026-03-20", "on schedule"),
        ("2025-12-01", "2026-03-01", "3 months late"),
        ("2026-05", "2026-03-01", "2 months early"),
        ("2026-03-01", "2026-03-11", "10 days late"),
        ("2026", "2026-03-01", "estimated 2026"),
    ],
)
def test_primary_completion_reached(estimated: str, actual: str, words: str) -> None:
    events = changes("NCT06171568", _set_date("primaryCompletionDateStruct", actual, "ACTUAL"),
                     before=_set_date("primaryCompletionDateStruct", estimated, "ESTIMATED"))
    assert [(e.kind, e.level) for e in events] == [("date", Level.MEDIUM)]
    assert events[0].text == f"Primary completion reached on {actual} (actual): {words}"
    assert timing_words(estimated, actual) == words


def test_study_start_and_completion_reached_name_themselves() -> None:
    def reach(record: dict[str, Any]) -> None:
        _set_date("startDateStruct", "2024-03-04", "ACTUAL")(record)
        _set_date("completionDateStruct", "2025-02-01", "ACTUAL")(record)

    assert _texts(changes("NCT06171568", reach)) == [
        "Study started on 2024-03-04 (actual): 1 month late",
        "Study completed on 2025-02-01 (actual): on schedule",
    ]


def test_a_date_set_removed_or_made_more_precise_is_said_plainly() -> None:
    events = changes("NCT06171568", lambda r: status_module(r).pop("completionDateStruct"))
    assert _texts(events) == ["Study completion: 2025-02-01 (estimated) → not given"]
    events = changes("NCT06171568", _set_date("completionDateStruct", "2025-02-01", "ESTIMATED"),
                     before=_set_date("completionDateStruct", "2025", "ESTIMATED"))
    assert _texts(events) == ["Study completion: 2025 (estimated) → 2025-02-01 (estimated)"]


# ── enrollment ──────────────────────────────────────────────────────────────────────────


def test_enrollment_target_changed() -> None:
    events = changes("NCT06171568", _enrollment(200, "ESTIMATED"), before=_enrollment(160, "ESTIMATED"))
    assert [(e.kind, e.level) for e in events] == [("enrollment", Level.MEDIUM)]
    assert events[0].text == "Enrollment target: 160 → 200 participants (estimated)"
    assert (events[0].old, events[0].new) == ({"count": 160, "type": "ESTIMATED"}, {"count": 200, "type": "ESTIMATED"})


@pytest.mark.parametrize(
    ("target", "final", "text"),
    [
        (160, 142, "Enrollment final: 142 participants (actual), 18 fewer than the 160 targeted"),
        (30, 42, "Enrollment final: 42 participants (actual), 12 more than the 30 targeted"),
        (1, 1, "Enrollment final: 1 participant (actual), as targeted"),
        (None, 16, "Enrollment final: 16 participants (actual)"),
    ],
)
def test_enrollment_final(target: int | None, final: int, text: str) -> None:
    def completed(record: dict[str, Any]) -> None:  # the final count is posted as the trial completes
        _enrollment(final, "ACTUAL")(record)
        status_module(record)["overallStatus"] = "COMPLETED"

    events = changes("NCT06171568", completed, before=_enrollment(target, "ESTIMATED"))
    assert [(e.kind, e.level, e.text) for e in events if e.kind == "enrollment"] == [("enrollment", Level.MEDIUM, text)]


def test_actual_enrollment_corrected() -> None:
    # NCT00973089 is a real withdrawn trial: 0 participants (actual)
    assert _texts(changes("NCT00973089", _enrollment(3, "ACTUAL"))) == ["Enrollment final: 0 → 3 participants (actual)"]


# ── the registry's version history (backfill) and earlier suspensions ───────────────────


def _recorded_versions() -> list[PastVersion]:
    return read_versions(orjson.loads((FIXTURES / "int-history" / "NCT03690141.history-true.json").read_bytes()))


def test_read_versions_of_the_recorded_history() -> None:
    versions = _recorded_versions()
    assert len(versions) == 10
    assert versions[0] == PastVersion(0, "2018-09-27", "NOT_YET_RECRUITING")
    assert versions[-1] == PastVersion(9, "2020-04-27", "COMPLETED")
    assert read_versions({"changes": [{"version": 0, "date": "2018-09-27"}, {"version": "x"}]}) == [
        PastVersion(0, "2018-09-27", None)]
    with pytest.raises(ValueError):
        read_versions({"study": {}})


def test_the_recorded_history_never_suspended() -> None:
    assert history_of([], _recorded_versions()).suspended == ()


def _suspended_once(versions: list[PastVersion]) -> list[PastVersion]:
    """The recorded history with versions 3-4 made a suspension (the registry's real history has none)."""
    return [PastVersion(v.version, v.posted, "SUSPENDED" if v.version in (3, 4) else v.status) for v in versions]


def test_a_status_change_says_the_trial_was_suspended_before() -> None:
    history = history_of([], _suspended_once(_recorded_versions()))
    assert history.suspended == ("2018-11-16",)
    old, new = study("search-page-2"), study("search-page-2")  # a real recruiting trial
    status_module(new)["overallStatus"] = "SUSPENDED"
    events = compare(view_of(old), view_of(new), history=history)
    assert events[0].level is Level.HIGH
    assert events[0].text == "Overall status: Recruiting → Suspended (was suspended once before, on 2018-11-16)"


def test_stored_status_events_count_after_the_backfilled_versions_only() -> None:
    versions = _suspended_once(_recorded_versions())
    past = [
        PastEvent("status", "overall_status", "RECRUITING", "SUSPENDED", "2019-01-18"),  # already a version: skip
        PastEvent("status", "overall_status", "RECRUITING", "SUSPENDED", "2021-05-03"),
    ]
    history = history_of(past, versions)
    assert history.suspended == ("2018-11-16", "2021-05-03")
    old, new = study("search-page-2"), study("search-page-2")
    status_module(old)["overallStatus"] = "SUSPENDED"  # resuming: the running suspension is not "before"
    events = compare(view_of(old), view_of(new), history=history)
    assert events[0].text == "Overall status: Suspended → Recruiting (was suspended once before, on 2018-11-16)"
    status_module(old)["overallStatus"] = "ACTIVE_NOT_RECRUITING"
    events = compare(view_of(old), view_of(new), history=history)
    assert events[0].text.endswith("(was suspended twice before, on 2018-11-16, 2021-05-03)")


def test_decide_passes_the_history_into_the_alert() -> None:
    old, new = study("NCT06171568"), study("NCT06171568")
    _set_date("primaryCompletionDateStruct", "2027-07-15", "ESTIMATED")(old)
    _set_date("primaryCompletionDateStruct", "2028-01-15", "ESTIMATED")(new)
    before, after = read_study(old), read_study(orjson.loads(orjson.dumps(new)))
    decision = decide("NCT06171568", after, previous_fingerprint=before.fingerprint, previous_view=before.view,
                      compare_groups=COMPARE_GROUPS, history=TrialHistory(slips={"primary_completion": 2}))
    message = chat_message(decision.view or {}, decision.events)
    assert decision.outcome is Outcome.CHANGED and message is not None
    assert "Primary completion slipped 6 months: 2027-07-15 → 2028-01-15 (estimated), 3rd slip" in message.body
