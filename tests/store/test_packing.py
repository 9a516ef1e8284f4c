"""Revision 10 on both backends: snapshots stored as JSON before it are packed in place, in bounded batches,
resumably and idempotently; old and new rows read alike meanwhile, and a check between two halves works."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Engine, create_engine, insert, select, text
from sqlmodel import Session

from bench.storage_cost import fixture_views
from monitor.core.decide import next_state
from monitor.core.model import Decision, Outcome, TrialState
from monitor.core.view import fingerprint
from monitor.store import codec, cycles, migrations, trials
from monitor.store.db import open_engine
from monitor.store.migrations import packing
from monitor.store.tables import Snapshot, Trial

REGISTRY = "ctgov"
WHEN = datetime(2026, 11, 20, 10, tzinfo=UTC)


def legacy_database(url: str, copies: int = 2) -> dict[str, dict[str, object]]:
    """A database at revision 9 holding the fixtures' views as that release stored them (JSON), ``copies``
    versions of each (the second with another title); returns {hash: view}."""
    engine = create_engine(url)
    stored: dict[str, dict[str, object]] = {}
    with engine.begin() as conn:
        command.upgrade(migrations.config(conn), "9")
        for view in fixture_views():
            for copy in range(copies):
                this = dict(view, title=f"{view['title']} (version {copy})")
                stored[fingerprint(this)] = this
                conn.execute(insert(Snapshot.__table__).values(
                    hash=fingerprint(this), registry=REGISTRY, trial_id=view["id"], view=this,
                    first_seen_at=WHEN + timedelta(days=copy)))
            conn.execute(insert(Trial.__table__).values(registry=REGISTRY, trial_id=view["id"], added_at=WHEN,
                                                        snapshot_hash=fingerprint(this), baseline_at=WHEN))
    engine.dispose()
    return stored


def schema_only(url: str) -> Engine:
    """The schema brought to head without packing (what an interrupted first start leaves)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrations.config(conn), "head")
    return engine


def kinds(engine: Engine) -> tuple[int, int]:
    """(rows still JSON, rows packed)."""
    with engine.connect() as conn:
        rows = conn.execute(select(Snapshot.__table__.c.packed)).all()
    return sum(1 for (p,) in rows if p is None), sum(1 for (p,) in rows if p is not None)


def read_all(engine: Engine, hashes: list[str]) -> dict[str, dict[str, object]]:
    with Session(engine) as session:
        return trials.snapshot_views(session, hashes)


def test_an_older_database_is_packed_on_start_and_reads_the_same(store_url: str) -> None:
    stored = legacy_database(store_url)
    engine = open_engine(store_url)
    assert kinds(engine) == (0, len(stored))
    assert read_all(engine, list(stored)) == stored
    with engine.connect() as conn:  # what a packed row keeps of its JSON: JSON null (the column is NOT NULL)
        assert {v for (v,) in conn.execute(text("SELECT CAST(view AS TEXT) FROM snapshot"))} == {"null"}
        assert not packing.pending(conn)


def test_packing_goes_in_bounded_batches_and_resumes_where_it_stopped(
        store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = legacy_database(store_url)
    engine = schema_only(store_url)
    assert kinds(engine) == (len(stored), 0)
    batches: list[int] = []
    real = packing.pack_batch

    def counted(conn, after, size=packing.BATCH):  # type: ignore[no-untyped-def]
        found = real(conn, after, size)
        if found is not None:
            batches.append(found[1])
        return found

    monkeypatch.setattr(packing, "pack_batch", counted)
    assert packing.finish(engine, size=4, batches=3) == 12  # stopped half way (as by a kill between batches)
    assert batches == [4, 4, 4] and kinds(engine) == (len(stored) - 12, 12)
    assert read_all(engine, list(stored)) == stored  # old and new rows alike

    rest = packing.finish(engine, size=4)
    assert rest == len(stored) - 12 and max(batches) == 4
    assert kinds(engine) == (0, len(stored)) and read_all(engine, list(stored)) == stored
    assert packing.finish(engine, size=4) == 0  # idempotent: nothing left, one read


def test_a_crash_inside_a_batch_loses_only_that_batch(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = legacy_database(store_url)
    engine = schema_only(store_url)
    calls = {"n": 0}
    real = codec.pack

    def failing(value):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 7:
            raise MemoryError("killed")
        return real(value)

    monkeypatch.setattr(codec, "pack", failing)
    with pytest.raises(MemoryError):
        packing.finish(engine, size=5)
    assert kinds(engine) == (len(stored) - 5, 5)  # the first batch committed, the second rolled back
    monkeypatch.setattr(codec, "pack", real)
    open_engine(store_url).dispose()  # the next start goes on
    assert kinds(engine) == (0, len(stored)) and read_all(engine, list(stored)) == stored


def test_a_check_between_the_two_halves_compares_with_the_stored_view(store_url: str) -> None:
    """Half packed: the store reads a trial's previous view whichever way it is kept, writes only packed
    rows, and the rest of the conversion then leaves what the check wrote alone."""
    stored = legacy_database(store_url, copies=1)
    engine = schema_only(store_url)
    packing.finish(engine, size=3, batches=2)
    now = WHEN + timedelta(days=3)
    with Session(engine) as session:
        before = trials.states(session, REGISTRY, list(TRIALS := [v["id"] for v in stored.values()]))
        previous = trials.snapshot_views(session, [before[i].snapshot_hash or "" for i in TRIALS])
        assert all(previous[before[i].snapshot_hash or ""]["id"] == i for i in TRIALS)
        trial_id = TRIALS[-1]  # hash order decides which half a row is in: take the last and the first
        changed = dict(previous[before[trial_id].snapshot_hash or ""], title="Changed")
        decision = Decision(trial_id, Outcome.UNCHANGED, fingerprint(changed), changed)
        cycle = cycles.start(session, now)
        state: TrialState = before[trial_id]
        trials.record(session, REGISTRY, state, next_state(state, decision, now), decision, expectations=None,
                      recipients=[], now=now, cycle_id=cycle)
    packing.finish(engine)
    assert kinds(engine) == (0, len(stored) + 1)
    assert read_all(engine, [*stored, fingerprint(changed)]) == {**stored, fingerprint(changed): changed}
