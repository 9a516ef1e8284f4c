"""History backfill (opt-in, ``backfill: true``): the registry's past versions of newly watched trials.

A few trials per check (``PER_CHECK``), one request each, one at a time, after the check's own
requests, so the request figures of a large watchlist hold. A failure is said once in the log and
never fails the check: a 404 (the registry has no history for that id) is final; any other
failure is retried after a day, then two, and given up after the third
(:data:`monitor.store.history.BACKFILL_ATTEMPTS`). A check that cannot reach the history endpoint
at all stops backfilling until the next check.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.registry.history import HistoryClient, HistoryUnavailable
from monitor.store import history as store

log = logging.getLogger(__name__)

PER_CHECK = 3


async def backfill_some(
    api_url: str, engine: Engine, nct_ids: Sequence[str], now: datetime, *, pause: float, timeout: float,
    most: int = PER_CHECK,
) -> int:
    """Backfill up to ``most`` due trials; returns the requests sent."""
    with Session(engine) as session:
        due = store.due_backfills(session, nct_ids, now, most)
    if not due:
        return 0
    async with HistoryClient(api_url, pause=pause, timeout=timeout) as client:
        if pause > 0:
            await asyncio.sleep(pause)  # the check's last request was just now: keep the pace
        for nct_id in due:
            try:
                found = await client.versions(nct_id)
            except HistoryUnavailable as exc:
                with Session(engine) as session:
                    attempts, given_up = store.backfill_failed(session, nct_id, now, str(exc), for_good=exc.for_good)
                then = ("it is not asked again" if given_up
                        else f"it is asked again in {2 ** (attempts - 1)} day(s)")
                log.warning("%s: no version history from the registry (%s); the check goes on, %s",
                            nct_id, exc, then)
                if not exc.for_good:
                    break  # the endpoint is down or throttling: leave the others for the next check
                continue
            with Session(engine) as session:
                store.save_versions(session, nct_id, found.versions, found.modules, now)
            log.info("%s: backfilled %d versions of its record from the registry's history", nct_id, len(found.versions))
        return client.requests
