"""The soak, short form: the daemon on a 1 s schedule for over a minute, a third of requests failing."""

from __future__ import annotations

import pytest

from bench.soak import soak


@pytest.mark.timeout(300)
def test_every_change_alerted_exactly_once_under_random_faults() -> None:
    figures = soak(seconds=70)
    print("\n".join(figures.lines()))
    assert figures.changes >= 12
    assert figures.alerts == figures.changes
    assert figures.duplicates == 0 and figures.missed == []
    assert figures.alive and figures.exit_code == 0
    assert figures.tracebacks == 0
    assert figures.rss_end_kib - figures.rss_start_kib < 20 * 1024  # flat, allowing for warm-up
    assert figures.second_half_growth_kib < 8 * 1024
