"""Outcome switching and posted documents, as a user meets them: the alert a check sends, then the
switch marked and listed by `history --kind`, `feed --kind` and the web feed's `?kind=`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.support.receivers import JsonReceiver
from tests.support.web import TOKEN, running

ATOM = "{http://www.w3.org/2005/Atom}"
SWITCHED = "NCT04207047"  # a real record: started 2018-10-02 (actual), one primary outcome ("14 days")
POSTED = "NCT05594173"  # a real record with a study protocol and statistical analysis plan (dated 2020-01-07)
SWITCH = ("Primary outcome changed after the trial started (started 2018-10-02): time frame “14 days” → “28 days” "
          "for “Primary Outcome”")


def _time_frame(study: dict[str, Any]) -> None:
    study["protocolSection"]["outcomesModule"]["primaryOutcomes"][0]["timeFrame"] = "28 days"


def _check(home: Home, registry: StandInRegistry) -> str:
    registry.refresh()
    result = home.run("check")
    assert result.code == 0, result.text
    return result.out


def test_outcome_switching_is_alerted_high_and_listed(home: Home, registry: StandInRegistry,
                                                      hook: JsonReceiver) -> None:
    home.env["MONITOR_WEB_TOKEN"] = TOKEN
    home.write_watchlist([SWITCHED, "NCT06171568"], [hook.url()])
    home.env["MONITOR_NOW"] = "2026-11-20T10:00:00Z"
    assert home.run("check").code == 0
    sponsor_edit(registry, SWITCHED, _time_frame)
    sponsor_edit(registry, "NCT06171568", lambda s: s["protocolSection"]["statusModule"].update(
        overallStatus="RECRUITING"))
    home.env["MONITOR_NOW"] = "2026-11-21T10:00:00Z"
    _check(home, registry)
    [alert] = [m for m in hook.wait_for(2) if SWITCHED in (m.json or {}).get("title", "")]
    assert SWITCH in alert.message
    assert ": primary outcome changed after the trial started (started 2018-10-02): time frame" in alert.json["title"]

    listed = home.run("history", SWITCHED, "--kind", "outcome_switch")
    assert listed.code == 0, listed.text
    [line] = listed.out.splitlines()
    assert line.endswith(f"  [outcome switching] {SWITCH}")
    [listed_json] = json.loads(home.run("history", SWITCHED, "-k", "outcome_switch", "-f", "json").out)
    assert listed_json["kind"] == "outcome_switch"
    assert "First checked" in home.run("history", SWITCHED).out  # without --kind: everything, as before

    every = ET.fromstring(home.run("feed", "--kind", "outcome_switch").out)
    assert every.findtext(f"{ATOM}title") == "trial-monitor: changes to watched trials (outcome_switch)"
    [entry] = every.findall(f"{ATOM}entry")  # not the other trial's status change
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["outcome_switch", "outcome-switching"]
    unfiltered = ET.fromstring(home.run("feed").out).findall(f"{ATOM}entry")
    assert {"outcome_switch", "status"} <= {e.find(f"{ATOM}category").get("term") for e in unfiltered}
    assert len(ET.fromstring(home.run("feed", "--kind", "outcomes").out).findall(f"{ATOM}entry")) == 1  # the family

    wrong = home.run("feed", "--kind", "colour")
    assert wrong.code == 2 and wrong.out == "" and len(wrong.err.strip().splitlines()) == 1
    assert "--kind: unknown kind 'colour'" in wrong.err

    with running(home, command="serve") as web:
        reader = web.client(bearer=False)
        feed = ET.fromstring(reader.get("/feed.atom", params={"token": TOKEN, "kind": "outcome_switch"}).text)
        assert [e.find(f"{ATOM}category").get("term") for e in feed.findall(f"{ATOM}entry")] == ["outcome_switch"]
        one = ET.fromstring(reader.get(f"/trials/{SWITCHED}/feed.atom",
                                       params={"token": TOKEN, "kind": "outcome_switch,document"}).text)
        assert len(one.findall(f"{ATOM}entry")) == 1
        bad = reader.get("/feed.atom", params={"token": TOKEN, "kind": "colour"})
        assert bad.status_code == 400 and "unknown kind 'colour'" in bad.text
        page = web.signed_in().get(f"/trials/{SWITCHED}").text
        assert '<span class="mark">outcome switching</span>' in page


def test_a_posted_protocol_is_announced_with_its_link(home: Home, registry: StandInRegistry,
                                                       hook: JsonReceiver) -> None:
    def unposted(study: dict[str, Any]) -> None:  # the version before its documents were posted
        study.pop("documentSection")
        study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2022-10-01", "type": "ACTUAL"}

    documents = registry.get(POSTED)["documentSection"]
    registry.update(POSTED, unposted)
    home.write_watchlist([POSTED], [hook.url()])
    assert home.run("check").code == 0
    sponsor_edit(registry, POSTED, lambda study: study.update(documentSection=documents))
    out = _check(home, registry)
    assert "Study protocol and statistical analysis plan posted (dated 2020-01-07)" in out, out
    [alert] = hook.wait_for(1)
    assert ("Study protocol and statistical analysis plan posted (dated 2020-01-07). Document: "
            "https://cdn.clinicaltrials.gov/large-docs/73/NCT05594173/Prot_SAP_000.pdf") in alert.message
    assert alert.json["title"].endswith(": study protocol and statistical analysis plan posted (dated 2020-01-07)")
