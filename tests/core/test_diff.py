"""compare(): real records, edited the way the registry edits them, give the right typed events."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.core.diff import compare
from monitor.core.events import shift_words
from monitor.core.model import ChangeEvent, Level
from monitor.registry.ctgov.record import view_of
from tests.support.records import changes, module, status_module, study, swap_three_sites


def _summary(events: list[ChangeEvent]) -> list[tuple[str, Level]]:
    return [(event.kind, event.level) for event in events]


def _set_status(status: str, **extra: Any) -> Any:
    def edit(record: dict[str, Any]) -> None:
        status_module(record)["overallStatus"] = status
        status_module(record).update(extra)

    return edit


def _set_date(field: str, date: str, kind: str) -> Any:
    return lambda record: status_module(record).__setitem__(field, {"date": date, "type": kind})


# ── status ──────────────────────────────────────────────────────────────────────────────


def test_not_yet_recruiting_to_recruiting_is_high() -> None:
    events = changes("NCT06171568", _set_status("RECRUITING"))
    assert _summary(events) == [("status", Level.HIGH)]
    assert events[0].text == "Overall status: Not yet recruiting → Recruiting"
    assert (events[0].old, events[0].new) == ("NOT_YET_RECRUITING", "RECRUITING")


def test_terminated_with_why_stopped() -> None:
    events = changes("NCT06171568", _set_status("TERMINATED", whyStopped="Sponsor decision (funding)"))
    assert _summary(events) == [("status", Level.HIGH), ("why_stopped", Level.MEDIUM)]
    assert events[0].text == "Overall status: Not yet recruiting → Terminated"
    assert events[1].text == "Why stopped: “Sponsor decision (funding)”"


def test_why_stopped_edited_and_removed() -> None:
    record = study("NCT00973089")
    events = changes(record, lambda r: status_module(r).__setitem__("whyStopped", "No funding"))
    assert events[0].text.startswith("Why stopped changed: “recruiting or enrolling")
    assert events[0].text.endswith("→ “No funding”")
    events = changes("NCT00973089", lambda r: status_module(r).pop("whyStopped"))
    assert events[0].text.startswith("Why stopped removed (was “recruiting")


def test_lapse_into_unknown_names_the_last_known_status() -> None:
    events = changes("search-page-2", _set_status("UNKNOWN", lastKnownStatus="RECRUITING"))
    assert _summary(events) == [("status", Level.MEDIUM)]
    assert events[0].text == "Overall status: Recruiting → Unknown (status not verified for 2 years; last known: Recruiting)"


def test_active_not_recruiting_is_medium() -> None:
    events = changes("search-page-2", _set_status("ACTIVE_NOT_RECRUITING"))
    assert _summary(events) == [("status", Level.MEDIUM)]


# ── results ─────────────────────────────────────────────────────────────────────────────


def test_results_posted_is_high() -> None:
    def post(record: dict[str, Any]) -> None:
        record["hasResults"] = True
        status_module(record)["resultsFirstSubmitDate"] = "2026-10-30"
        status_module(record)["resultsFirstPostDateStruct"] = {"date": "2026-11-21", "type": "ACTUAL"}

    events = changes("NCT03418623", post)
    assert _summary(events) == [("results", Level.HIGH)]
    assert events[0].text == "Results posted on 2026-11-21"


def test_submission_tracking_release_then_reset_then_cancel() -> None:
    def tracking(*infos: dict[str, str]) -> Any:
        def edit(record: dict[str, Any]) -> None:
            misc = record["derivedSection"]["miscInfoModule"]
            misc["submissionTracking"] = {"submissionInfos": [dict(info) for info in infos]}

        return edit

    released = {"releaseDate": "2026-03-02"}
    returned = {"releaseDate": "2026-03-02", "resetDate": "2026-04-10"}
    events = changes("NCT03418623", tracking(released))
    assert _summary(events) == [("results", Level.MEDIUM)]
    assert events[0].text == "Results submitted on 2026-03-02, in quality review"

    events = changes("NCT03418623", tracking(returned), before=tracking(released))
    assert [e.text for e in events] == ["Results returned to the sponsor on 2026-04-10 (quality review comments)"]

    second = {"releaseDate": "2026-05-20", "unreleaseDate": "2026-05-22"}
    events = changes("NCT03418623", tracking(returned, second), before=tracking(returned))
    assert [e.text for e in events] == [
        "Results submitted on 2026-05-20, in quality review",
        "Results submission cancelled by the sponsor on 2026-05-22",
    ]


# ── dates and enrollment ────────────────────────────────────────────────────────────────


def test_primary_completion_slip_on_the_big_record() -> None:  # its speed: bench/diff_cost.py
    old = study("NCT02513394")
    _set_date("primaryCompletionDateStruct", "2026-12", "ESTIMATED")(old)
    new = study("NCT02513394")
    _set_date("primaryCompletionDateStruct", "2028-06-30", "ESTIMATED")(new)
    old_view, new_view = view_of(old), view_of(new)

    events = compare(old_view, new_view)
    assert _summary(events) == [("date", Level.MEDIUM)]
    assert events[0].field == "primary_completion"
    assert events[0].text == "Primary completion slipped 18 months: 2026-12 → 2028-06-30 (estimated), 1st slip"


def test_estimated_date_reached() -> None:
    events = changes(
        "NCT06171568",
        _set_date("primaryCompletionDateStruct", "2026-12-15", "ACTUAL"),
        before=_set_date("primaryCompletionDateStruct", "2026-12", "ESTIMATED"),
    )
    assert [e.text for e in events] == ["Primary completion reached on 2026-12-15 (actual): on schedule"]


def test_dates_moving_earlier_and_start_slipping() -> None:
    events = changes("NCT06171568", lambda r: (
        _set_date("startDateStruct", "2024-05-01", "ESTIMATED")(r),
        _set_date("completionDateStruct", "2024-12-01", "ESTIMATED")(r),
    ))
    assert [e.text for e in events] == [
        "Study start slipped 3 months: 2024-02-01 → 2024-05-01 (estimated), 1st slip",
        "Study completion moved earlier by 2 months: 2025-02-01 → 2024-12-01 (estimated)",
    ]


@pytest.mark.parametrize(
    ("before", "after", "words"),
    [
        ("2026-12", "2028-06-30", " (slipped 18 months)"),
        ("2026-12-15", "2026-12-29", " (slipped 14 days)"),
        ("2027-01", "2026-12", " (moved earlier by 1 month)"),
        ("2026", "2027", " (slipped 12 months)"),
        ("2026", "2027-03", ""),
        ("2026-12", "2026-12", ""),
        ("soon", "2026-12", ""),
        (None, "2026-12", ""),
    ],
)
def test_shift_words(before: str | None, after: str | None, words: str) -> None:
    assert shift_words(before, after) == words


def test_enrollment_target_and_actual() -> None:
    def enrollment(count: int, kind: str) -> Any:
        return lambda r: module(r, "designModule").__setitem__("enrollmentInfo", {"count": count, "type": kind})

    events = changes("NCT06171568", enrollment(999, "ESTIMATED"), before=enrollment(40, "ESTIMATED"))
    assert _summary(events) == [("enrollment", Level.MEDIUM)]
    assert events[0].text == "Enrollment target: 40 → 999 participants (estimated)"
    events = changes("NCT06171568", enrollment(98, "ACTUAL"), before=enrollment(120, "ESTIMATED"))
    assert events[0].text == "Enrolled so far: 98 participants (actual), of the 120 targeted"  # not yet recruiting


# ── the whole comparison ────────────────────────────────────────────────────────────────


def test_only_last_update_posted_changed_is_one_info_event() -> None:
    events = changes("NCT06171568", lambda r: status_module(r)["lastUpdatePostDateStruct"].__setitem__("date", "2026-11-21"))
    assert _summary(events) == [("record_updated", Level.INFO)]
    assert events[0].text == "Record updated on 2026-11-21 (no change in the compared fields)"


def test_no_separate_event_for_the_update_date_when_something_changed() -> None:
    def edit(record: dict[str, Any]) -> None:
        status_module(record)["lastUpdatePostDateStruct"]["date"] = "2026-11-21"
        status_module(record)["overallStatus"] = "RECRUITING"

    assert [e.kind for e in changes("NCT06171568", edit)] == ["status"]


def test_verified_date_alone_is_info() -> None:
    def edit(record: dict[str, Any]) -> None:
        status_module(record)["lastUpdatePostDateStruct"]["date"] = "2026-11-21"
        status_module(record)["statusVerifiedDate"] = "2026-11"

    events = changes("NCT06171568", edit)
    assert _summary(events) == [("record_updated", Level.INFO), ("status_verified", Level.INFO)]
    assert events[1].text == "Status verified: 2023-12 → 2026-11"


def test_groups_limit_what_is_compared() -> None:
    assert changes("NCT02210780", swap_three_sites, groups=["status"]) == []

    def both(record: dict[str, Any]) -> None:
        swap_three_sites(record)
        status_module(record)["overallStatus"] = "TERMINATED"

    assert [e.kind for e in changes("NCT02210780", both, groups=["status"])] == ["status"]
    assert [e.kind for e in changes("NCT02210780", both, groups=["sites", "status"])] == ["status", "sites"]
    with pytest.raises(ValueError, match="unknown compare group"):
        changes("NCT02210780", both, groups=["status", "colour"])


def test_events_come_in_a_sensible_order() -> None:
    def everything(record: dict[str, Any]) -> None:
        module(record, "referencesModule")["references"].append({"pmid": "41234567", "type": "RESULT", "citation": "X"})
        module(record, "sponsorCollaboratorsModule")["leadSponsor"]["name"] = "Someone else"
        module(record, "outcomesModule")["primaryOutcomes"][0]["timeFrame"] = "2 years"
        module(record, "armsInterventionsModule")["interventions"][0]["name"] = "Questionnaires"
        module(record, "eligibilityModule")["sex"] = "FEMALE"
        module(record, "contactsLocationsModule")["locations"][0]["city"] = "Paris 10e"
        module(record, "designModule")["enrollmentInfo"]["count"] = 500
        _set_date("completionDateStruct", "2026-02-01", "ESTIMATED")(record)
        record["hasResults"] = True
        _set_status("TERMINATED", whyStopped="Slow accrual")(record)

    events = changes("NCT06171568", everything)
    assert [e.kind for e in events] == [
        "status", "why_stopped", "results", "date", "enrollment", "sites", "eligibility",
        "interventions", "outcomes", "sponsors", "publications",
    ]
    assert events[2].text == "Results posted"
    assert events[6].text == "Sex: All → Female"


def test_record_text_in_events_is_markdown_safe() -> None:
    events = changes("NCT06171568", _set_status("TERMINATED", whyStopped="<script>alert(1)</script> [win](http://evil.example) *now*"))
    text = events[1].text
    assert "<script>" not in text and "[win]" not in text
    assert text == r"Why stopped: “\<script\>alert(1)\</script\> \[win\](http://evil.example) \*now\*”"
    assert events[1].new == "<script>alert(1)</script> [win](http://evil.example) *now*"  # values stay plain


def test_a_site_and_a_date_on_the_big_record() -> None:  # the time it takes: bench/diff_cost.py
    old_record = study("NCT02513394")
    new_record = study("NCT02513394")
    new_record["protocolSection"]["contactsLocationsModule"]["locations"].pop(7)
    _set_date("primaryCompletionDateStruct", "2022-05", "ESTIMATED")(new_record)
    events = compare(view_of(old_record), view_of(new_record))
    assert [e.kind for e in events] == ["date", "sites"]
