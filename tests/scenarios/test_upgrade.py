"""A database from an earlier release (tests/fixtures/db/main-rev8.sqlite) is migrated in place and
goes on: what it had pending is delivered as then worded, and no false alert follows."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import MetaData, create_engine, insert, select, text

from monitor.registry.ctgov.standin.registry import StandInRegistry
from monitor.store import migrations
from tests.scenarios.harness import Home, sponsor_edit
from tests.support.receivers import JsonReceiver

MAIN_DB = Path(__file__).resolve().parents[1] / "fixtures" / "db" / "main-rev8.sqlite"
WATCHED = ["NCT06171568", "NCT00973089", "NCT04207047", "NCT02210780"]
EXTRA = "outage_after: 1\nsearches:\n  - condition: cognitive\n    name: cognition\n"
TABLES = ("cycle", "snapshot", "alert", "trial", "change_event", "delivery", "search_watch", "search_match",
          "trial_version", "backfill", "expectation")


def _aware(value: object) -> object:
    return value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value


def install_main_database(home: Home, target_url: str) -> None:
    """The earlier release's database where ``home`` keeps its own, its one target made ``target_url``."""
    url = home.env["MONITOR_DATABASE_URL"]
    if url.startswith("sqlite"):
        home.database.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(MAIN_DB, home.database)
    else:  # the same rows in a PostgreSQL database at revision 8
        source, engine = create_engine(f"sqlite:///{MAIN_DB}"), create_engine(url)
        with engine.begin() as conn:
            command.upgrade(migrations.config(conn), "8")
        old = MetaData()
        old.reflect(source)
        new = MetaData()
        new.reflect(engine)
        with source.connect() as reading, engine.begin() as writing:
            for name in TABLES:
                rows = [{k: _aware(v) for k, v in row._mapping.items()} for row in reading.execute(select(old.tables[name]))]
                if rows:
                    writing.execute(insert(new.tables[name]), rows)
            for name in ("cycle", "alert", "change_event", "delivery", "trial_version"):
                writing.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                     f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"))
        source.dispose()
        engine.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:  # the user's target is now the one this test listens on
        conn.execute(text("UPDATE delivery SET target_key = :key, target_masked = :url"),
                     {"key": hashlib.sha256(target_url.encode()).hexdigest(), "url": target_url})
    engine.dispose()


def test_a_database_from_main_is_migrated_in_place_and_raises_no_false_alert(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    install_main_database(home, hook.url())
    # the registry as it was at that database's last check: NCT06171568 recruiting, data of 2026-11-21
    sponsor_edit(registry, "NCT06171568",
                 lambda s: s["protocolSection"]["statusModule"].__setitem__("overallStatus", "RECRUITING"))
    registry.refresh()
    home.env["MONITOR_NOW"] = "2026-11-22T10:00:00Z"
    home.write_watchlist(WATCHED, [hook.url()], extra=EXTRA)

    first = home.run("check")
    assert first.code == 0, first.text
    assert first.out.startswith("No registry refresh since the last check (data of 2026-11-21T09:00:05)"), first.out
    assert "Deliveries: 3 sent" in first.out, first.out
    change, outage, back = hook.wait_for(3)
    assert change.title == ("NCT06171568 · Lariboisière Cognitive Assessment: Evaluation of the 1-year Outcomes: "
                            "overall status Not yet recruiting → Recruiting")
    assert "- Overall status: Not yet recruiting → Recruiting" in change.message
    assert "https://clinicaltrials.gov/study/NCT06171568" in change.message
    assert outage.title == "ClinicalTrials.gov unavailable: trial-monitor cannot check your trials"
    assert back.title == "ClinicalTrials.gov is answering again: trial-monitor is back to checking"

    history = home.run("history", "NCT06171568")
    assert "Overall status: Not yet recruiting → Recruiting" in history.out
    assert "First checked (baseline recorded)" in history.out
    listed = home.run("list").out
    assert all(trial_id in listed for trial_id in WATCHED) and "awaiting" not in listed
    assert "search cognition: 1 matching" in listed

    # a second refresh that day with nothing new: the cursor's margin lists the day again, which brings
    # NCT06171568 back, unchanged
    registry.refresh("2026-11-21T15:00:00")
    quiet = home.run("check")
    assert quiet.code == 0 and quiet.out.startswith("Checked 1 of 4 trials") and "1 unchanged" in quiet.out, quiet.out
    assert "changed:" not in quiet.out and "expectation" not in quiet.out
    assert len(hook.messages) == 3

    sponsor_edit(registry, "NCT00973089",
                 lambda s: s["protocolSection"]["statusModule"].__setitem__("whyStopped", "Funding ended"))
    registry.refresh()
    changed = home.run("check")
    assert changed.code == 0 and "NCT00973089 changed: Why stopped changed" in changed.out, changed.out
    [news] = hook.wait_for(4)[3:]
    assert news.title.startswith("NCT00973089 · ") and "Funding ended" in news.message
