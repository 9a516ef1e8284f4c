from datetime import datetime, timedelta, timezone

from monitor.core.sync import cursor_date, registry_wide_is_cheaper, sweep_share

NOW = datetime(2026, 11, 22, 12, tzinfo=timezone.utc)


def test_cursor_is_the_registry_date_minus_a_day_of_overlap() -> None:
    assert cursor_date("2026-11-20T09:00:05") == "2026-11-19"
    assert cursor_date(None) is None and cursor_date("garbage") is None


def test_the_cheaper_listing_wins() -> None:
    assert registry_wide_is_cheaper(800, watched_batches=10)  # one page is all there is
    assert registry_wide_is_cheaper(4_000, watched_batches=10)  # 3 more pages < 10 batches
    assert not registry_wide_is_cheaper(570_000, watched_batches=10)  # 569 more pages: per batch


def test_the_sweep_takes_the_longest_unswept_due_share() -> None:
    week = 7 * 86400
    swept = [(f"NCT{i:08d}", NOW - timedelta(days=8 + i % 3)) for i in range(100)]
    swept += [(f"NCT1{i:07d}", NOW - timedelta(days=1)) for i in range(100)]  # not due
    share = sweep_share(swept, now=NOW, period_seconds=week, watched=200)
    assert len(share) == 40  # 200 trials over 5 refreshes a week
    assert all(nct_id.startswith("NCT000") for nct_id in share)
    oldest = {f"NCT{i:08d}" for i in range(100) if i % 3 == 2}
    assert set(share[:30]) <= oldest
    assert sweep_share(swept, now=NOW, period_seconds=0, watched=200) == []


def test_a_baseline_counts_as_a_sweep() -> None:
    fresh = [(f"NCT{i:08d}", NOW) for i in range(50)]
    assert sweep_share(fresh, now=NOW, period_seconds=7 * 86400, watched=50) == []
