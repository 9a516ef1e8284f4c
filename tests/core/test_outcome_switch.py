"""Outcome switching (kind `outcome_switch`): a primary outcome added, removed or edited after an actual
start is high; before the start, or while it is estimated, it stays the low `outcomes` event. Real
records, edited as the registry would show a sponsor's edit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from monitor.core.choices import Choices, kinds_from
from monitor.core.decide import decide
from monitor.core.diff import raw_changes
from monitor.core.events.base import earlier, within
from monitor.core.events.protocol import outcome_events, started_before
from monitor.core.model import COMPARE_GROUPS, Level, Outcome, pushed
from monitor.registry.ctgov.record import read_study
from tests.support.records import changes, module, status_module, study

Edit = Callable[[dict[str, Any]], None]


def _primary(record: dict[str, Any]) -> list[dict[str, Any]]:
    return module(record, "outcomesModule")["primaryOutcomes"]


def _time_frame(value: str, posted: str | None = None) -> Edit:
    def edit(record: dict[str, Any]) -> None:
        _primary(record)[0]["timeFrame"] = value
        if posted:
            status_module(record)["lastUpdatePostDateStruct"] = {"date": posted, "type": "ACTUAL"}
    return edit


def _start(date: str, kind: str | None = "ACTUAL") -> Edit:
    def edit(record: dict[str, Any]) -> None:
        status_module(record)["startDateStruct"] = {"date": date, **({"type": kind} if kind else {})}
    return edit


def _said(events: list[Any]) -> list[tuple[str, Level, str]]:
    return [(e.kind, e.level, e.text) for e in events]


def test_a_time_frame_edited_after_an_actual_start_is_outcome_switching() -> None:
    # NCT04207047: started 2018-10-02 (actual); the record's last update posted 2019-12-20
    events = changes("NCT04207047", _time_frame("28 days"))
    assert _said(events) == [("outcome_switch", Level.HIGH, ("Primary outcome changed after the trial started "
                              "(started 2018-10-02): time frame “14 days” → “28 days” for “Primary Outcome”"))]
    [event] = events
    assert event.field == "primary_outcomes"
    assert event.old == {"Primary Outcome": {"description": "Demonstrate that complete re-epithelialization occurs "
                                             "at the treatment sites within two weeks post treatment.",
                                             "time_frame": "14 days"}}
    assert event.new["Primary Outcome"]["time_frame"] == "28 days"


def test_the_same_edit_while_the_start_is_estimated_stays_a_low_outcomes_event() -> None:
    # NCT06171568: start 2024-02-01 estimated
    events = changes("NCT06171568", _time_frame("2 years", posted="2024-05-02"))
    assert _said(events) == [("outcomes", Level.LOW, ("Primary outcomes: 1 edited (“Evaluation of the functional..”: "
                              "time frame 1 year → 2 years)"))]
    switched = changes("NCT06171568", _time_frame("2 years", posted="2024-05-02"), before=_start("2024-02-01"))
    assert _said(switched) == [("outcome_switch", Level.HIGH, (
        "Primary outcome changed after the trial started (started 2024-02-01): time frame “1 year” → “2 years” "
        "for “Evaluation of the functional..”"))]


@pytest.mark.parametrize(("start", "posted", "switched"), [
    ("2024-05-02", "2024-05-02", False),  # started the day the change was posted: not known to be earlier
    ("2024-06-01", "2024-05-02", False),  # an "actual" start after the change
    ("2024-05", "2024-05-20", False),  # started some day in May: not known to be before the 20th
    ("2024-04", "2024-05-20", True),
    ("2024-05-19", "2024-05-20", True),
])
def test_the_start_must_be_known_to_come_before_the_change(start: str, posted: str, switched: bool) -> None:
    events = changes("NCT06171568", _time_frame("2 years", posted=posted), before=_start(start))
    assert [e.kind for e in events] == ["outcome_switch" if switched else "outcomes"]


def test_a_start_without_its_type_is_not_an_actual_start() -> None:
    # NCT02513394 (start "2015-08", no type: registered before the registry typed dates)
    events = changes("NCT02513394", _time_frame("Up to 5 years"))
    assert [(e.kind, e.level) for e in events] == [("outcomes", Level.LOW)]
    assert started_before({"date": "2015-08", "type": None}, "2023-06-15") is None
    assert started_before({"date": "2015-08", "type": "ACTUAL"}, "2023-06-15") == "2015-08"
    assert started_before({"date": "2015-08", "type": "ESTIMATED"}, "2023-06-15") is None
    assert started_before(None, "2023-06-15") is None


def test_a_primary_outcome_added_removed_or_renamed_after_the_start() -> None:
    # NCT05594173: started 2019-09-13 (actual), two primary outcomes
    def add(record: dict[str, Any]) -> None:
        _primary(record).append({"measure": "Bolus Swallowing Safety", "timeFrame": "Baseline"})

    def remove(record: dict[str, Any]) -> None:
        del _primary(record)[1]

    def rename(record: dict[str, Any]) -> None:
        _primary(record)[1]["measure"] = "Total Chewing Time Per Bolus"
        _primary(record)[1]["timeFrame"] = "Week 4"

    when = "after the trial started (started 2019-09-13)"
    assert _said(changes("NCT05594173", add)) == [
        ("outcome_switch", Level.HIGH, f"Primary outcome added {when}: “Bolus Swallowing Safety”")]
    assert _said(changes("NCT05594173", remove)) == [
        ("outcome_switch", Level.HIGH, f"Primary outcome removed {when}: “Total Chewing Duration Per Bolus”")]
    assert _said(changes("NCT05594173", rename)) == [
        ("outcome_switch", Level.HIGH, (f"Primary outcome changed {when}: title “Total Chewing Duration Per Bolus” → "
         "“Total Chewing Time Per Bolus”, time frame “Baseline (single timepoint only)” → “Week 4”"))]


def test_a_description_edit_and_a_swap_of_one_outcome_for_another() -> None:
    def describe(record: dict[str, Any]) -> None:
        _primary(record)[0]["description"] = "Counted from video recordings instead."

    def swap(record: dict[str, Any]) -> None:  # both replaced: two new outcomes, two gone
        _primary(record)[:] = [{"measure": "Bite Force", "description": "a", "timeFrame": "Baseline"},
                               {"measure": "Jaw Opening", "description": "b", "timeFrame": "Baseline"}]

    when = "after the trial started (started 2019-09-13)"
    assert _said(changes("NCT05594173", describe)) == [
        ("outcome_switch", Level.HIGH, (f"Primary outcome changed {when}: description edited for "
         "“Number of Chewing Cycles Per Bolus”"))]
    assert [e.text for e in changes("NCT05594173", swap)] == [
        f"Primary outcome added {when}: “Bite Force”", f"Primary outcome added {when}: “Jaw Opening”",
        f"Primary outcome removed {when}: “Number of Chewing Cycles Per Bolus”",
        f"Primary outcome removed {when}: “Total Chewing Duration Per Bolus”"]


def test_text_only_edits_stay_silent_and_secondary_outcomes_stay_low() -> None:
    def retype(record: dict[str, Any]) -> None:
        outcome = _primary(record)[1]
        outcome["measure"] = outcome["measure"].upper()
        outcome["timeFrame"] = "  " + outcome["timeFrame"].lower().replace(" ", "  ")
        outcome["description"] = outcome["description"].replace("(sEMG)", "\\(sEMG\\)")

    assert changes("NCT05594173", retype) == []

    def secondary(record: dict[str, Any]) -> None:
        module(record, "outcomesModule").setdefault("secondaryOutcomes", []).append(
            {"measure": "Patient comfort", "timeFrame": "Baseline"})

    assert [(e.kind, e.level) for e in changes("NCT05594173", secondary)] == [("outcomes", Level.LOW)]


def test_many_primary_outcomes_at_once_are_five_lines_then_one() -> None:
    def many(record: dict[str, Any]) -> None:
        _primary(record).extend({"measure": f"Outcome {n}", "timeFrame": "Baseline"} for n in range(1, 8))

    events = changes("NCT05594173", many)
    assert len(events) == 6 and {(e.kind, e.level) for e in events} == {("outcome_switch", Level.HIGH)}
    assert events[-1].text == ("2 more primary outcomes changed after the trial started (started 2019-09-13): "
                               "“Outcome 6”; “Outcome 7”")
    assert set(events[-1].new) == {"Outcome 6", "Outcome 7"} and events[-1].old is None


def test_outcome_switching_is_pushed_high_and_targets_filter_it() -> None:
    before = study("NCT04207047")
    after = study("NCT04207047")
    _time_frame("28 days", posted="2020-01-15")(after)
    old = read_study(before)
    decision = decide("NCT04207047", read_study(after), previous_fingerprint=old.fingerprint, previous_view=old.view,
                      compare_groups=COMPARE_GROUPS)
    assert decision.outcome is Outcome.CHANGED
    assert [(e.kind, e.level) for e in pushed(decision.events)] == [("outcome_switch", Level.HIGH)]
    assert Choices(min_level=Level.HIGH).passes("outcome_switch", Level.HIGH)
    assert kinds_from(["outcomes"]) == ("outcomes", "outcome_switch")  # a target that kept outcome edits keeps these
    assert kinds_from(["outcome_switch"]) == ("outcome_switch",)
    assert not Choices(kinds=kinds_from(["outcome_switch"])).passes("outcomes", Level.LOW)


def test_the_builder_without_dates_words_edits_as_before() -> None:
    old = {"primary": {"A": {"description": None, "time_frame": "1 year"}}, "secondary": {}, "other": {}}
    new = {"primary": {"A": {"description": None, "time_frame": "2 years"}}, "secondary": {}, "other": {}}
    found = within(raw_changes({"outcomes": old}, {"outcomes": new}), "outcomes")
    assert [e.kind for e in outcome_events(old, new, found)] == ["outcomes"]
    assert [e.kind for e in outcome_events(old, new, found, {"date": "2020-01", "type": "ACTUAL"}, "2021-03-04")] == [
        "outcome_switch"]


@pytest.mark.parametrize(("day", "than", "expected"), [
    ("2024-03-01", "2024-03-15", True), ("2024-03", "2024-03-15", False), ("2024-02", "2024-03-15", True),
    ("2024-03-15", "2024-03-15", False), ("2024", "2024-03-15", False), ("2023", "2024-03-15", True),
    ("2021-11-10T11:05", "2021-11-11", True), (None, "2024-03-15", False), ("2024-03-01", None, False),
    ("soon", "2024-03-15", False),
])
def test_earlier_compares_at_the_coarser_precision(day: str | None, than: str | None, expected: bool) -> None:
    assert earlier(day, than) is expected
