"""What a check fetches (``monitor.check.plan``), decided from numbers alone: no registry, no database."""

from datetime import datetime, timedelta, timezone

from monitor.check.plan import known_ids, moved, plan_watched, sweep_quota, sweep_share
from monitor.core.model import Watched
from monitor.registry.base import Stamp

NOW = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)
WEEK = 7 * 86400


def trials() -> dict[str, Watched]:
    return {
        "NCT00000001": Watched("NCT00000001"),  # awaiting its baseline
        "NCT00000002": Watched("NCT00000002", snapshot_hash="a", missing_since=NOW),  # missing
        "NCT00000003": Watched("NCT00000003", snapshot_hash="b", last_update_posted="2026-11-01"),
        "NCT00000004": Watched("NCT00000004", snapshot_hash="c", served_id="NCT00000009"),  # re-registered
    }


def test_not_refreshed_fetches_only_the_new_trials() -> None:
    plan = plan_watched(trials(), refreshed=False, since="2026-11-19")
    assert plan.whole == ("NCT00000001",) and plan.listed == () and plan.settled == ("NCT00000003", "NCT00000004")


def test_refreshed_without_a_cursor_fetches_everything_whole() -> None:
    plan = plan_watched(trials(), refreshed=True, since=None)
    assert plan.whole == ("NCT00000001", "NCT00000002", "NCT00000003", "NCT00000004") and plan.listed == ()


def test_refreshed_lists_what_moved_among_the_settled() -> None:
    plan = plan_watched(trials(), refreshed=True, since="2026-11-19")
    assert plan.whole == ("NCT00000001", "NCT00000002") and plan.listed == ("NCT00000003", "NCT00000004")


def test_stamps_name_the_trials_that_moved_by_any_of_their_ids() -> None:
    known = known_ids(trials())
    assert known["NCT00000009"] == "NCT00000004" and known["NCT00000004"] == "NCT00000004"
    dates = {"NCT00000003": "2026-11-01", "NCT00000004": "2026-11-01"}
    stamps = [
        Stamp(("NCT00000003",), "2026-11-01"),  # the version we have (the overlap day)
        Stamp(("NCT00000010", "NCT00000009"), "2026-11-21"),  # served under a new id again: its alias
        Stamp(("NCT99999999",), "2026-11-21"),  # not watched
        Stamp(("NCT00000003",), None),  # no date: fetch it to be sure
    ]
    assert moved(stamps, known, dates) == ["NCT00000004", "NCT00000003"]


def test_the_sweep_takes_the_longest_unswept_due_share() -> None:
    swept = [(f"NCT{i:08d}", NOW - timedelta(days=8 + i % 3)) for i in range(100)]
    swept += [(f"NCT1{i:07d}", NOW - timedelta(days=1)) for i in range(100)]  # not due
    share = sweep_share(swept, now=NOW, period_seconds=WEEK, watched=200, refreshes_per_week=5)
    assert len(share) == 40  # 200 trials over 5 refreshes a week
    assert all(trial_id.startswith("NCT000") for trial_id in share)
    oldest = {f"NCT{i:08d}" for i in range(100) if i % 3 == 2}
    assert set(share[:30]) <= oldest
    assert sweep_share(swept, now=NOW, period_seconds=0, watched=200, refreshes_per_week=5) == []


def test_a_baseline_counts_as_a_sweep() -> None:
    fresh = [(f"NCT{i:08d}", NOW) for i in range(50)]
    assert sweep_share(fresh, now=NOW, period_seconds=WEEK, watched=50, refreshes_per_week=5) == []


def test_the_quota_spreads_a_period_over_the_registry_refresh_days() -> None:
    assert sweep_quota(570_000, WEEK, 5) == 114_000
    assert sweep_quota(100, 86400, 5) == 100  # a day holds at most one refresh: everything
    assert sweep_quota(100, 0, 5) == 0
