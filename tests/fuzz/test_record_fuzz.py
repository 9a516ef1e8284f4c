"""Any mutation of a real ClinicalTrials.gov record (keys dropped, nulls, wrong types, empty lists, very
long strings, duplicated sites, dates in odd formats) is read into a view or refused with the reader's
own error (RecordShapeError, naming the trial); compared with its previous version, worded, carded and
rendered for chat and email, it never raises; a page with one unreadable record names it and goes on."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from monitor.core.card import card_of, next_expected
from monitor.core.changes import what_changed
from monitor.core.decide import decide, next_state
from monitor.core.expectations import ExpectationOptions
from monitor.core.expectations.evaluate import evaluate
from monitor.core.expectations.rules import facts_of
from monitor.core.model import COMPARE_GROUPS, ChangeEvent, Outcome, Record, TrialState
from monitor.core.places import read_place
from monitor.delivery.render import AlertContent, render
from monitor.registry.ctgov.record import read_page, read_study, view_of
from monitor.registry.ctgov.standin.fixtures import RECORDS
from monitor.registry.reader import RecordShapeError
from tests.support.messages import CHAT, trial_item
from tests.support.records import FIXTURES, study

EMAIL = CHAT.__class__("email.html", (RECORDS.parents[3] / "delivery" / "templates" / "email.html").read_text(), "html")
NAMES = sorted(path.stem for path in RECORDS.glob("NCT*.json")) + ["search-page-2", "search-page-3",
                                                                   "partial/NCT02576665"]
RAW = {name: orjson.dumps(study(name)) for name in NAMES}  # a fresh copy of each is one orjson.loads away
NOW = dt.datetime(2027, 3, 1, 7, 0, tzinfo=dt.UTC)
NEAR = (read_place("Paris, France"), read_place("California, United States"))

ODD_DATES = ["2026", "2026-13", "", "2026-02-30", "2026-00", "0000-00-00", "20260101", "2026-1-1", "99999-12",
             "2026-12-31T25:00", "-2026", "2026-W05", "tomorrow", "2026/02/01", "\u0662\u0660\u0662\u0666"]
LONG = ["x" * 100_000, "\u00e9" * 20_000 + "\n" * 5_000, "<script>alert(1)</script>" * 2_000,
        "[a](javascript:x) *b* `c` {{ d }} {% e %} \\" * 1_000]
INTS = st.integers(-(2**63), 2**64 - 1)  # what orjson reads as ints (a larger number arrives as a float)
STRANGE = st.one_of(
    # what JSON as orjson reads it can hold: 64-bit ints, no NaN nor infinity
    st.none(), st.booleans(), INTS, st.sampled_from([2**64 - 1, -(2**63), 2**53 + 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30), st.sampled_from(ODD_DATES), st.sampled_from(LONG), st.builds(list), st.builds(dict),
    st.lists(st.one_of(st.none(), INTS, st.text(max_size=5), st.just({})), max_size=3),
    st.dictionaries(st.sampled_from(["date", "type", "count", "value", "groupId", "title", "id"]),
                    st.one_of(st.none(), INTS, st.text(max_size=8), st.sampled_from(ODD_DATES)), max_size=3),
)
WAYS = ("drop", "replace", "empty", "duplicate", "date")


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any, list[str]]:
    """A real record with one to five of its parts, at any depth, dropped, replaced by anything, emptied,
    duplicated (a list's items: sites, outcomes, groups …) or given an odd date; and what was done."""
    name = draw(st.sampled_from(NAMES))
    record = orjson.loads(RAW[name])
    done = []
    for _ in range(draw(st.integers(1, 5))):
        parent, key = None, None
        node = record
        while isinstance(node, (dict, list)) and node and (parent is None or draw(st.integers(0, 5))):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            parent, key = node, keys[draw(st.integers(0, len(keys) - 1))]
            node = parent[key]
        if parent is None:
            continue
        way = draw(st.sampled_from(WAYS))
        done.append(f"{way} {key}")
        if way == "drop":
            del parent[key]
        elif way == "replace":
            parent[key] = draw(STRANGE)
        elif way == "empty":
            parent[key] = type(node)() if isinstance(node, (dict, list, str)) else None
        elif way == "duplicate" and isinstance(parent, list):
            parent.insert(key, orjson.loads(orjson.dumps(node)))
        elif way == "date":
            target = node if isinstance(node, dict) else parent
            if isinstance(target, dict):
                target["date"] = draw(st.sampled_from(ODD_DATES))
    return name, orjson.loads(orjson.dumps(record)), done  # as served: JSON bytes, read as the client reads them


STATUS = ("protocolSection", "statusModule")
DATED = [(*STATUS, part, "date") for part in ("startDateStruct", "primaryCompletionDateStruct", "completionDateStruct",
                                               "lastUpdatePostDateStruct", "resultsFirstPostDateStruct")]
TARGETS = [*DATED, (*STATUS, "statusVerifiedDate"), (*STATUS, "overallStatus"), (*STATUS, "lastKnownStatus"),
           (*STATUS, "whyStopped"), ("protocolSection", "designModule", "enrollmentInfo", "count"),
           ("protocolSection", "identificationModule", "briefTitle"), ("hasResults",)]
SITES = ("protocolSection", "contactsLocationsModule", "locations")


@st.composite
def edited_where_it_matters(draw: st.DrawFn) -> tuple[str, Any, list[str]]:
    """A real record with its dates, status, enrollment or title made odd, or its sites duplicated or odd."""
    name = draw(st.sampled_from(NAMES))
    record = orjson.loads(RAW[name])
    done = []
    for path in draw(st.lists(st.sampled_from(TARGETS), min_size=1, max_size=4)):
        parent = record
        for step in path[:-1]:
            parent = parent.setdefault(step, {}) if isinstance(parent, dict) else {}
        value = draw(st.sampled_from(ODD_DATES) if path in DATED else STRANGE)
        if isinstance(parent, dict):
            parent[path[-1]] = value
            done.append(f"{'.'.join(path)} = {value!r:.40}")
    sites = record["protocolSection"].get("contactsLocationsModule", {}).get("locations")
    if sites and draw(st.booleans()):
        chosen = draw(st.lists(st.integers(0, len(sites) - 1), min_size=1, max_size=5))
        sites.extend(orjson.loads(orjson.dumps([sites[i] for i in chosen])))  # the same site listed again
        sites[chosen[0]] = {**sites[chosen[0]], draw(st.sampled_from(["facility", "city", "country", "status"])):
                            draw(STRANGE)}
        done.append(f"sites {chosen} listed twice, one made odd")
    return name, orjson.loads(orjson.dumps(record)), done


def as_stored(value: Any) -> Any:
    """An event's old/new value as the store keeps it (JSON) and the delivery reads it back."""
    return orjson.loads(orjson.dumps(value))


def read_and_compare(old: dict[str, Any], new: Any) -> Record:
    """Everything the product does with a served record and its previous version, short of I/O."""
    try:
        view_of(new)
    except RecordShapeError as error:
        assert str(error).startswith(error.trial_id or "study without an NCT id"), error
    record = read_study(new)
    assert (record.view is None) == (record.problem is not None)
    decision = decide("NCT00000000", record, previous_fingerprint="0" * 64, previous_view=old,
                      compare_groups=COMPARE_GROUPS, near=NEAR)
    if record.view is None:
        assert decision.outcome is Outcome.ERROR and decision.note == record.problem
        return record
    state = next_state(TrialState("NCT00000000"), decision, NOW)
    card_of(record.view)
    next_expected(facts_of(record.view), NOW.date())
    evaluate(state.expectation_facts or {}, (), evaluated_since=NOW - dt.timedelta(days=400), now=NOW,
             options=ExpectationOptions(milestone_days=30))
    for before, after in ((old, record.view), (record.view, old)):
        events = decide("NCT00000000", Record((), after, "1" * 64), previous_fingerprint="0" * 64,
                        previous_view=before, compare_groups=COMPARE_GROUPS, near=NEAR).events
        stored = [ChangeEvent(e.kind, e.field, as_stored(e.old), as_stored(e.new), e.text, e.level) for e in events]
        for event in stored:
            what_changed(event.kind, event.field, event.old, event.new)
        content = AlertContent((trial_item(after, stored, NOW),))
        for template in (CHAT, EMAIL):
            rendered = render(content, template)
            assert rendered.title and "\n" not in rendered.title
    return record


def found(name: str, edit: Any) -> tuple[str, Any, list[str]]:
    """A real record with one edit the fuzzers found to break a reader (before its fix)."""
    record = orjson.loads(RAW[name])
    edit(record)
    return name, record, ["found"]


def outcome_measure(record: dict[str, Any]) -> dict[str, Any]:
    return record["resultsSection"]["outcomeMeasuresModule"]["outcomeMeasures"][0]


@given(st.one_of(mutated(), edited_where_it_matters()))
@example(("NCT06171568", {"protocolSection": {"identificationModule": {"nctId": "NCT06171568"},
                                              "statusModule": {"overallStatus": "RECRUITING"}}}, ["all but the core"]))
# results.py: AttributeError, an outcome's type a number ('int' object has no attribute 'upper')
@example(found("NCT02513394", lambda r: outcome_measure(r).update(type=7)))
# results.py: TypeError, a groupId that is an object (unhashable, and then a non-text key in the view)
@example(found("NCT02513394", lambda r: outcome_measure(r)["denoms"][0]["counts"][0].update(groupId={})))
@example(found("NCT02513394", lambda r: outcome_measure(r)["classes"][0]["categories"][0]["measurements"][0].update(
    groupId=[1])))
@example(found("NCT02513394", lambda r: r["resultsSection"]["participantFlowModule"]["periods"][0]["milestones"][0][
    "achievements"][0].update(groupId={"a": 1})))
def test_any_mutation_of_a_real_record_is_read_compared_and_worded_or_named_unreadable(
    case: tuple[str, Any, list[str]],
) -> None:
    name, record, _ = case
    read_and_compare(view_of(orjson.loads(RAW[name])), record)


@given(st.lists(mutated(), min_size=1, max_size=4), st.integers(0, 3))
def test_a_page_with_unreadable_records_names_each_and_goes_on_with_the_others(
    cases: list[tuple[str, Any, list[str]]], at: int,
) -> None:
    page = [record for _, record, _ in cases]
    page.insert(min(at, len(page)), {"protocolSection": "garbage"})  # one unreadable for sure
    page.insert(0, orjson.loads(RAW["NCT00973089"]))  # and one good one
    expected = [read_study(orjson.loads(orjson.dumps(record))) for record in page]
    records = read_page(page)
    assert page == []  # each raw study let go once read
    assert [r.ids for r in records] == [r.ids for r in expected] and len(records) == len(cases) + 2
    assert records[0].view is not None and records[0].ids == ("NCT00973089",)
    for record in records:
        assert (record.view is None) == bool(record.problem)
    assert sum(r.view is None for r in records) >= 1


@pytest.mark.parametrize("name", ["v1/NCT00023673", "v1/NCT04780763", "int-history/NCT03690141.history-true"])
def test_answers_of_another_shape_are_refused_with_the_readers_error(name: str) -> None:
    answer = orjson.loads((FIXTURES / f"{name}.json").read_bytes())
    record = read_study(answer)
    assert record.view is None and record.problem
