"""The incremental sync end to end: the cursor and its margin, the sweep and retention (under churn:
test_cursor.py)."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit
from tests.support.receivers import JsonReceiver

TRIALS = ["NCT06171568", "NCT00973089", "NCT04207047"]


def enroll(count: int):  # type: ignore[no-untyped-def]
    return lambda s: s["protocolSection"]["designModule"].update(enrollmentInfo={"count": count, "type": "ESTIMATED"})


def test_a_failed_check_does_not_move_the_cursor(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    home.write_watchlist(TRIALS, [hook.url()])
    home.env["MONITOR_RETRY_ATTEMPTS"] = "1"
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT06171568", enroll(999))
    registry.refresh()
    registry.fault("status", path="/studies", status=503, times=None)
    assert home.run("check").code == 1
    registry.clear_faults()
    registry.refresh()  # a day later: the edit is now older than the newest registry date
    registry.refresh()
    result = home.run("check")
    assert result.code == 0 and "NCT06171568 changed" in result.out, result.text
    [message] = hook.wait_for(1)
    assert "999" in message.message


def test_an_edit_posted_by_a_second_refresh_the_same_day_is_caught(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    home.write_watchlist(TRIALS, [hook.url()])
    assert home.run("check").code == 0  # registry data of 2026-11-20T09:00:05

    def same_day(study: dict) -> None:  # posted on the day of the data we last checked, in a later refresh
        enroll(777)(study)
        study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-11-20"}

    registry.update("NCT00973089", same_day)
    registry.refresh("2026-11-20T15:00:00")  # the margin: a second timestamp of that day lists it again
    result = home.run("check")
    assert result.code == 0 and "NCT00973089 changed" in result.out, result.text
    registry.refresh("2026-11-21T09:00:05")
    again = home.run("check")
    assert again.code == 0 and "changed" not in again.out, again.text
    [message] = hook.wait_for(1)
    assert "777" in message.message


def test_an_edit_dated_before_the_data_last_checked_is_left_to_the_sweep(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    """The registry serves no update later than its posted date (26 of 26 real pairs): an edit dated the
    day before data already checked is one it never makes. No listing from the cursor sees it; the
    sweep, on by default, does."""
    home.write_watchlist(TRIALS, [hook.url()])
    assert home.run("check").code == 0  # registry data of 2026-11-20T09:00:05

    def late(study: dict) -> None:
        enroll(777)(study)
        study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2026-11-19"}

    registry.update("NCT00973089", late)
    registry.refresh()
    assert "none of the watched trials was updated since 2026-11-21" in home.run("check").out
    home.write_watchlist(TRIALS, [hook.url()], extra="sweep: 1s\n")
    registry.refresh()
    result = home.run("check")
    assert "NCT00973089 changed" in result.out, result.text
    [message] = hook.wait_for(1)
    assert "777" in message.message


def test_the_sweep_sees_what_the_date_filter_cannot(home: Home, registry: StandInRegistry, hook: JsonReceiver) -> None:
    def results_in_review(study: dict) -> None:  # the registry's derived section: no new update date
        study.setdefault("derivedSection", {}).setdefault("miscInfoModule", {})["submissionTracking"] = {
            "submissionInfos": [{"releaseDate": "2026-11-20"}]}

    home.write_watchlist(TRIALS, [hook.url()])
    assert home.run("check").code == 0
    registry.update("NCT04207047", results_in_review)
    registry.refresh()
    assert "none of the watched trials was updated" in home.run("check").out
    home.write_watchlist(TRIALS, [hook.url()], extra="sweep: 1s\n")
    registry.refresh()
    result = home.run("check")
    assert "NCT04207047 changed" in result.out, result.text
    [message] = hook.wait_for(1)
    assert "quality review" in message.message


def test_retention_keeps_the_newest_snapshots(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(["NCT06171568"], extra="keep_snapshots: 2\n")
    assert home.run("check").code == 0
    for count in (501, 502, 503, 504):
        sponsor_edit(registry, "NCT06171568", enroll(count))
        registry.refresh()
        assert "changed" in home.run("check").out
        time.sleep(0.01)
    engine = create_engine(home.env["MONITOR_DATABASE_URL"])
    with engine.connect() as db:
        kept = db.execute(text("select count(*) from snapshot where trial_id = 'NCT06171568'")).scalar()
        events = db.execute(text("select count(*) from change_event where trial_id = 'NCT06171568'")).scalar()
    engine.dispose()
    assert kept == 2 and events >= 4  # the history stays whole
    assert "Enrollment" in home.run("history", "NCT06171568").out


def test_an_unchanged_refresh_adds_no_rows(home: Home, registry: StandInRegistry) -> None:
    home.write_watchlist(TRIALS)
    assert home.run("check").code == 0
    engine = create_engine(home.env["MONITOR_DATABASE_URL"])
    tables = ["trial", "snapshot", "change_event", "alert", "delivery"]

    def counts() -> list[int]:
        with engine.connect() as db:
            return [db.execute(text(f"select count(*) from {t}")).scalar() for t in tables]

    before = counts()
    for _ in range(3):
        registry.refresh()
        assert home.run("check").code == 0
        assert home.run("check").code == 0  # and a quiet one
    assert counts() == before
    engine.dispose()
