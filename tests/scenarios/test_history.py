"""Changelogs through the CLI: slips counted across checks, `history --format …` and `feed`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.support.receivers import JsonReceiver

ATOM = "{http://www.w3.org/2005/Atom}"
TRIAL = "NCT06171568"  # a real record: not yet recruiting, primary completion 2025-02-01 (estimated)


def _primary_completion(date: str, kind: str = "ESTIMATED"):  # type: ignore[no-untyped-def]
    def edit(study: dict) -> None:
        study["protocolSection"]["statusModule"]["primaryCompletionDateStruct"] = {"date": date, "type": kind}

    return edit


def _check_on(home: Home, registry: StandInRegistry, day: str) -> str:
    registry.refresh()
    home.env["MONITOR_NOW"] = f"{day}T10:00:00Z"
    result = home.run("check")
    assert result.code == 0, result.text
    return result.out


def _three_checks(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    """Baseline on 2026-11-20; the primary completion slips on the 21st and again on the 22nd, then is reached."""
    home.write_watchlist([TRIAL], [hook.url()])
    home.env["MONITOR_NOW"] = "2026-11-20T10:00:00Z"
    assert home.run("check").code == 0
    original = registry.get(TRIAL)["protocolSection"]["statusModule"]["primaryCompletionDateStruct"]["date"]
    sponsor_edit(registry, TRIAL, _primary_completion("2027-07-15"))
    _check_on(home, registry, "2026-11-21")
    sponsor_edit(registry, TRIAL, _primary_completion("2028-01-15"))
    out = _check_on(home, registry, "2026-11-22")
    assert "Primary completion slipped 6 months: 2027-07-15 → 2028-01-15 (estimated), 2nd slip" in out
    sponsor_edit(registry, TRIAL, _primary_completion("2028-04-20", "ACTUAL"))
    _check_on(home, registry, "2026-11-23")
    first, second, third = [m for m in hook.wait_for(3) if "Primary completion" in m.message][:3]
    assert f"{original} → 2027-07-15 (estimated), 1st slip" in first.message
    assert "2nd slip" in second.message
    assert "Primary completion reached on 2028-04-20 (actual): 3 months late" in third.message


def test_slips_are_counted_and_history_lists_them_newest_first(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    _three_checks(home, registry, hook)
    text = home.run("history", TRIAL)
    assert text.code == 0, text.text
    # other kinds of events (e.g. expectations) may be listed too: these are the dates' and the baseline's
    lines = [line for line in text.out.splitlines() if "Primary completion" in line or "First checked" in line]
    assert lines[0] == "2026-11-23  Primary completion reached on 2028-04-20 (actual): 3 months late"
    assert lines[1].startswith("2026-11-22  Primary completion slipped 6 months")
    assert lines[2].startswith("2026-11-21  Primary completion slipped") and lines[2].endswith("1st slip")
    assert lines[-1] == "2026-11-20  First checked (baseline recorded)"

    events = [e for e in json.loads(home.run("history", TRIAL, "--format", "json").out) if e["kind"] in ("date", "baseline")]
    assert [e["date"] for e in events] == ["2026-11-23", "2026-11-22", "2026-11-21", "2026-11-20"]
    reached = events[0]
    assert {k: reached[k] for k in ("kind", "level")} == {"kind": "date", "level": "medium"}
    assert reached["old"] == {"date": "2028-01-15", "type": "ESTIMATED"}
    assert reached["new"] == {"date": "2028-04-20", "type": "ACTUAL"}
    assert set(reached) >= {"kind", "level", "date", "text", "old", "new"}

    markdown = home.run("history", TRIAL, "-f", "markdown").out
    assert markdown.startswith(f"## {TRIAL} · ")
    assert f"<https://clinicaltrials.gov/study/{TRIAL}>" in markdown
    assert "- **2026-11-22** · medium · Primary completion slipped 6 months" in markdown

    feed = ET.fromstring(home.run("history", TRIAL, "--format", "atom").out)
    assert feed.tag == f"{ATOM}feed"
    assert len(feed.findall(f"{ATOM}entry")) == len(json.loads(home.run("history", TRIAL, "-f", "json").out))


def test_feed_is_valid_atom_of_recent_events(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    _three_checks(home, registry, hook)
    home.env["MONITOR_NOW"] = "2026-12-01T00:00:00Z"
    result = home.run("feed", "--days", "30")
    assert result.code == 0, result.text
    feed = ET.fromstring(result.out)
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.findtext(f"{ATOM}updated") == "2026-11-23T10:00:00Z"
    every = feed.findall(f"{ATOM}entry")
    entries = [e for e in every if e.find(f"{ATOM}category").get("term") == "date"]
    assert len(entries) == 3  # the baseline is not an event
    ids = set()
    for entry in every:
        for required in ("id", "title", "updated", "content"):
            assert entry.findtext(f"{ATOM}{required}"), required
        assert entry.find(f"{ATOM}link").get("href") == f"https://clinicaltrials.gov/study/{TRIAL}"
        ids.add(entry.findtext(f"{ATOM}id"))
    assert len(ids) == len(every)
    assert entries[0].findtext(f"{ATOM}title").startswith(f"{TRIAL} (Lariboisière Cognitive Assessment: Evaluation "
                                                         "of the 1-year…): Primary completion reached on 2028-04-20")
    assert home.run("feed").out == result.out  # the same events keep their ids: readers see nothing new

    home.env["MONITOR_NOW"] = "2026-11-24T00:00:00Z"
    recent = ET.fromstring(home.run("feed", "--days", "2").out)
    assert [e.findtext(f"{ATOM}updated") for e in recent.findall(f"{ATOM}entry")
            if e.find(f"{ATOM}category").get("term") == "date"] == ["2026-11-23T10:00:00Z", "2026-11-22T10:00:00Z"]
    assert len(ET.fromstring(home.run("feed", "--limit", "1").out).findall(f"{ATOM}entry")) == 1
    text = [line for line in home.run("feed", "--format", "text").out.splitlines() if "Primary completion" in line]
    assert text[0] == "2026-11-23  Primary completion reached on 2028-04-20 (actual): 3 months late"


def test_bad_input_is_one_line_and_exit_2(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist([TRIAL])
    assert home.run("check").code == 0
    for args, words in [
        (("history", "NCT09999999"), "NCT09999999 has no recorded history"),
        (("history", "NCT123"), "not a valid NCT id"),
        (("history", TRIAL, "--format", "pdf"), "unknown format 'pdf' (known: text, markdown, json, atom)"),
        (("feed", "--format", "rss"), "unknown format 'rss'"),
        (("feed", "--days", "0"), "--days and --limit must be 1 or more"),
    ]:
        result = home.run(*args)
        assert result.code == 2, (args, result.text)
        assert result.out == "" and len(result.err.strip().splitlines()) == 1, (args, result.text)
        assert words in result.err, (args, result.err)
