"""The JSON API (against its OpenAPI document), the Atom feeds and /metrics, over real HTTP, on both
backends; and the static site."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home
from tests.support.receivers import JsonReceiver
from tests.support.web import TOKEN, running, start_recruiting

WATCHED = ["NCT06171568", "NCT00973089", "NCT02513394"]
ATOM = "{http://www.w3.org/2005/Atom}"


def watch(home: Home, hook: JsonReceiver) -> None:
    home.env["MONITOR_WEB_TOKEN"] = TOKEN
    home.write_watchlist(WATCHED, [hook.url()], interval="1h")


def test_the_api_answers_as_its_document_says(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    watch(home, hook)
    with running(home) as web:
        start_recruiting(home, registry)
        api = web.client()
        document = api.get("/api/openapi.json").json()
        assert document["openapi"].startswith("3.1") and set(document["paths"]) == {
            "/api/v1/trials", "/api/v1/trials/{trial_id}", "/api/v1/trials/{trial_id}/events", "/api/v1/events",
            "/api/v1/status"}
        schemas = document["components"]["schemas"]

        listed = api.get("/api/v1/trials").json()
        assert has(listed, schemas["TrialList"]) and listed["total"] == 3 and listed["next"] is None
        [recruiting] = [t for t in listed["trials"] if t["id"] == "NCT06171568"]
        assert has(recruiting, schemas["Trial"]) and recruiting["status"] == "RECRUITING"
        assert recruiting["latest_change"]["text"] == "Overall status: Not yet recruiting → Recruiting"
        page = api.get("/api/v1/trials", params={"limit": 2, "offset": 0}).json()
        assert len(page["trials"]) == 2 and page["next"] == "/api/v1/trials?limit=2&offset=2"
        assert [t["id"] for t in api.get(page["next"]).json()["trials"]] == [WATCHED[2]]

        detail = api.get("/api/v1/trials/NCT06171568").json()
        assert has(detail, schemas["TrialDetail"]) and detail["card"]["status_words"] == "Recruiting"
        [event] = [e for e in detail["timeline"] if e["kind"] == "status"]
        assert has(event, schemas["Event"])
        assert (event["old"], event["new"], event["level"]) == ("NOT_YET_RECRUITING", "RECRUITING", "high")
        assert event["detected_at"].endswith("Z") and event["posted"]
        assert api.get("/api/v1/trials/NCT06171568/events").json()["events"] == detail["timeline"]
        since = api.get("/api/v1/events", params={"since": "2000-01-01T00:00:00Z", "min_level": "high"}).json()
        assert has(since, schemas["Events"]) and [e["kind"] for e in since["events"]] == ["status"]
        status = api.get("/api/v1/status").json()
        assert has(status, schemas["Status"]) and status["watched"] == 3 and status["next_check"]

        added = api.post("/api/v1/trials", json={"id": "NCT03281889", "label": "by the API"})
        assert added.status_code == 201 and "NCT03281889" in home.watchlist.read_text()
        for call, code, words in (
            (lambda: api.post("/api/v1/trials", json={"id": "NCT03281889"}), 409, "watched already"),
            (lambda: api.post("/api/v1/trials", content=b"{nope"), 400, "not JSON"),
            (lambda: api.post("/api/v1/trials", json={"id": "NCT1"}), 400, "not a valid NCT id"),
            (lambda: api.post("/api/v1/trials", json={"id": "NCT03281890", "label": "a\nb"}), 400, "one line"),
            (lambda: api.get("/api/v1/trials/NCT09999999"), 404, "not watched"),
            (lambda: api.get("/api/v1/trials/bogus"), 400, "not a valid NCT id"),
            (lambda: api.delete("/api/v1/trials/NCT09999999"), 404, "not in the watchlist"),
            (lambda: api.get("/api/v1/events"), 400, "since is required"),
            (lambda: api.get("/api/v1/events", params={"since": "yesterday"}), 400, "not an ISO 8601 time"),
            (lambda: api.get("/api/v1/events", params={"since": "2026-01-01", "min_level": "loud"}), 400, "min_level"),
            (lambda: api.get("/api/v1/trials", params={"limit": "0"}), 400, "limit"),
        ):
            answer = call()
            assert answer.status_code == code and words in answer.json()["error"], (code, answer.text)
        assert api.delete("/api/v1/trials/NCT03281889").status_code == 204
        assert "NCT03281889" not in home.watchlist.read_text()


def has(value: object, schema: dict) -> bool:
    """The document's required keys are there (the schemas are kept small: keys and types)."""
    return isinstance(value, dict) and all(key in value for key in schema.get("required", []))


def test_the_feeds_are_valid_atom_linking_to_the_trial_pages(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    watch(home, hook)
    with running(home) as web:
        start_recruiting(home, registry)
        reader = web.client(bearer=False)
        answer = reader.get("/feed.atom", params={"token": TOKEN})
        assert answer.headers["content-type"].startswith("application/atom+xml")
        feed = ET.fromstring(answer.text)
        [entry] = [e for e in feed.findall(f"{ATOM}entry") if "Recruiting" in (e.findtext(f"{ATOM}title") or "")]
        assert entry.find(f"{ATOM}link").get("href") == f"{web.base}/trials/NCT06171568"
        assert entry.findtext(f"{ATOM}id").startswith("urn:uuid:") and entry.findtext(f"{ATOM}updated")
        again = ET.fromstring(reader.get("/feed.atom", params={"token": TOKEN}).text)
        assert [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")] == \
            [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]  # stable ids
        one = ET.fromstring(reader.get("/trials/NCT06171568/feed.atom", params={"token": TOKEN}).text)
        assert one.findtext(f"{ATOM}title").startswith("trial-monitor: NCT06171568")
        # the trial's title, and the day it was detected beside the registry's date when they differ
        assert [e.findtext(f"{ATOM}content").split(" (detected ")[0] for e in one.findall(f"{ATOM}entry")
                if e.find(f"{ATOM}category").get("term") == "status"] == \
            ["NCT06171568 · Lariboisière Cognitive Assessment: Evaluation of the 1-year Outcomes (high): "
             "Overall status: Not yet recruiting → Recruiting"]
        assert reader.get("/trials/NCT09999999/feed.atom", params={"token": TOKEN}).status_code == 404


def test_metrics_parse_and_name_no_trial_and_no_url(home: Home, registry: StandInRegistry,
                                                    hook: JsonReceiver) -> None:
    watch(home, hook)
    with running(home) as web:
        start_recruiting(home, registry)
        hook.wait_for(1)
        text = web.client().get("/metrics").text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name in ("trial_monitor_checks", "trial_monitor_registry_requests", "trial_monitor_check_duration_seconds",
                 "trial_monitor_change_events", "trial_monitor_deliveries", "trial_monitor_deliveries_pending",
                 "trial_monitor_watched_trials", "trial_monitor_last_good_check_timestamp_seconds",
                 "trial_monitor_build_info"):
        assert name in families, name
    samples = [s for f in families.values() for s in f.samples]
    checks = {s.labels["outcome"]: s.value for s in families["trial_monitor_checks"].samples}
    assert checks["checked"] >= 2
    assert [s.value for s in families["trial_monitor_watched_trials"].samples] == [3]
    assert any(s.name == "trial_monitor_check_duration_seconds_bucket" and s.labels["le"] == "+Inf" for s in samples)
    high = [s for s in families["trial_monitor_change_events"].samples
            if s.labels == {"kind": "status", "level": "high"}]
    assert high and high[0].value == 1
    sent = {(s.labels["outcome"], s.labels["target"]) for s in families["trial_monitor_deliveries"].samples}
    assert ("sent", "json") in sent
    assert "NCT" not in text and "127.0.0.1" not in text and "://" not in text


def test_the_static_site_has_every_page_and_nothing_secret(home: Home, registry: StandInRegistry,
                                                           hook: JsonReceiver) -> None:
    watch(home, hook)
    with running(home):
        start_recruiting(home, registry)
    out = home.folder / "site"
    done = home.run("site", str(out))
    assert done.code == 0 and "3 trial pages" in done.out, done.text
    index = (out / "index.html").read_text()
    for trial_id in WATCHED:
        assert f'href="trials/{trial_id}.html"' in index and (out / "trials" / f"{trial_id}.html").is_file()
        assert (out / "trials" / f"{trial_id}.atom").is_file()
    page = (out / "trials" / "NCT06171568.html").read_text()
    assert "Overall status: Not yet recruiting → Recruiting" in page and 'href="../static/style.css"' in page
    ET.fromstring((out / "feed.atom").read_text())
    for path in [*out.rglob("*.html"), *out.rglob("*.atom")]:
        text = path.read_text()
        assert "<form" not in text and "csrf" not in text and TOKEN not in text and hook.url() not in text, path
        assert 'href="/' not in text, path  # relative links only
    Path(out / "trials" / "NCT00000001.html").write_text("stale")
    home.write_watchlist(WATCHED[:2], [hook.url()], interval="1h")
    again = home.run("site", str(out))
    assert again.code == 0 and "removed" in again.out
    assert not (out / "trials" / "NCT02513394.html").exists() and not (out / "trials" / "NCT00000001.html").exists()
    assert home.run("site", "/proc/nowhere").code == 2
