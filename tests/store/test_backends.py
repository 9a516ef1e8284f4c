"""The store on both backends (SQLite and a real PostgreSQL): the queries, the cycle lock, opening errors."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from monitor.core.choices import TargetRef
from monitor.core.decide import next_state
from monitor.core.model import ChangeEvent, Decision, Level, Outcome, TrialState
from monitor.store import cycles, history, outbox, trials
from monitor.store.db import StoreError, cycle_lock, open_engine

REGISTRY = "ctgov"
NCT = "NCT00000001"
NOW = datetime(2026, 5, 6, 7, 8, 9, 123_456, tzinfo=UTC)
VIEW = {"title": "A trial", "status": {"overall": "RECRUITING"}, "updated": "2026-05-01", "sites": [{"city": "Lyon"}]}


@pytest.fixture
def engine(store_url: str) -> Engine:
    return open_engine(store_url)


def test_trials_round_trip(engine: Engine) -> None:
    later = NOW + timedelta(minutes=5)
    changed = {**VIEW, "status": {"overall": "COMPLETED"}}
    event = ChangeEvent("status", "status", "RECRUITING", "COMPLETED", "Overall status: Recruiting → Completed", Level.HIGH)
    targets = [TargetRef("k1", "json://127.0.0.1/…"), TargetRef("k2", "mailto://…")]
    with Session(engine) as session:
        watched = trials.watched(session, REGISTRY, [NCT, NCT, "NCT00000002"], NOW)
        assert sorted(watched) == [NCT, "NCT00000002"] and watched[NCT].awaiting
        cycle_id = cycles.start(session, NOW)
        before = trials.states(session, REGISTRY, [NCT])[NCT]
        assert before == TrialState(NCT)
        baseline = Decision(NCT, Outcome.BASELINE, fingerprint="a" * 64, view=VIEW)
        after = next_state(before, baseline, NOW)
        trials.record(session, REGISTRY, before, after, baseline, expectations=None, recipients=targets, now=NOW,
                      cycle_id=cycle_id)
        change = Decision(NCT, Outcome.CHANGED, fingerprint="b" * 64, view=changed, events=(event,))
        trials.record(session, REGISTRY, after, next_state(after, change, later), change, expectations=None,
                      recipients=targets, now=later, cycle_id=cycle_id)
    with Session(engine) as session:  # read back through a new session: what the database holds
        state = trials.states(session, REGISTRY, [NCT])[NCT]
        assert (state.overall_status, state.baseline_at, state.last_changed_at) == ("COMPLETED", NOW, later)
        assert state.baseline_at is not None and state.baseline_at.tzinfo is not None
        assert trials.snapshot_views(session, ["a" * 64, "b" * 64]) == {"a" * 64: VIEW, "b" * 64: changed}
        [recorded] = history.events(session, REGISTRY, NCT)
        assert (recorded.old, recorded.new, recorded.level, recorded.detected_at) == ("RECRUITING", "COMPLETED", "high", later)

        due = outbox.due_deliveries(session, later, ignore_backoff=False)
        assert [d.target_key for d, _alert in due] == ["k1", "k2"]
        assert (due[0][1].trial_id, due[0][1].kind) == (NCT, "change")
        assert [e.text for e in outbox.events_of(session, [due[0][1].id])] == [event.text]
        assert outbox.due_deliveries(session, NOW, ignore_backoff=False) == []
        outbox.mark_delivered(session, due[0][0].id, later)
        outbox.mark_failed(session, due[1][0].id, later, "connection refused")
        assert outbox.due_deliveries(session, later, ignore_backoff=False) == []  # backing off
        [(pending, _alert)] = outbox.due_deliveries(session, later, ignore_backoff=True)
        assert pending.target_key == "k2" and pending.attempts == 1
        assert pending.next_attempt_at == later + outbox.target_backoff(1)  # the target's first wait: 5 s
        assert outbox.delivery_counts(session) == {"sent": 1, "pending": 1}


def test_ids_of_other_registries_fit(engine: Engine) -> None:
    """A trial is (registry, trial id): an EU CT number (17 characters) and an ISRCTN beside an NCT id."""
    with Session(engine) as session:
        trials.add(session, "euctr", ["2023-503684-42-00"], NOW)
        trials.add(session, "isrctn", ["ISRCTN12345678"], NOW)
        trials.add(session, REGISTRY, ["2023-503684-42-00"], NOW)  # the same id elsewhere is another trial
        session.commit()
        assert list(trials.states(session, "euctr", ["2023-503684-42-00"])) == ["2023-503684-42-00"]
        assert list(trials.states(session, "isrctn", ["ISRCTN12345678"])) == ["ISRCTN12345678"]
        assert trials.states(session, REGISTRY, ["ISRCTN12345678"]) == {}
        assert len(trials.watched(session, REGISTRY, ["2023-503684-42-00"], NOW)) == 1  # no second row


def test_cycle_lock_second_holder_waits(store_url: str) -> None:
    first, second = open_engine(store_url), open_engine(store_url)  # two "processes"

    async def scenario() -> None:
        got_at: list[float] = []

        async def wait_for_it() -> None:
            async with cycle_lock(second) as held:
                got_at.append(time.monotonic())
                assert held

        async with cycle_lock(first) as held:
            assert held
            waiter = asyncio.create_task(wait_for_it())
            await asyncio.sleep(1.2)
            assert not waiter.done()
            async with cycle_lock(second, wait=False) as free:
                assert free is False
            released_at = time.monotonic()
        await asyncio.wait_for(waiter, 10)
        assert got_at[0] >= released_at
        async with cycle_lock(second, wait=False) as free:
            assert free is True

    asyncio.run(scenario())


@pytest.mark.postgres
def test_pg_lock_dies_with_its_connection(pg_database_url: str) -> None:
    holder, other = open_engine(pg_database_url), open_engine(pg_database_url)

    def holder_pid() -> int | None:
        with other.connect() as conn:
            return conn.execute(text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )).scalar()

    async def scenario() -> None:
        # whether the dead holder's own unlock raises is not the point here: the next holder is
        with contextlib.suppress(SQLAlchemyError):
            async with cycle_lock(holder) as held:
                assert held
                pid = holder_pid()
                assert pid is not None
                async with cycle_lock(other, wait=False) as free:
                    assert free is False
                with other.connect() as conn:
                    assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
                deadline = time.monotonic() + 10
                while holder_pid() is not None and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                async with cycle_lock(other, wait=False) as free:
                    assert free is True

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "not a database URL"),
        ("sqlite:////dev/null/monitor.db", "cannot create the data folder /dev/null"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/nothing", "cannot open the database postgresql+psycopg://postgres@127.0.0.1:1/nothing"),
    ],
)
def test_open_errors_are_one_line(url: str, expected: str) -> None:
    with pytest.raises(StoreError) as raised:
        open_engine(url)
    assert expected in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.postgres
def test_missing_pg_database_is_one_line(postgres_url: str) -> None:
    url = postgres_url.rsplit("/", 1)[0] if postgres_url.count("/") > 2 else postgres_url
    with pytest.raises(StoreError, match='database "no_such_db" does not exist') as raised:
        open_engine(f"{url}/no_such_db")
    assert "\n" not in str(raised.value)


def test_a_good_check_vouches_for_exactly_the_trials_it_names(engine: Engine) -> None:
    """``mark_checked``: on PostgreSQL the ids go as one array, on SQLite by chunks; on both, exactly those
    trials' ``last_checked_at`` moves, the others' stays."""
    ids = [f"NCT{n:08d}" for n in range(1, 7_002)]  # more than one chunk
    with Session(engine) as session:
        trials.add(session, "ctgov", ids, NOW)
        session.commit()
        later = NOW + timedelta(hours=6)
        trials.mark_checked(session, "ctgov", ids[:6_000], later)
        checked = trials.checked_at(session, "ctgov", ids)
    assert {checked[i] for i in ids[:6_000]} == {later}
    assert {checked[i] for i in ids[6_000:]} == {None}
