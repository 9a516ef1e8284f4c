"""ClinicalTrials.gov's refresh rule and listing strategy: what a check lists, decided from numbers.

    cursor                    -> the last good check's data date minus a day (the overlap day)
    one batch of watched ids  -> the watched records updated since the cursor, whole, in one step
    more batches              -> list what was updated since the cursor (registry-wide, or the
                                 watched ids in batches: whichever costs fewer requests)
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Sequence
from datetime import date, timedelta

from monitor.registry.base import Moved
from monitor.registry.ctgov.api import PAGE_SIZE, StudiesApi, id_batches
from monitor.registry.ctgov.record import read_page


def cursor_date(last_good_data_timestamp: str | None, overlap_days: int = 1) -> str | None:
    """The registry date to list updates from: the last good check's data date minus an overlap."""
    if not last_good_data_timestamp:
        return None
    try:
        day = date.fromisoformat(last_good_data_timestamp[:10])
    except ValueError:
        return None
    return (day - timedelta(days=overlap_days)).isoformat()


def registry_wide_is_cheaper(announced_total: int, watched_batches: int) -> bool:
    """After the registry-wide listing's first page: is finishing it cheaper than asking per batch?"""
    pages_left = max(0, math.ceil(announced_total / PAGE_SIZE) - 1)
    return pages_left <= watched_batches


async def changed_since(api: StudiesApi, since: str, served: Sequence[str]) -> AsyncIterator[Moved]:
    """What moved among ``served`` since ``since``: whole records for one batch, else stamps."""
    batches = len(list(id_batches(served)))
    if batches <= 1:
        async for page in api.by_id(served, since):
            yield Moved(records=tuple(read_page(page)))  # only updated records come back
        return
    listing = api.stamps(since)
    first, total = await anext(listing)
    if total is None or registry_wide_is_cheaper(total, batches):
        yield Moved(stamps=tuple(first))
        async for stamps, _ in listing:
            yield Moved(stamps=tuple(stamps))
        return
    await listing.aclose()
    async for stamps, _ in api.stamps(since, served):
        yield Moved(stamps=tuple(stamps))
