"""What a cycle must fetch, decided from numbers alone (the incremental sync's pure part).

    registry not refreshed        -> only trials awaiting their baseline
    refreshed, no cursor yet      -> every watched record, whole
    refreshed, small watchlist    -> the watched records updated since the cursor, whole, in one step
    refreshed, large watchlist    -> list what was updated since the cursor (registry-wide, or the
                                     watched ids in batches: whichever costs fewer requests), then
                                     fetch only the watched records whose update date moved
    always, on refreshed cycles   -> the sweep's share of records not fetched whole for a while
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta

LISTING_PAGE = 1000  # records per page of the registry's listing
REFRESHES_PER_WEEK = 5  # the registry refreshes Monday to Friday


def cursor_date(last_good_data_timestamp: str | None, overlap_days: int = 1) -> str | None:
    """The registry date to list updates from: the last good cycle's data date minus an overlap."""
    if not last_good_data_timestamp:
        return None
    try:
        day = date.fromisoformat(last_good_data_timestamp[:10])
    except ValueError:
        return None
    return (day - timedelta(days=overlap_days)).isoformat()


def registry_wide_is_cheaper(announced_total: int, watched_batches: int) -> bool:
    """After the registry-wide listing's first page: is finishing it cheaper than asking per batch?"""
    pages_left = max(0, math.ceil(announced_total / LISTING_PAGE) - 1)
    return pages_left <= watched_batches


def sweep_share(
    swept: Iterable[tuple[str, datetime | None]], *, now: datetime, period_seconds: int, watched: int
) -> list[str]:
    """The trials this refreshed cycle re-fetches whole: the longest-unswept of those due, a share
    sized so that every trial is swept about once a period over the registry's refresh days."""
    if period_seconds <= 0:
        return []
    due_before = now - timedelta(seconds=period_seconds)
    due = sorted(
        ((when or datetime.min.replace(tzinfo=now.tzinfo), nct_id) for nct_id, when in swept
         if when is None or when <= due_before),
    )
    return [nct_id for _, nct_id in due[: sweep_quota(watched, period_seconds)]]


def sweep_quota(watched: int, period_seconds: int) -> int:
    """How many records one refreshed cycle sweeps so that all are swept about once a period."""
    if period_seconds <= 0:
        return 0
    refreshes = max(1.0, period_seconds / (7 * 86400) * REFRESHES_PER_WEEK)
    return math.ceil(watched / refreshes)
