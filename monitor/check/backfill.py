"""History backfill (opt-in, ``backfill: true``): the registry's past versions of newly watched trials.

A few trials per check (``PER_CHECK``), one request each, one at a time, after the check's own
requests, so the request figures of a large watchlist hold. A failure is said once in the log and
never fails the check: one the registry says is final (a 404: it has no history for that id) is
not asked again; any other is retried after a day, then two, and given up after the third
(``ATTEMPTS``). A check that cannot reach the history at all stops backfilling until the next check.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.core.words import count_words
from monitor.registry.base import HistoryUnavailable, Registry
from monitor.store import history
from monitor.store.tables import Backfill

log = logging.getLogger("monitor.check")

PER_CHECK = 3
ATTEMPTS = 3  # a failed backfill is tried again after a day, then two days; after the third it is given up
RETRY = timedelta(days=1)


def due_backfills(baselined: Sequence[str], states: Mapping[str, Backfill], wanted: Sequence[str], now: datetime,
                  most: int) -> list[str]:
    """Up to ``most`` watched trials with a baseline whose history is not backfilled yet (or is due a retry)."""
    if most <= 0:
        return []
    chosen = set(wanted)
    due = []
    for trial_id in sorted(baselined):
        state = states.get(trial_id)
        if trial_id in chosen and (state is None or (state.state == "failed" and state.next_attempt_at is not None
                                                     and _aware(state.next_attempt_at) <= now)):
            due.append(trial_id)
            if len(due) >= most:
                break
    return due


def after_failure(attempts_before: int, now: datetime, *, for_good: bool) -> tuple[str, int, datetime | None]:
    """A failed backfill's next state: (state, attempts, retry at): failed and retried later, or given up."""
    attempts = attempts_before + 1
    if for_good or attempts >= ATTEMPTS:
        return "unavailable", attempts, None
    return "failed", attempts, now + RETRY * 2 ** (attempts - 1)


async def backfill_some(registry: Registry, engine: Engine, trial_ids: Sequence[str], now: datetime,
                        most: int = PER_CHECK) -> None:
    """Backfill up to ``most`` due trials of ``trial_ids``."""
    key = registry.about.key
    if not trial_ids:
        return
    with Session(engine) as session:
        states = history.backfills(session, key)
        due = due_backfills(history.baselined(session, key), states, trial_ids, now, most)
    for trial_id in due:
        try:
            found = await registry.history(trial_id)
        except HistoryUnavailable as exc:
            state, attempts, retry = after_failure(states[trial_id].attempts if trial_id in states else 0, now,
                                                   for_good=exc.for_good)
            with Session(engine) as session:
                history.mark_backfill(session, key, trial_id, state, now, retry, str(exc)[:500], attempts=attempts)
                session.commit()
            then = "it is not asked again" if retry is None else f"it is asked again in {count_words(2 ** (attempts - 1), 'day')}"
            log.warning("%s: no version history from the registry (%s); the check goes on, %s", trial_id, exc, then)
            if not exc.for_good:
                break  # the history is down or throttling: leave the others for the next check
            continue
        with Session(engine) as session:
            history.save_versions(session, key, trial_id, found.versions, found.modules, now)
        log.info("%s: backfilled %d versions of its record from the registry's history", trial_id, len(found.versions))


def _aware(moment: datetime) -> datetime:
    """Stored times are UTC (SQLModel hands them back aware; be safe with naive ones too)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
