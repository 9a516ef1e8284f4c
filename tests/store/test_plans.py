"""The hot queries of a check and of the web face use an index on PostgreSQL (EXPLAIN), on a database of
20,000 trials filled as bench/store_plans.py fills it (its figures at 100,000: bench/README.md "Storage")."""

from __future__ import annotations

import pytest

from bench.store_plans import fill, plans
from monitor.store.db import open_engine

N = 20_000
# query → what its plans must show: those that read a few rows of a table that grows with the watchlist or
# with time (a page of 500 trials' states is read by a scan at this size, rightly: 500 of 20,000)
HOT = {
    "check: previous views of a page": "Index Scan using snapshot_pkey",
    "check: snapshots past keep_days": "Anti Join",  # NOT EXISTS: not a NOT IN list rescanned a row
    "check: a trial's snapshots (keep_snapshots)": "Index",
    "delivery: due deliveries": "Index Scan using ix_delivery_state",
    "web: dashboard filtered by status": "ix_trial_status",
    "web: a trial's history": "using ix_change_event_trial",
    "web: the feed (30 days)": "ix_change_event_detected_at",
    "web: events since (API)": "ix_change_event_detected_at",
}


@pytest.mark.postgres
def test_the_hot_queries_use_an_index(pg_database_url: str) -> None:
    engine = open_engine(pg_database_url)
    fill(engine, N)
    found = plans(engine, N)
    for name, wanted in HOT.items():
        statements = found[name]
        assert statements, name
        plan = "\n".join(statements)
        assert wanted in plan, f"{name}:\n{plan[:2000]}"
    assert "Seq Scan on change_event" not in "\n".join(p for name in HOT for p in found[name])
