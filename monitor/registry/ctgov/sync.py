"""ClinicalTrials.gov's refresh rule and listing strategy: what a check lists, decided from numbers.

    cursor                    -> the day after the last good check's data day: what the new refresh
                                 posted, and nothing the last good check already saw
                                 (that day itself again when its data may have missed some of it)
    one batch of watched ids  -> the watched records updated since the cursor, whole, in one step
    more batches              -> the registry-wide "updated since" listing's first page; its
                                 totalCount says which costs fewer requests: finishing it and
                                 fetching what moved, or one whole-record listing per batch

**The cursor and its margin.** The registry refreshes once a weekday; ``/version``'s
``dataTimestamp`` says when (``2026-03-25T09:00:05``: every timestamp observed is stamped 09:00:05,
"generally by 9 a.m. ET"), and the refresh posts its updates with that day as their
``LastUpdatePostDate`` (the stand-in does the same, and a real record captured in data of
2023-12-14 carries a last update posted 2023-12-14). In 26 pairs of real consecutive versions of
real records, every newer version's posted date was on or after the day of the capture before it:
no update was served later than its posted date. So a check whose data is of day D has seen every
update posted before D, and the next one need list only from D + 1 — provided it saw all of D
too. The margin is what may make D incomplete, and then D is listed again:

- a second refresh posting on D (another timestamp of day D read by any check since: the new one,
  or a check that failed half way);
- data stamped before :data:`DAY_POSTED_BY` (06:00) of D, which may be an early part of D's postings
  or a late refresh of D - 1. 06:00 is 3 h before every observed refresh and past the 4–5 h by
  which a UTC date runs ahead of the registry's Eastern day, so it holds whichever clock the
  timestamp is read in.

A refresh landing while a check runs needs no margin: the check keeps the timestamp its gate read,
so the next cursor lists what that refresh posted. Changes the registry makes without a new posted
date (three of the 26: a trial lapsed to Unknown status, a results paper linked by the registry, a
results submission returned in quality review) no listing by date can see: the sweep catches them.
Measured on a simulated registry with a fifth of its days unusual (tests/registry/test_ctgov_cursor.py):
with the margin no refresh is missed and a regular registry is never listed twice; without either of
its rules, refreshes are missed. In words, with the figures: docs/operations.md#the-cursor-and-its-margin;
end to end under churn: tests/scenarios/test_cursor.py.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, time, timedelta

from monitor.registry.base import Moved, Stamp
from monitor.registry.ctgov import api
from monitor.registry.ctgov.record import read_page

DAY_POSTED_BY = time(6, 0)  # data stamped at or after this holds its whole day's postings (see above)


def _when(timestamp: str | None) -> datetime | None:
    if not timestamp:
        return None
    try:  # "2026-11-20T09:00:05"; a bare date reads as its midnight
        return datetime.fromisoformat(timestamp[:19])
    except ValueError:
        return None


def cursor_date(last_good_data_timestamp: str | None, seen: Sequence[str] = (), *,
                posted_by: time = DAY_POSTED_BY) -> str | None:
    """The registry date to list updates from, after a good check that saw data of ``last_good``.

    ``seen``: the data timestamps read since (the new one, and those of checks that failed after
    the good one). None without a good check (everything is fetched whole).
    """
    last = _when(last_good_data_timestamp)
    if last is None:
        return None
    day = last.date() + timedelta(days=1 if last.time() >= posted_by else 0)
    others = [when.date() for when in map(_when, seen) if when is not None and when != last]
    return min([day, *others]).isoformat()


def pages_left(announced_total: int, first_page: int) -> int:
    """Pages still to ask for after a first page of ``first_page`` records of ``announced_total``."""
    return math.ceil(max(0, announced_total - first_page) / api.PAGE_SIZE)


def registry_wide_is_cheaper(announced_total: int, watched_batches: int, *, first_page: int | None = None,
                             watched_on_first_page: int = 0) -> bool:
    """After the registry-wide listing's first page: is finishing it (its pages left, then the whole
    fetches of the watched records it lists, estimated from the first page's share) no dearer than one
    whole-record listing per batch of watched ids? The churn is in the total: other trials' updates."""
    first = api.PAGE_SIZE if first_page is None else first_page
    left = pages_left(announced_total, min(first, announced_total))
    expected = watched_on_first_page * announced_total / first if first else 0
    fetches = math.ceil(expected / api.MAX_IDS_PER_REQUEST)
    return left + fetches <= watched_batches


def _watched(stamps: Sequence[Stamp], served: set[str]) -> int:
    return sum(1 for stamp in stamps if any(i in served for i in stamp.ids))


async def changed_since(studies: api.StudiesApi, since: str, served: Sequence[str]) -> AsyncIterator[Moved]:
    """What moved among ``served`` since ``since``: whole records (per batch), or registry-wide stamps."""
    batches = len(list(api.id_batches(served)))
    if batches > 1:
        listing = studies.stamps(since)
        first, total = await anext(listing)
        if total is None or registry_wide_is_cheaper(total, batches, first_page=len(first),
                                                     watched_on_first_page=_watched(first, set(served))):
            yield Moved(stamps=tuple(first))
            async for stamps, _ in listing:
                yield Moved(stamps=tuple(stamps))
            return
        await listing.aclose()
    async for page in studies.by_id(served, since):  # per batch: only updated records come back, whole
        yield Moved(records=tuple(read_page(page)))
