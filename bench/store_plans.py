"""The plans of the queries a check and the web face run, on PostgreSQL with a realistic number of rows.

    .venv/bin/python bench/store_plans.py postgresql+psycopg://…/db [--trials 100000]

Fills an empty database (migrated by ``open_engine``) with N trials, a snapshot each and one more for
a tenth of them, three events a trial over a year (a fifth of them pushed, each with its alert and a
delivery), expectation rows for a tenth; ``ANALYZE``; then runs the store's own functions (``QUERIES``)
with their SQL captured, and prints each statement's ``EXPLAIN`` (the plan's first lines). Figures
and the indexes they led to: bench/README.md, "Storage". ``tests/store/test_plans.py`` asserts that
the hot ones use an index, on a smaller fill.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from monitor.registry.ctgov.record import view_of  # noqa: E402
from monitor.registry.ctgov.standin.fixtures import load_fixture  # noqa: E402
from monitor.store import browse, codec, expectations, history, outbox, trials  # noqa: E402
from monitor.store.db import open_engine  # noqa: E402

REGISTRY = "ctgov"
NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
FILL = """
INSERT INTO snapshot (hash, registry, trial_id, view, packed, first_seen_at)
  SELECT md5(i::text) || md5((-i)::text), 'ctgov', 'NCT' || lpad(i::text, 8, '0'), 'null',
         :packed, :now - (i % 365) * interval '1 day'
  FROM generate_series(1, :n) AS i;
INSERT INTO snapshot (hash, registry, trial_id, view, packed, first_seen_at)
  SELECT md5((i + :n)::text) || md5((-i)::text), 'ctgov', 'NCT' || lpad(i::text, 8, '0'), 'null',
         :packed, :now - (i % 300) * interval '1 day'
  FROM generate_series(1, :n, 10) AS i;
INSERT INTO trial (registry, trial_id, snapshot_hash, title, overall_status, last_update_posted, added_at,
                   baseline_at, swept_at, expectation_facts, expectations_since,
                   expectations_key, expectations_due_at)
  SELECT 'ctgov', 'NCT' || lpad(i::text, 8, '0'), md5(i::text) || md5((-i)::text), 'A trial #' || i,
         (ARRAY['RECRUITING','COMPLETED','ACTIVE_NOT_RECRUITING','NOT_YET_RECRUITING','TERMINATED',
                'UNKNOWN','WITHDRAWN','SUSPENDED'])[1 + i % 8],
         '2026-01-01', :now - interval '400 days', :now - interval '400 days', :now,
         '{"v": 2, "status": "RECRUITING"}', :now - interval '400 days', 'k1',
         CASE WHEN i % 50 = 0 THEN :now + (i % 30) * interval '1 day' END
  FROM generate_series(1, :n) AS i;
INSERT INTO trial_checked (registry, trial_id, last_checked_at) SELECT registry, trial_id, :now FROM trial;
INSERT INTO alert (registry, trial_id, kind, created_at)
  SELECT 'ctgov', 'NCT' || lpad((i * 7 % :n + 1)::text, 8, '0'), 'change', :now - (i % 365) * interval '1 day'
  FROM generate_series(1, :n * 3 / 5) AS i;
INSERT INTO change_event (registry, trial_id, alert_id, kind, level, field, old, new, text, detected_at,
                          registry_date)
  SELECT 'ctgov', 'NCT' || lpad((i % :n + 1)::text, 8, '0'), CASE WHEN i % 5 = 0 THEN i / 5 END,
         (ARRAY['status','date','sites','results','enrollment','outcomes'])[1 + i % 6],
         CASE WHEN i % 5 = 0 THEN 'high' ELSE 'silent' END, 'field', '"a"', '"b"', 'What changed',
         :now - (i % 365) * interval '1 day' - (i % 86400) * interval '1 second', '2026-01-01'
  FROM generate_series(1, :n * 3) AS i;
INSERT INTO delivery (alert_id, target_key, target_masked, state, attempts, next_attempt_at, sent_at)
  SELECT id, 'k1', 'json://…', CASE WHEN id % 1000 = 0 THEN 'pending' ELSE 'sent' END, 1, created_at, created_at
  FROM alert;
INSERT INTO expectation (registry, trial_id, name, text, since, baseline)
  SELECT 'ctgov', 'NCT' || lpad(i::text, 8, '0'), 'results_overdue', 'Results overdue', :now, false
  FROM generate_series(1, :n, 10) AS i;
"""


def fill(engine: Engine, n: int) -> None:
    """The rows above, made by the server (seconds for 100,000 trials), then ANALYZE. Every snapshot is
    the packed view of one real record (a median one: 3 KB)."""
    packed = codec.pack(view_of(load_fixture("NCT03064438")))
    with engine.begin() as conn:
        for statement in filter(str.strip, FILL.split(";")):
            conn.execute(text(statement), {"n": n, "now": NOW, "packed": packed})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def queries(n: int) -> dict[str, Callable[[Session], Any]]:
    """What a check and the web face ask, through the store's functions, by name."""
    some = [f"NCT{i:08d}" for i in range(1, n, max(1, n // 500))][:500]
    one = some[len(some) // 2]
    week = NOW - timedelta(days=7)
    return {
        "check: trial states of a page": lambda s: trials.states(s, REGISTRY, some),
        "check: previous views of a page": lambda s: trials.snapshot_views(
            s, [trials.states(s, REGISTRY, [i])[i].snapshot_hash or "" for i in some[:3]]),
        "check: a trial's past (date, status events)": lambda s: history.past(s, REGISTRY, some),
        "check: expectations true of a page": lambda s: expectations.true_names(s, REGISTRY, some),
        "check: expectations due": lambda s: expectations.due(s, REGISTRY, "k1", NOW),
        "check: snapshots past keep_days": lambda s: trials.prune_snapshots(
            s, REGISTRY, [], keep=0, keep_days=360, now=NOW),
        "check: a trial's snapshots (keep_snapshots)": lambda s: trials.prune_snapshots(
            s, REGISTRY, [one], keep=1, keep_days=0, now=NOW),
        "delivery: due deliveries": lambda s: outbox.due_deliveries(s, NOW, ignore_backoff=False),
        "web: dashboard filtered by status": lambda s: browse.page(s, REGISTRY, among=None, status="SUSPENDED"),
        "web: dashboard, changed in 7 days": lambda s: browse.page(s, REGISTRY, among=None, changed_since=week),
        "web: latest change of a page of trials": lambda s: browse.latest_changes(s, REGISTRY, some[:50]),
        "web: a trial's history": lambda s: history.events(s, REGISTRY, one),
        "web: the feed (30 days)": lambda s: history.recent_events(s, NOW - timedelta(days=30), 200, ["high"]),
        "web: events since (API)": lambda s: browse.events_since(s, week, ["high"], 200),
    }


@contextmanager
def captured(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and their parameters) run on ``engine`` meanwhile."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if not many and statement.lstrip().upper().startswith(("SELECT", "DELETE", "UPDATE")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def plans(engine: Engine, n: int, analyze: bool = False) -> dict[str, list[str]]:
    """Each query's plans (one per statement it ran), as EXPLAIN prints them (``analyze``: run, with the
    time taken); nothing is changed (rolled back)."""
    explain = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " if analyze else "EXPLAIN (COSTS OFF) "
    found: dict[str, list[str]] = {}
    for name, run in queries(n).items():
        with captured(engine) as seen, Session(engine) as session:
            run(session)
            session.rollback()
        raw = engine.raw_connection()
        try:
            import psycopg

            cursor = psycopg.ClientCursor(raw.driver_connection)  # type: ignore[arg-type]
            found[name] = []
            for statement, parameters in seen:
                cursor.execute(explain + statement, parameters)
                found[name].append("\n".join(row[0] for row in cursor.fetchall()))
            raw.rollback()
        finally:
            raw.close()
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url", help="an empty PostgreSQL database (postgresql+psycopg://…)")
    ap.add_argument("--trials", type=int, default=100_000)
    ap.add_argument("--lines", type=int, default=4, help="lines of each plan printed")
    ap.add_argument("--analyze", action="store_true", help="run each statement (EXPLAIN ANALYZE), say its time")
    ap.add_argument("--no-fill", action="store_true", help="the database is filled already")
    args = ap.parse_args()
    engine = open_engine(args.url)
    if not args.no_fill:
        fill(engine, args.trials)
    for name, found in plans(engine, args.trials, args.analyze).items():
        print(f"## {name}")
        for plan in found:
            lines = plan.splitlines()
            print("\n".join(line[:150] for line in lines[: args.lines] + [x for x in lines if "Execution Time" in x]))
        print()


if __name__ == "__main__":
    main()
