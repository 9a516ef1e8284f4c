"""A newcomer's first hour, as they run it: `init` in a new folder, `--watchlist`/`--database`, `add`
asking the registry, `check --verbose`, and the words of the summaries, lists and changelogs."""

from __future__ import annotations

import json
import re
import signal
import xml.etree.ElementTree as ET

import pytest

from monitor.registry.ctgov.standin.registry import StandInRegistry
from monitor.watchlist import STARTER, load_watchlist
from tests.scenarios.harness import Home, free_port, sponsor_edit, stop, wait_until

pytestmark = pytest.mark.sqlite_only  # files and folders of a new user's folder: the backend does not matter

ATOM = "{http://www.w3.org/2005/Atom}"
TITLE = "Lariboisière Cognitive Assessment: Evaluation of the 1-year Outcomes"  # NCT06171568's


def _recruit(study: dict) -> None:
    study["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"


# ---------------------------------------------------------------- B3: a new folder


def test_init_writes_a_starter_that_loads_and_never_overwrites(home: Home) -> None:
    home.env.pop("MONITOR_WATCHLIST")  # the default: ./watchlist.yaml
    made = home.run("init")
    assert made.code == 0, made.text
    assert made.out == ("Wrote watchlist.yaml: add trials with `trial-monitor add NCT…`, then run "
                        "`trial-monitor check`.\n")
    assert home.watchlist.read_text(encoding="utf-8") == STARTER
    assert load_watchlist(home.watchlist, env={}).trials == ()
    home.watchlist.write_text("trials: [NCT06171568]\n")
    again = home.run("init")
    assert again.code == 2 and again.out == ""
    assert again.err == ("trial-monitor: watchlist.yaml: already exists; init leaves it as it is (edit it, or name "
                         "another file with --watchlist)\n")
    assert home.watchlist.read_text() == "trials: [NCT06171568]\n"
    elsewhere = home.run("init", "--watchlist", "config/trials.yaml")
    assert elsewhere.code == 0 and (home.folder / "config" / "trials.yaml").read_text(encoding="utf-8") == STARTER


def test_read_only_commands_make_no_folder_nor_database(home: Home) -> None:
    missing = home.run("list")
    assert missing.code == 2
    assert missing.err == (f"trial-monitor: {home.watchlist}: file not found (make one with `trial-monitor init`, "
                           "or name yours with --watchlist or MONITOR_WATCHLIST)\n")
    home.write_watchlist(["NCT06171568"])
    listing = home.run("list")
    assert (listing.code, listing.out) == (0, "NCT06171568  awaiting its first check\n")
    status = home.run("status")
    assert status.code == 0 and status.out.startswith("No check has run yet.\n1 trial watched, alerts to 1 target:\n")
    history = home.run("history", "NCT06171568")
    assert history.code == 2 and "NCT06171568 has no recorded history" in history.err
    feed = home.run("feed")
    assert feed.code == 0 and ET.fromstring(feed.out).findall(f"{ATOM}entry") == []
    assert sorted(p.name for p in home.folder.iterdir()) == ["watchlist.yaml"]  # no snapshots/, no database


def test_watchlist_and_database_options_beside_the_environment(home: Home, registry: StandInRegistry) -> None:
    home.env["MONITOR_WATCHLIST"] = str(home.folder / "nowhere.yaml")  # the options win over these
    home.env["MONITOR_DATABASE_URL"] = f"sqlite:///{home.folder / 'nowhere' / 'nothing.db'}"
    mine = home.folder / "mine.yaml"
    mine.write_text("request_pause: 0s\ntrials:\n  - NCT06171568\n")
    files = ("--watchlist", str(mine), "--database", "data/trials.db")  # a path: SQLite there
    checked = home.run("check", *files)
    assert checked.code == 0, checked.text
    assert (home.folder / "data" / "trials.db").is_file() and not (home.folder / "nowhere").exists()
    listing, status = home.run("list", *files), home.run("status", *files)
    assert listing.code == 0 and listing.out.startswith("NCT06171568  Not yet recruiting  "), listing.text
    assert status.code == 0 and status.out.startswith("Last check: "), status.text
    assert "First checked (baseline recorded)" in home.run("history", "NCT06171568", "--database", "data/trials.db").out
    added = home.run("add", "NCT00973089", "--watchlist", str(mine))
    assert added.code == 0 and "NCT00973089" in mine.read_text()
    assert home.run("list").code == 2  # the environment's watchlist still rules without the option


# ---------------------------------------------------------------- B4: add asks the registry


def test_add_says_the_title_after_one_request(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist([])
    registry.reset_log()
    added = home.run("add", "nct06171568", "--label", "the memory clinic's")
    assert added.code == 0, added.text
    assert added.out == f"NCT06171568 added: {TITLE}\n"
    assert registry.count() == 1  # one request, for the id
    assert load_watchlist(home.watchlist, env={}).trials[0].label == "the memory clinic's"
    again = home.run("add", "NCT06171568")
    assert (again.code, again.out) == (0, "NCT06171568 is already watched\n") and registry.count() == 1


def test_add_refuses_an_id_the_registry_does_not_know(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT06171568"])
    before = home.watchlist.read_text()
    unknown = home.run("add", "NCT00973089", "NCT09999999")
    assert unknown.code == 2 and unknown.out == ""
    assert unknown.err == (f"trial-monitor: NCT09999999 is not known to the registry at {registry.base_url} (check "
                           "the id; --offline adds it anyway); nothing was added\n")
    assert home.watchlist.read_text() == before
    registry.reset_log()
    offline = home.run("add", "NCT09999999", "--offline")
    assert (offline.code, offline.out) == (0, "NCT09999999 added (not checked with the registry)\n")
    assert registry.count() == 0
    several = home.run("add", "NCT00973089", "NCT02513394", "--label", "both?")
    assert several.code == 2 and several.err == (
        "trial-monitor: --label names one trial: give it a single NCT id and some text\n")


def test_add_when_the_registry_cannot_be_asked(home: Home) -> None:
    home.write_watchlist([])
    home.env.update(MONITOR_CTGOV_URL=f"http://127.0.0.1:{free_port()}/api/v2", MONITOR_RETRY_ATTEMPTS="1")
    down = home.run("add", "NCT06171568")
    assert down.code == 1
    assert down.err.endswith(
        f"trial-monitor: cannot check NCT06171568 with the registry: the registry at {home.env['MONITOR_CTGOV_URL']} "
        "did not answer /studies (1 try): could not connect (--offline adds without asking)\n")
    assert load_watchlist(home.watchlist, env={}).trials == ()


# ---------------------------------------------------------------- B2: where it connects


def test_a_wrong_registry_url_says_so(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT06171568"])
    home.env["MONITOR_CTGOV_URL"] = registry.root_url.replace("http://", "http://bob:s3cret@")  # no /api/v2
    result = home.run("check")
    shown = registry.root_url.replace("http://", "http://***@")
    assert result.code == 1
    assert result.out == (f"Registry unavailable: the registry at {shown} has no /version (HTTP 404): is "
                          "MONITOR_CTGOV_URL right? Nothing was recorded; the next check tries again.\n")
    assert "s3cret" not in result.text


def test_the_daemon_names_the_registry_and_says_a_missing_trial_once(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT06171568", "NCT09999999"], interval="1s")
    log = home.folder / "daemon.log"
    daemon = home.start("run", "--no-web", log=log)
    try:
        assert wait_until(lambda: "1 not found" in log.read_text())
        registry.refresh()  # a missing trial is asked for again at each refresh
        assert wait_until(lambda: log.read_text().count("1 not found") >= 2)
        registry.refresh()
        assert wait_until(lambda: log.read_text().count("1 not found") >= 3)
    finally:
        code, _ = stop(daemon, signal.SIGTERM)
    text = log.read_text()
    assert code == 0, text
    assert (f"INFO trial-monitor running: 2 trials, every 1s, registry {registry.base_url}, alerts to the daemon's "
            "output") in text
    assert text.count("NCT09999999 is not known to the registry (check the id)") == 1
    for _ in range(2):  # a person's check says it every time
        registry.refresh()
        assert "  NCT09999999 is not known to the registry (check the id)" in home.run("check").out


# ---------------------------------------------------------------- B5, A11, B6: the words


def test_check_verbose_says_what_happened_to_each_trial(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT06171568", "NCT00973089", "NCT02513394"], extra="expectations: off\n")
    first = home.run("check", "--verbose")
    assert first.code == 0, first.text
    assert first.out.splitlines() == [
        "Checked 3 trials against registry data of 2026-11-20T09:00:05: 3 baseline (2 requests).",
        "  NCT00973089 baseline recorded", "  NCT02513394 baseline recorded", "  NCT06171568 baseline recorded"]
    sponsor_edit(registry, "NCT06171568", _recruit)
    sponsor_edit(registry, "NCT00973089", lambda study: None)  # only "last update posted" moves
    registry.refresh()
    second = home.run("check", "-v")
    assert second.code == 0, second.text
    report = second.out[second.out.index("Checked"):]  # after the alert (no target: the command's output)
    assert report.splitlines() == [
        ("Checked 2 of 3 trials against registry data of 2026-11-21T09:00:05: 1 changed, 1 updated with no compared "
         "change (2 requests)."),
        "  NCT00973089 record updated on 2026-11-21 (no change in the compared fields)",
        "  NCT06171568 changed: Overall status: Not yet recruiting → Recruiting",
        "  NCT02513394 not updated in the registry since 2026-11-21 (not fetched)",
        "Deliveries: 1 sent, 0 failed (kept for retry), 0 dropped."]
    assert "DEBUG" not in second.err and "Using selector" not in second.err
    quiet = home.run("check")
    assert quiet.out == "No registry refresh since the last check (data of 2026-11-21T09:00:05); 1 request.\n"


def test_a_record_updated_with_nothing_compared_changed_is_not_changed(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT00973089"])
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT00973089", lambda study: None)
    registry.refresh()
    result = home.run("check")
    assert result.out == ("Checked 1 trial against registry data of 2026-11-21T09:00:05: 1 updated with no compared "
                          "change (2 requests).\n")


def test_list_columns_stay_aligned_with_a_trial_not_found(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT06171568", "NCT09999999", "NCT00973089"], extra="")
    home.env["MONITOR_NOW"] = "2026-11-20T10:00:00Z"
    assert home.run("check").code == 0
    lines = home.run("list").out.splitlines()
    assert [line.index("updated") for line in lines] == [lines[0].index("updated")] * 3
    assert [line.index("checked") for line in lines] == [lines[0].index("checked")] * 3
    assert lines[1].startswith("NCT09999999  not found in the registry since 2026-11-20  updated —  ")
    assert lines[0].endswith("  Lariboisière Cognitive Assessment: Evaluation of the 1-year…  "
                             "[recruiting past completion, status unverified]")  # clipped on a word


def test_warnings_for_an_empty_watchlist_and_a_duplicate_id(home: Home) -> None:
    home.watchlist.write_text("interval: 6 hours\nrequest_pause: 0s\ntrials:\n  - NCT06171568\n  - nct06171568\n")
    result = home.run("check")
    assert result.code == 0, result.text
    assert result.err == (f"trial-monitor: {home.watchlist}:5: warning: NCT06171568 is listed twice (first on line "
                          "4); it is watched once\n")
    assert "Checked 1 trial" in result.out
    home.watchlist.write_text("trials: []\n")
    empty = home.run("list")
    assert (empty.code, empty.out) == (0, "")
    assert empty.err == (f"trial-monitor: {home.watchlist}: warning: no trials to watch yet (add one with "
                         "`trial-monitor add NCT…`)\n")


def test_a_yaml_mistake_names_its_line(home: Home) -> None:
    home.watchlist.write_text("interval: 6h\ntrials: [NCT06171568, NCT00973089\nnotify: []\n\n\n")
    result = home.run("check")
    assert result.code == 2
    assert result.err == (f"trial-monitor: {home.watchlist}:2: malformed YAML: the list opened with '[' on this line "
                          "is never closed with ']' (on line 3: expected ',' or ']', but got ':')\n")


def test_changelogs_carry_the_title_and_the_registry_date(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT06171568"])
    home.env["MONITOR_NOW"] = "2026-11-20T10:00:00Z"
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT06171568", _recruit)  # posted 2026-11-21
    registry.refresh()
    home.env["MONITOR_NOW"] = "2026-11-23T08:00:00Z"  # seen two days later
    assert home.run("check").code == 0
    text = home.run("history", "NCT06171568").out.splitlines()
    assert text[0] == "2026-11-21  Overall status: Not yet recruiting → Recruiting (detected 2026-11-23)"
    assert text[-1] == "2026-11-20  First checked (baseline recorded)"
    markdown = home.run("feed", "--format", "markdown").out
    assert markdown.startswith(f"## NCT06171568 · {TITLE}\n")
    assert ("- **2026-11-21** (detected 2026-11-23) · **high** · Overall status: Not yet recruiting → Recruiting"
            in markdown)
    [entry] = [e for e in ET.fromstring(home.run("feed").out).findall(f"{ATOM}entry")
               if e.find(f"{ATOM}category").get("term") == "status"]
    assert entry.findtext(f"{ATOM}title") == (
        "NCT06171568 (Lariboisière Cognitive Assessment: Evaluation of the 1-year…): Overall status: Not yet "
        "recruiting → Recruiting")
    assert entry.findtext(f"{ATOM}updated") == "2026-11-21T00:00:00Z"
    [status] = [e for e in json.loads(home.run("feed", "-f", "json").out) if e["kind"] == "status"]
    assert (status["title"], status["date"], status["detected"]) == (TITLE, "2026-11-21", "2026-11-23")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", status["date"])


def test_an_empty_database_location_is_refused(home: Home) -> None:
    home.write_watchlist(["NCT06171568"])
    result = home.run("list", "--database", " ")
    assert (result.code, result.err) == (
        2, "trial-monitor: the database location is empty (give a path or a database URL)\n")
