"""The changelog renderers: text, Markdown, JSON and Atom from event values (events from real record pairs)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Any

import orjson
import pytest

from monitor.core.changelog import Entry, entry_id, newest_first, plain, render, version_entries
from monitor.core.model import ChangeEvent
from monitor.core.words import clip
from monitor.registry.ctgov.history import read_versions
from monitor.registry.ctgov.record import view_of
from tests.support.records import FIXTURES, changes, status_module, study

ATOM = "{http://www.w3.org/2005/Atom}"
LINK = "https://clinicaltrials.gov/study/NCT06171568"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)


def _at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=timezone.utc)


TITLE = "Lariboisière Cognitive Assessment: Evaluation of the 1-year Outcomes"  # NCT06171568's, as registered


def _entries(nct_id: str, events: list[ChangeEvent], day: str, first_ref: int, edited: dict[str, Any] | None = None,
             ) -> list[Entry]:
    """The events as the read model makes them: detected on ``day``, with the edited record's "last
    update posted" and title (the store keeps both)."""
    view = view_of(edited) if edited is not None else {}
    return [Entry(nct_id, e.kind, e.level.value, _at(day), e.text, e.old, e.new, str(first_ref + n), link=LINK,
                  posted=view.get("updated"), title=view.get("title") or "")
            for n, e in enumerate(events)]


def _posted(day: str) -> Any:
    def post(record: dict[str, Any]) -> None:  # the registry dates every edit it posts
        status_module(record)["lastUpdatePostDateStruct"] = {"date": day, "type": "ACTUAL"}
    return post


def _terminate(record: dict[str, Any]) -> None:
    status_module(record)["overallStatus"] = "TERMINATED"
    status_module(record)["whyStopped"] = "Sponsor_decision <b>funding</b>"  # record text with Markdown/HTML in it
    _posted("2026-11-22")(record)  # posted the day it was detected


def _slip(record: dict[str, Any]) -> None:
    status_module(record)["primaryCompletionDateStruct"] = {"date": "2028-01-15", "type": "ESTIMATED"}
    _posted("2026-11-20")(record)  # posted the day before trial-monitor saw it


def _edited(edit: Any, name: str = "NCT06171568") -> dict[str, Any]:
    record = study(name)
    edit(record)
    return record


@pytest.fixture
def entries() -> list[Entry]:
    older = _entries("NCT06171568", changes("NCT06171568", _slip), "2026-11-21", 1, _edited(_slip))
    newer = _entries("NCT06171568", changes("NCT06171568", _terminate), "2026-11-22", 2, _edited(_terminate))
    baseline = Entry("NCT06171568", "baseline", "info", _at("2026-11-20"), "First checked (baseline recorded)", ref="b",
                     link=LINK, posted="2023-12-14", title=TITLE)  # a baseline is dated when it was taken
    return newest_first([baseline, *older, *newer])


def test_newest_first_keeps_a_days_order(entries: list[Entry]) -> None:
    assert [(f"{e.when:%d}", e.kind) for e in entries] == [
        ("22", "status"), ("22", "why_stopped"), ("21", "date"), ("20", "baseline")]


def test_text_dates_a_change_as_the_registry_posted_it(entries: list[Entry]) -> None:
    assert render(entries, "text", now=NOW) == (
        "2026-11-22  Overall status: Not yet recruiting → Terminated\n"
        "2026-11-22  Why stopped: “Sponsor_decision <b>funding</b>”\n"
        "2026-11-20  Primary completion slipped 35 months: 2025-02-01 → 2028-01-15 (estimated), 1st slip"
        " (detected 2026-11-21)\n"
        "2026-11-20  First checked (baseline recorded)\n"
    )


def test_markdown_keeps_record_text_escaped(entries: list[Entry]) -> None:
    text = render(entries, "markdown", title="Lariboisière Cognitive Assessment", now=NOW)
    assert text.startswith("## NCT06171568 · Lariboisière Cognitive Assessment\n\n<https://clinicaltrials.gov/study/NCT06171568>\n")
    assert "- **2026-11-22** · **high** · Overall status: Not yet recruiting → Terminated" in text
    assert "- **2026-11-22** · medium · Why stopped: “Sponsor\\_decision \\<b\\>funding\\</b\\>”" in text
    assert "- **2026-11-20** (detected 2026-11-21) · medium · Primary completion slipped 35 months" in text
    assert "- **2026-11-20** · First checked (baseline recorded)" in text


def test_markdown_of_many_trials_heads_each_with_its_title(entries: list[Entry]) -> None:
    updated = _posted("2026-11-21")
    other = _entries("NCT00973089", changes("NCT00973089", updated), "2026-11-21", 9, _edited(updated, "NCT00973089"))
    text = render([*entries, *other], "markdown", now=NOW)
    assert "## NCT06171568 · Lariboisière Cognitive Assessment: Evaluation of the 1-year Outcomes\n" in text
    assert "## NCT00973089 · Alternative Treatment of Deep Carious Lesions Based on Biological Evidences\n" in text


def test_json_lists_kind_level_date_text_old_new(entries: list[Entry]) -> None:
    events = json.loads(render(entries, "json", now=NOW))
    assert events[0] == {
        "nct_id": "NCT06171568", "title": TITLE, "kind": "status", "level": "high", "date": "2026-11-22",
        "detected": "2026-11-22", "text": "Overall status: Not yet recruiting → Terminated", "old": "NOT_YET_RECRUITING",
        "new": "TERMINATED", "source": "trial-monitor",
    }
    assert events[1]["text"] == "Why stopped: “Sponsor_decision <b>funding</b>”"  # plain, not escaped
    assert events[2]["old"] == {"date": "2025-02-01", "type": "ESTIMATED"}
    assert (events[2]["date"], events[2]["detected"]) == ("2026-11-20", "2026-11-21")
    assert render([], "json", now=NOW) == "[]\n"


def test_atom_is_well_formed_with_the_required_elements(entries: list[Entry]) -> None:
    feed = ET.fromstring(render(entries, "atom", title="My trials", now=NOW))
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "My trials"
    assert feed.findtext(f"{ATOM}id").startswith("urn:uuid:")
    assert feed.findtext(f"{ATOM}updated") == "2026-11-22T10:00:00Z"
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "trial-monitor"
    items = feed.findall(f"{ATOM}entry")
    assert len(items) == 4
    for item, entry in zip(items, entries, strict=True):
        assert item.findtext(f"{ATOM}id") == entry_id(entry)
        assert item.find(f"{ATOM}link").get("href") == "https://clinicaltrials.gov/study/NCT06171568"
        assert item.find(f"{ATOM}content").get("type") == "text"
        # the trial's title, clipped on a word boundary
        assert item.findtext(f"{ATOM}title").startswith(
            "NCT06171568 (Lariboisière Cognitive Assessment: Evaluation of the 1-year…): ")
    # dated as the registry posted the change: the time it was seen when that is the same day
    assert [item.findtext(f"{ATOM}updated") for item in items] == [
        "2026-11-22T10:00:00Z", "2026-11-22T10:00:00Z", "2026-11-20T00:00:00Z", "2026-11-20T10:00:00Z"]
    assert items[1].findtext(f"{ATOM}content") == (
        f"NCT06171568 · {TITLE} (medium): Why stopped: “Sponsor_decision <b>funding</b>”")
    assert items[2].findtext(f"{ATOM}content").endswith("1st slip (detected 2026-11-21)")
    assert len({item.findtext(f"{ATOM}id") for item in items}) == 4


def test_an_entry_without_a_title_is_named_by_its_id() -> None:
    [event] = changes("NCT06171568", _slip)[:1]
    [entry] = _entries("NCT06171568", [event], "2026-11-21", 1)
    item = ET.fromstring(render([entry], "atom", title="t", now=NOW)).find(f"{ATOM}entry")
    assert item.findtext(f"{ATOM}title").startswith("NCT06171568: Primary completion slipped")
    assert item.findtext(f"{ATOM}updated") == "2026-11-21T10:00:00Z"  # no registry date: the day it was seen


def test_titles_are_clipped_on_a_word_boundary() -> None:
    assert clip(TITLE, 60) == "Lariboisière Cognitive Assessment: Evaluation of the 1-year…"
    assert clip(TITLE, 40) == "Lariboisière Cognitive Assessment…"  # no dangling colon
    assert clip(TITLE, 200) == TITLE
    assert clip("Pneumonoultramicroscopicsilicovolcanoconiosis study", 12) == "Pneumonoult…"  # one long word: cut


def test_an_empty_feed_is_still_valid() -> None:
    feed = ET.fromstring(render([], "atom", title="t", now=_at("2026-12-01")))
    assert feed.findtext(f"{ATOM}updated") == "2026-12-01T10:00:00Z" and feed.findall(f"{ATOM}entry") == []


def test_entry_ids_are_stable_and_distinct() -> None:
    one = Entry("NCT06171568", "status", "high", _at("2026-11-22"), "x", ref="7")
    assert entry_id(one) == entry_id(Entry("NCT06171568", "status", "high", _at("2026-11-23"), "y", ref="7"))
    assert entry_id(one) != entry_id(Entry("NCT06171568", "status", "high", _at("2026-11-22"), "x", ref="8"))
    assert entry_id(one) != entry_id(Entry("NCT00973089", "status", "high", _at("2026-11-22"), "x", ref="7"))
    assert entry_id(one) == "urn:uuid:16e04ebc-e829-547a-8793-02cd48fb75ac"  # as the first release made it


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format 'rss'"):
        render([], "rss", now=NOW)


def test_plain_undoes_only_markdown_escapes() -> None:
    assert plain("AT&T \\_x\\_ \\<b\\> C:\\path") == "AT&T _x_ <b> C:\\path"


def test_the_registry_history_as_entries() -> None:
    answer = orjson.loads((FIXTURES / "int-history" / "NCT03690141.history-true.json").read_bytes())
    found = version_entries("NCT03690141", read_versions(answer), registry="ClinicalTrials.gov")
    assert [(f"{e.when:%Y-%m-%d}", e.kind, e.level, e.text) for e in newest_first(found)] == [
        ("2020-04-27", "status", "high", "Overall status: Active, not recruiting → Completed (registry history, version 9)"),
        ("2019-07-16", "status", "medium", "Overall status: Recruiting → Active, not recruiting (registry history, version 7)"),
        ("2018-10-16", "status", "high", "Overall status: Not yet recruiting → Recruiting (registry history, version 1)"),
        ("2018-09-27", "registered", "info", "First posted on ClinicalTrials.gov: Not yet recruiting (registry history, version 0)"),
    ]
    assert {e.source for e in found} == {"registry history"}
