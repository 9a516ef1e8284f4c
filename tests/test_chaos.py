"""The chaos soak, short form (issue 15 §1): 100 changes under random registry faults, a target down a
third of the time and the daemon SIGKILLed every 2 to 8 s; then, on PostgreSQL, a leader and a stand-by
with the leader killed. Nothing lost, nothing out of order, no traceback; duplicates only within the
at-least-once window (at most one a kill), reported. The full run is ``python bench/chaos.py``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chaos import ChaosFigures, Phase, chaos


def assert_nothing_lost(figures: ChaosFigures, phase: Phase) -> None:
    assert phase.rounds_timed_out == 0, "a round's changes were not stored within 120 s"
    assert phase.matched.lost == [], phase.matched.lost_detail
    assert phase.matched.out_of_order == 0
    assert phase.matched.duplicates <= phase.kills  # at least once: a kill between sent and marked
    if phase.matched.duplicates_by_id is not None:
        assert phase.matched.duplicates_by_id <= phase.kills
    assert phase.tracebacks == 0
    assert phase.stuck == 0 and phase.outbox.get("dropped", 0) == 0, phase.outbox
    assert all(code == 0 for code in phase.exit_codes), phase.exit_codes
    assert figures.standin_errors == 0


@pytest.mark.timeout(300)
def test_a_hundred_changes_under_chaos_lose_nothing(tmp_path: Path) -> None:
    figures = chaos(100, seed=15, drain_timeout=150, say=lambda line: None, keep=tmp_path)
    print("\n".join(figures.lines()))
    (phase,) = figures.phases
    assert len(phase.changes) == 100 and len({c.kind for c in phase.changes}) == 5
    assert phase.kills >= 5  # the chaos happened: kills, failed requests, the target down
    assert sum(figures.faults.values()) >= 10 and figures.target_spells["up"] < sum(figures.target_spells.values())
    assert_nothing_lost(figures, phase)
    assert phase.integrity == "ok"
    assert figures.observer_alive and figures.observer_tracebacks == 0


@pytest.mark.postgres
@pytest.mark.timeout(300)
def test_leader_killed_the_stand_by_takes_over_and_nothing_is_lost(pg_database_url: str, tmp_path: Path) -> None:
    figures = chaos(60, postgres_changes=60, database_url=pg_database_url, seed=16, observer=False,
                    drain_timeout=150, say=lambda line: None, keep=tmp_path)
    print("\n".join(figures.lines()))
    (phase,) = figures.phases
    assert phase.daemons == 2 and len(phase.changes) == 60
    assert phase.kills >= 2 and phase.takeovers >= 1  # the stand-by took over (or a restarted one led afresh)
    assert_nothing_lost(figures, phase)
