"""A page of records decided and stored in one transaction (``check.pipe``, ``store.trials.record_page``),
and a quiet check that reads no trial's state (``check.check_step``). A real SQLite database and the
real records the stand-in serves; no network."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from monitor.check import check_step
from monitor.check.pipe import Context, Pipe
from monitor.check.watched import Gate
from monitor.core.expectations import ExpectationOptions
from monitor.core.model import COMPARE_GROUPS, Outcome, Record
from monitor.registry.catalogue import DEFAULT, about
from monitor.registry.ctgov.record import read_page
from monitor.registry.ctgov.standin.fixtures import fixture_studies
from monitor.store import cycles, trials
from monitor.store.db import open_engine
from monitor.store.tables import ExpectationState, Snapshot, TrialChecked
from monitor.watchlist import load_watchlist

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def records() -> list[Record]:
    return read_page(fixture_studies())


def setup(tmp_path: Path, ids: Sequence[str]) -> tuple[Engine, Pipe]:
    engine = open_engine(f"sqlite:///{tmp_path / 'monitor.db'}")
    with Session(engine) as session:
        cycle = cycles.start(session, NOW)
        trials.add(session, DEFAULT, ids, NOW)
        session.commit()
    context = Context(DEFAULT, COMPARE_GROUPS, ExpectationOptions(), (), NOW, cycle)
    return engine, Pipe(engine, context, {})


def count(engine: Engine, table: type) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_a_page_of_baselines_is_stored_whole(tmp_path: Path) -> None:
    page = {r.ids[0]: r for r in records()}
    engine, pipe = setup(tmp_path, list(page))
    pipe(page)
    assert pipe.tally.counts == {Outcome.BASELINE: len(page)}
    assert count(engine, Snapshot) == len(page) and count(engine, ExpectationState) > 0
    with Session(engine) as session:
        states = trials.states(session, DEFAULT, list(page))
        views = trials.snapshot_views(session, [s.snapshot_hash or "" for s in states.values()])
    for trial_id, record in page.items():
        state = states[trial_id]
        assert state.snapshot_hash == record.fingerprint and views[record.fingerprint or ""] == record.view
        assert state.baseline_at == NOW and state.expectations_key and state.title
    engine.dispose()


def test_a_page_that_fails_half_way_leaves_its_trials_as_they_were(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    page = {r.ids[0]: r for r in records()}
    engine, pipe = setup(tmp_path, list(page))
    calls = []

    def broken(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("the disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(trials, "record_events", broken)
        with pytest.raises(RuntimeError):
            pipe(page)
    assert count(engine, Snapshot) == 0 and count(engine, ExpectationState) == 0
    with Session(engine) as session:
        assert all(s.snapshot_hash is None for s in trials.states(session, DEFAULT, list(page)).values())
    pipe(page)  # the next check decides them again: every baseline, once
    assert count(engine, Snapshot) == len(page)
    engine.dispose()


def test_a_change_then_back_stores_each_content_once(tmp_path: Path) -> None:
    first = records()[0]
    trial_id = first.ids[0]
    engine, pipe = setup(tmp_path, [trial_id])
    changed = dict(first.view or {}, title="A new title")
    back_and_forth = [first, Record(first.ids, changed, "f" * 64), first]
    for record in back_and_forth:  # A → B → A: two snapshots, the last a bare pointer back
        pipe({trial_id: record})
    assert count(engine, Snapshot) == 2
    with Session(engine) as session:
        assert trials.states(session, DEFAULT, [trial_id])[trial_id].snapshot_hash == first.fingerprint
    engine.dispose()


def test_awaiting_names_the_new_and_those_without_a_baseline(tmp_path: Path) -> None:
    page = {r.ids[0]: r for r in records()[:3]}
    settled, missing, waits = list(page)
    engine, pipe = setup(tmp_path, [settled, missing, waits])
    pipe({settled: page[settled], missing: None})  # one baselined, one not found
    with Session(engine) as session:
        assert trials.awaiting(session, DEFAULT, ["NCT09999999", settled, missing, waits]) == ["NCT09999999", waits]
        assert trials.awaiting(session, "another", [settled]) == [settled]
    engine.dispose()


class Listed:
    """A registry that serves these records by id, and counts what it is asked."""

    about = about(DEFAULT)

    def __init__(self, served: Sequence[Record]) -> None:
        self.served, self.asked = list(served), 0

    async def fetch(self, ids: Sequence[str]) -> AsyncIterator[list[Record]]:
        self.asked += 1
        yield [r for r in self.served if r.ids[0] in ids]


def quiet_check(engine: Engine, pipe: Pipe, registry: Listed, path: Path):  # type: ignore[no-untyped-def]
    gate = Gate("2026-11-20T09:00:05", refreshed=False, since="2026-11-20")
    return asyncio.run(check_step(registry, engine, pipe, gate, load_watchlist(path, env={}), None))  # type: ignore[arg-type]


def test_a_quiet_check_reads_and_writes_no_trial_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    served = records()[:3]
    ids = [r.ids[0] for r in served]
    engine, pipe = setup(tmp_path, ids)
    pipe({r.ids[0]: r for r in served})
    earlier = NOW - timedelta(days=1)
    with Session(engine) as session:
        session.execute(update(TrialChecked).values(last_checked_at=earlier))
        session.commit()
    path = tmp_path / "watchlist.yaml"
    path.write_text("trials:\n" + "".join(f"  - {i}\n" for i in ids))
    registry = Listed(served)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a quiet check read every trial's state")

    with monkeypatch.context() as patch:
        patch.setattr(trials, "watched", refuse)
        step, watched = quiet_check(engine, pipe, registry, path)
    assert (step.outcome, step.watched, watched, registry.asked) == ("quiet", 3, ids, 0)
    with Session(engine) as session:
        assert set(session.scalars(select(TrialChecked.last_checked_at))) == {earlier}

    new = fixture_studies()[3]["protocolSection"]["identificationModule"]["nctId"]
    path.write_text(path.read_text() + f"  - {new}\n")  # a trial added: its baseline is fetched at once
    registry.served = records()
    step, watched = quiet_check(engine, pipe, registry, path)
    assert (step.outcome, step.watched, registry.asked) == ("checked", 4, 1)
    assert pipe.tally.counts[Outcome.BASELINE] == 4
    engine.dispose()
