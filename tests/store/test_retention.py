"""Retention on both backends: old snapshots go (by count and by age), a snapshot any trial still points at stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from monitor.store import codec, trials
from monitor.store.db import open_engine
from monitor.store.tables import Snapshot, Trial

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)


def test_old_snapshots_go_and_every_current_one_stays(store_url: str) -> None:
    engine = open_engine(store_url)
    with Session(engine) as session:
        for trial_id, current in (("NCT00000001", "a3"), ("NCT00000002", "a1")):  # the second shares an old one
            session.add(Trial(registry_key="ctgov", trial_id=trial_id, added_at=NOW, snapshot_hash=current * 32))
        for age, name in ((400, "a1"), (300, "a2"), (10, "a3"), (200, "b1")):
            session.add(Snapshot(hash=name * 32, registry_key="ctgov", trial_id="NCT00000001",
                                 packed=codec.pack({"v": 1, "n": name}), first_seen_at=NOW - timedelta(days=age)))
        session.commit()
        assert trials.prune_snapshots(session, "ctgov", ["NCT00000001"], keep=2, keep_days=0, now=NOW) == 1
        assert trials.prune_snapshots(session, "ctgov", [], keep=0, keep_days=100, now=NOW) == 1
        left = set(session.exec(select(Snapshot.hash)))
        assert left == {"a3" * 32, "a1" * 32}  # a2 by count, b1 by age; a1 is NCT00000002's current
        assert trials.snapshot_views(session, ["a1" * 32]) == {"a1" * 32: {"v": 1, "n": "a1"}}
