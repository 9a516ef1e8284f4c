"""The gate (``monitor.check.open_gate``): what the checks before saw (``store.cycles``) and the new data
timestamp make the cursor. A real SQLite database and a registry that answers ``/version`` only."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.check import open_gate
from monitor.registry.ctgov.sync import cursor_date
from monitor.store import cycles
from monitor.store.db import open_engine

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


class Version:
    """A registry that only says its data timestamp; its cursor is ClinicalTrials.gov's."""

    def __init__(self, data: str) -> None:
        self.data = data

    async def version(self) -> str:
        return self.data

    def since(self, last_good: str | None, seen: Sequence[str] = ()) -> str | None:
        return cursor_date(last_good, seen)


def checked(engine: Engine, outcome: str, data: str | None) -> None:
    with Session(engine) as session:
        cycle = cycles.start(session, NOW)
        cycles.finish(session, cycle, outcome=outcome, now=NOW, data_timestamp=data, requests=1)


def gate(engine: Engine, data: str):  # type: ignore[no-untyped-def]
    return asyncio.run(open_gate(Version(data), engine))  # type: ignore[arg-type]


def test_the_gate_lists_from_the_day_after_the_last_good_data(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    assert gate(engine, "2026-11-20T09:00:05").since is None  # no good check yet: everything whole
    checked(engine, "checked", "2026-11-20T09:00:05")
    checked(engine, "quiet", "2026-11-20T09:00:05")
    opened = gate(engine, "2026-11-23T09:00:05")
    assert opened.refreshed and opened.since == "2026-11-21"
    assert not gate(engine, "2026-11-20T09:00:05").refreshed
    engine.dispose()


def test_a_same_day_refresh_a_failed_check_read_keeps_that_day_listed(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    checked(engine, "checked", "2026-11-20T09:00:05")
    checked(engine, "failed", "2026-11-20T15:00:00")  # a second refresh that day, then a failure
    checked(engine, "failed", None)  # one that never reached the registry
    with Session(engine) as session:
        assert cycles.seen_since_good(session) == ["2026-11-20T15:00:00"]
    assert gate(engine, "2026-11-23T09:00:05").since == "2026-11-20"
    checked(engine, "checked", "2026-11-23T09:00:05")  # a good check: what failed before it no longer counts
    with Session(engine) as session:
        assert cycles.seen_since_good(session) == []
    assert gate(engine, "2026-11-24T09:00:05").since == "2026-11-24"
    engine.dispose()
