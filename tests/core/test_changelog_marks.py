"""Outcome switching, marked and listable in the changelogs: the text and Markdown lines, the Atom
entries (a second category, ``outcome-switching``), and a kind filter (``history --kind``, ``feed --kind``,
a feed's ``?kind=``)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

from monitor.core.changelog import Entry, newest_first, of_kinds, render
from monitor.core.model import ChangeEvent
from monitor.registry.ctgov.record import view_of
from tests.support.records import changes, module, status_module, study

ATOM = "{http://www.w3.org/2005/Atom}"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
TRIAL = "NCT04207047"  # started 2018-10-02 (actual)
SWITCH = ("Primary outcome changed after the trial started (started 2018-10-02): time frame “14 days” → “28 days” "
          "for “Primary Outcome”")


def _switched(record: dict[str, Any]) -> None:
    module(record, "outcomesModule")["primaryOutcomes"][0]["timeFrame"] = "28 days"
    secondary = module(record, "outcomesModule").setdefault("secondaryOutcomes", [])
    secondary.append({"measure": "Pain", "timeFrame": "7 days"})
    status_module(record)["lastUpdatePostDateStruct"] = {"date": "2026-11-20", "type": "ACTUAL"}


def _entries() -> list[Entry]:
    """The events as the read model makes them (detected 2026-11-21, posted 2026-11-20), with a baseline."""
    edited = study(TRIAL)
    _switched(edited)
    view = view_of(edited)
    found: list[ChangeEvent] = changes(TRIAL, _switched)
    detected = datetime(2026, 11, 21, 10, tzinfo=UTC)
    entries = [Entry(TRIAL, e.kind, e.level.value, detected, e.text, e.old, e.new, str(n), link="https://example.org/t",
                     posted=view["updated"], title=view["title"]) for n, e in enumerate(found, start=1)]
    baseline = Entry(TRIAL, "baseline", "info", datetime(2026, 11, 1, 10, tzinfo=UTC),
                     "First checked (baseline recorded)", ref="b")
    return newest_first([baseline, *entries])


def test_the_events_are_one_switch_and_one_low_edit() -> None:
    assert [(e.kind, e.level, e.text) for e in _entries()][:2] == [
        ("outcome_switch", "high", SWITCH), ("outcomes", "low", "Secondary outcomes: 1 added (“Pain”)")]


def test_text_and_markdown_mark_outcome_switching() -> None:
    text = render(_entries(), "text", now=NOW).splitlines()
    assert text[0] == f"2026-11-20  [outcome switching] {SWITCH} (detected 2026-11-21)"
    assert text[1] == "2026-11-20  Secondary outcomes: 1 added (“Pain”) (detected 2026-11-21)"  # not marked
    markdown = render(_entries(), "markdown", now=NOW)
    assert f"- **2026-11-20** (detected 2026-11-21) · **high** · **outcome switching** · {SWITCH}" in markdown
    assert "- **2026-11-20** (detected 2026-11-21) · low · Secondary outcomes" in markdown


def test_atom_entries_carry_an_outcome_switching_category() -> None:
    feed = ET.fromstring(render(_entries(), "atom", title="t", now=NOW))
    switch, edit, _ = feed.findall(f"{ATOM}entry")
    assert [(c.get("term"), c.get("label")) for c in switch.findall(f"{ATOM}category")] == [
        ("outcome_switch", "outcome_switch (high)"), ("outcome-switching", "Outcome switching")]
    assert [c.get("term") for c in edit.findall(f"{ATOM}category")] == ["outcomes"]
    assert "): [outcome switching] Primary outcome changed after the trial started" in switch.findtext(f"{ATOM}title")
    assert switch.findtext(f"{ATOM}content").endswith(f"(high): [outcome switching] {SWITCH} (detected 2026-11-21)")


def test_json_lists_them_by_kind() -> None:
    events = json.loads(render(_entries(), "json", now=NOW))
    assert [e["text"] for e in events if e["kind"] == "outcome_switch"] == [SWITCH]


def test_a_kind_filter_lists_only_outcome_switching() -> None:
    entries = _entries()
    assert [e.kind for e in of_kinds(entries, ("outcome_switch",))] == ["outcome_switch"]
    assert of_kinds(entries, ()) == entries
    assert render(of_kinds(entries, ("outcome_switch",)), "text", now=NOW) == (
        f"2026-11-20  [outcome switching] {SWITCH} (detected 2026-11-21)\n")
