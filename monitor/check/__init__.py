"""One check: gate → plan → fetch → decide → store → deliver. The CLI and the daemon both call it.

    registry unreachable / garbage   -> failed   (nothing stored, exit 1; pending alerts still go out)
    data unchanged, no new trials    -> quiet    (one request)
    otherwise                        -> checked  (each trial decided by core.decide)

The steps (``watched``, ``everything``, ``searches``, ``expectations``, ``backfill``) return values;
the pipe (``pipe``) decides and stores each page of records; ``plan`` says what to fetch.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import AsyncIterator, Sequence
from typing import TextIO

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from monitor.check.backfill import backfill_some
from monitor.check.everything import check_everything
from monitor.check.expectations import evaluate_watched
from monitor.check.pipe import Context, Pipe, Progress, Tally, prune
from monitor.check.plan import dedupe
from monitor.check.report import CheckReport
from monitor.check.searches import Searched, record_news, run_searches
from monitor.check.watched import Checked, Gate, check_watched
from monitor.core.choices import NOTICE_LEVEL, recipients
from monitor.core.outage import OUTAGE, outage_notice
from monitor.delivery.notify import ConsoleTarget, TargetLike
from monitor.delivery.worker import deliver_due, ref_of
from monitor.registry.base import Registry, RegistryUnavailable
from monitor.registry.catalogue import DEFAULT, open_registry
from monitor.settings import Settings
from monitor.store import cycles, searches, trials
from monitor.store.db import cycle_lock
from monitor.store.errors import first_line
from monitor.watchlist import Watchlist


async def run_check(
    settings: Settings, watchlist: Watchlist, engine: Engine, *, ignore_backoff: bool, out: TextIO | None = None,
    progress: Progress | None = None,
) -> CheckReport:
    """Run one whole check while holding the cycle lock (a running check makes this one wait)."""
    targets = targets_of(watchlist)
    async with cycle_lock(engine), fewer_collections():
        now = settings.now()
        with Session(engine) as session:
            cycle_id = cycles.start(session, now)
        context = Context(DEFAULT, watchlist.compare, watchlist.expectations, tuple(map(ref_of, targets)), now, cycle_id,
                          near=watchlist.near, near_trial={t.trial_id: t.near for t in watchlist.trials if t.near})
        registry = open_registry(DEFAULT, api_url=settings.ctgov_url, pause=watchlist.request_pause,
                                 timeout=settings.http_timeout, attempts=settings.retry_attempts,
                                 budget=settings.retry_budget)
        gate, searched, pipe, watched = None, Searched(), None, None
        step, notes, outcome, error = Checked("crashed", 0), [], "crashed", ""
        try:
            async with registry:
                gate = await open_gate(registry, engine)                                  # gate
                if watchlist.searches:
                    searched = await run_searches(registry, engine, context, watchlist.searches,
                                                  refreshed=gate.refreshed)
                pipe = Pipe(engine, context, searched.held, compact=watchlist.everything)
                try:                                                   # plan → fetch → decide → store
                    step, watched = await check_step(registry, engine, pipe, gate, watchlist, progress)
                    notes = evaluate_watched(engine, context, watched)
                finally:  # search news of followed trials not decided in this check: a message of its own
                    record_news(engine, context, {i: e for i, e in searched.held.items() if i not in pipe.joined})
                if watchlist.backfill and watched is not None and step.outcome == "checked":
                    await backfill_some(registry, engine, watched, now)
            outcome = step.outcome
        except RegistryUnavailable as exc:
            outcome, error = "failed", str(exc)
        except BaseException as exc:  # a crash or a cancellation: never counts as a good check
            # the database's own words in one line (never its SQL and parameters) for the check's row
            error = f"database error: {first_line(exc)}" if isinstance(exc, SQLAlchemyError) else f"{type(exc).__name__}: {exc}"
            raise
        finally:
            close_check(engine, settings, watchlist, context, outcome=outcome, error=error, gate=gate,
                        requests=registry.requests)
        delivery = await deliver_due(engine, targets, settings.now(), ignore_backoff=ignore_backoff,  # deliver
                                     timeout=settings.delivery_timeout, out=out)
    tally = pipe.tally if pipe else Tally()
    return CheckReport(
        outcome=outcome, cycle_id=cycle_id, data_timestamp=gate.data_timestamp if gate else None,
        requests=registry.requests, counts=tally.counts, decisions=tuple(tally.decisions), error=error,
        watched=step.watched, since=gate.since if gate else None, notes=(*searched.notes, *tally.notes, *notes),
        delivery=delivery,
    )


FULL_PASS_EVERY = 300.0  # seconds between full passes of the collector at the start of a check, at most


class _passes:
    last_full = time.monotonic()  # a one-off `trial-monitor check` makes none


@contextlib.asynccontextmanager
async def fewer_collections() -> AsyncIterator[None]:
    """The cyclic garbage collector made rare while a check runs, and what was there before it (the
    imports, a 100,000-trial watchlist) left out of its passes. A page of 500 whole records parses into
    about 250,000 containers: at the default thresholds the collector walked the whole heap several
    times a page, a third of a baseline's CPU. Reference counting still frees each page as it goes.

    What was there is collected first: ``gc.freeze`` resets the collector's counts and ``gc.unfreeze``
    hands everything to the oldest generation, so in a daemon checking every few seconds the collector
    never ran past its youngest generation and every check's leftover cycles (deepdiff's trees and the
    views they hold, tracebacks and their frames) were kept for good: +127 % resident memory in nine
    minutes (issue 15 §1, docs/reliability.md). The young generations before every check (a
    millisecond), the whole heap at most every ``FULL_PASS_EVERY`` (69 ms measured at 105,000
    objects, on a busy machine)."""
    thresholds = gc.get_threshold()
    if time.monotonic() - _passes.last_full >= FULL_PASS_EVERY:
        gc.collect()
        _passes.last_full = time.monotonic()
    else:
        gc.collect(1)
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def targets_of(watchlist: Watchlist) -> Sequence[TargetLike]:
    """The watchlist's targets, or the daemon's output when it names none."""
    return watchlist.targets or (ConsoleTarget(),)


async def open_gate(registry: Registry, engine: Engine) -> Gate:
    """Has the registry refreshed since the last good check, and from when to list its updates."""
    with Session(engine) as session:
        last, seen = cycles.last_good_data_timestamp(session), cycles.seen_since_good(session)
    data = await registry.version()
    return Gate(data, refreshed=data != last, since=registry.since(last, [*seen, data]))


async def check_step(
    registry: Registry, engine: Engine, pipe: Pipe, gate: Gate, watchlist: Watchlist, progress: Progress | None
) -> tuple[Checked, list[str] | None]:
    """The watchlist's step, and the trials it watched (None: every trial of the registry)."""
    keep = {"sweep_seconds": watchlist.sweep_seconds, "keep_snapshots": watchlist.keep_snapshots,
            "keep_days": watchlist.keep_days, "progress": progress}
    if watchlist.everything:
        return await check_everything(registry, engine, pipe, gate, **keep), None  # type: ignore[arg-type]
    with Session(engine) as session:  # the watchlist's trials, and those searches added
        added = searches.added_trials(session, pipe.context.registry, [s.key for s in watchlist.searches if s.add])
    watched = dedupe([*watchlist.trial_ids, *added])
    if not gate.refreshed:  # quiet, unless a trial awaits its baseline: no trial's state read, none written
        with Session(engine) as session:
            if not trials.awaiting(session, pipe.context.registry, watched):
                prune(pipe, keep_snapshots=watchlist.keep_snapshots, keep_days=watchlist.keep_days)
                return Checked("quiet", len(watched)), watched
    return await check_watched(registry, engine, pipe, gate, watched, **keep), watched  # type: ignore[arg-type]


def close_check(
    engine: Engine, settings: Settings, watchlist: Watchlist, context: Context, *, outcome: str, error: str,
    gate: Gate | None, requests: int,
) -> None:
    """The check's row closed, with the outage notice (or the end of one) it owes the targets."""
    with Session(engine) as session:
        failed_before, since = cycles.failed_streak(session, context.cycle_id)
        notice = outage_notice(failed_before, outcome == "failed", outage_after=watchlist.outage_after, error=error,
                               since=f"{since:%Y-%m-%d %H:%M} UTC" if since else "")
        cycles.finish(
            session, context.cycle_id, outcome=outcome, now=settings.now(), requests=requests, note=error,
            data_timestamp=gate.data_timestamp if gate else None,
            notice={**notice.details(), "registry": context.registry} if notice else None,
            recipients=recipients(context.targets, [(OUTAGE, NOTICE_LEVEL)]),
        )
