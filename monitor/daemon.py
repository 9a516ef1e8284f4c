"""The daemon: APScheduler around the check, the web face in the same loop, live watchlist reloads,
a heartbeat, clean stops.

Jobs: ``check`` (at start, then every ``interval``), ``watchlist`` (every 2 s: picks up edits;
a bad edit is reported once and the last good watchlist stays in force), ``deliveries``
(every 30 s: retries failed deliveries on their backoff) and ``heartbeat`` (every 10 s: what
``trial-monitor health`` reads). ``check`` and ``deliveries`` run only while this instance holds
the schedule lock, which it makes sure of before each check and every 10 s. SIGTERM/SIGINT
abandon an in-flight check safely (every write is one transaction) and exit 0 within a few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import datetime, timedelta, timezone

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from monitor.check import run_check, targets_of
from monitor.core.words import count_words
from monitor.delivery.worker import deliver_due
from monitor.heartbeat import Heartbeat, iso, remove
from monitor.settings import Settings
from monitor.store.db import cycle_lock
from monitor.store.errors import first_line
from monitor.store.locks import Hold, LockUnavailable, holding
from monitor.watchlist import LiveWatchlist, Watchlist
from monitor.web.launch import Prepared

log = logging.getLogger("monitor.daemon")

HEARTBEAT_EVERY = 10  # seconds
STOP_GRACE = 5.0  # seconds an in-flight check gets to finish on SIGTERM
VERIFY_EVERY = 10  # seconds between the leader's looks at its schedule lock (a stand-by's period too)
STANDBY_POLL = 2.0  # seconds between a stand-by's asks for the schedule lock


class Daemon:
    def __init__(self, settings: Settings, watchlist: Watchlist, engine: Engine, web: Prepared | None = None) -> None:
        self.settings, self.watchlist, self.engine = settings, watchlist, engine
        self.web = web.server(settings, engine, lambda: self.watchlist, self.next_check) if web else None
        self.scheduler = AsyncIOScheduler(
            timezone=timezone.utc, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}
        )
        self.stopping = asyncio.Event()
        self.beat = Heartbeat(interval=watchlist.interval_seconds)
        self._check_task: asyncio.Task[None] | None = None
        self._failures = 0  # consecutive failed checks: the next one comes sooner than `interval`
        self._said_missing: set[str] = set()  # trials said to be unknown to the registry: once per process
        self.live = LiveWatchlist(watchlist)
        self._hold: Hold | None = None  # the schedule lock, while this instance leads
        self._lost: str | None = None  # why the schedule lock was found lost by a check
        self._wake = asyncio.Event()  # wakes the leader's watch on its lock: stopping, or the lock lost

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        self.scheduler.add_job(self.reload_watchlist, IntervalTrigger(seconds=2), id="watchlist")
        self.scheduler.add_job(self.beat_job, IntervalTrigger(seconds=HEARTBEAT_EVERY), id="heartbeat",
                               next_run_time=datetime.now(timezone.utc))
        self.scheduler.start()
        if self.web is not None:  # in this loop: serving pages never holds a check up, nor the reverse
            self.web.start()
        leading = asyncio.create_task(self.lead())
        await self.stopping.wait()
        self._wake.set()
        log.info("stopping")
        if self.web is not None:
            await self.web.stop()
        self.scheduler.pause()
        task = self._check_task
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), STOP_GRACE)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                log.info("in-flight check abandoned; nothing half-written (each write is one transaction)")
        leading.cancel()
        await asyncio.gather(leading, return_exceptions=True)
        self.scheduler.shutdown(wait=False)
        remove(self.settings.heartbeat_path)
        log.info("stopped")
        return 0

    def next_check(self) -> datetime | None:
        """When the next check is due (None while standing by)."""
        job = self.scheduler.get_job("check")
        return job.next_run_time if job is not None else None

    async def lead(self) -> None:
        """Run the schedule while holding the schedule lock: one instance per database at a time.

        Another instance on the same database stands by (healthy, reloading its watchlist) and
        takes over within seconds when the leader stops or dies, since the lock dies with it. A
        leader whose lock went without it (the database dropped its connection) stands by too.
        """
        standing = False  # True once another instance was found leading, or the lock was lost
        while not self.stopping.is_set():
            try:
                async with holding(self.engine, "schedule", wait=standing, poll=STANDBY_POLL) as hold:
                    if hold is not None:
                        if standing:
                            log.info("taking over the schedule")
                        lost = await self._schedule(hold)
                        if lost is None:  # stopping
                            return
                        log.warning("lost the schedule lock (%s); standing by", lost)
                        standing = True
                        continue
                log.info("another instance runs the schedule on this database; standing by to take over")
                standing = True
            except (LockUnavailable, SQLAlchemyError) as exc:  # the server went away while standing by
                log.error("cannot reach the database for the schedule lock (%s); trying again in 10 s", first_line(exc))
                await asyncio.sleep(VERIFY_EVERY)

    async def _schedule(self, hold: Hold) -> str | None:
        """Schedule the checks while ``hold`` lasts: None when stopping, else why the lock was lost."""
        now = datetime.now(timezone.utc)
        self._hold, self._lost = hold, None
        self.scheduler.add_job(self.check, IntervalTrigger(seconds=self.watchlist.interval_seconds),
                               id="check", next_run_time=now, replace_existing=True)
        self.scheduler.add_job(self.retry_deliveries, IntervalTrigger(seconds=30), id="deliveries",
                               replace_existing=True)
        trials = len(self.watchlist.trial_ids)
        log.info("trial-monitor running: %d trial%s, every %s, registry %s, alerts to %s", trials,
                 "" if trials == 1 else "s", _words(self.watchlist.interval_seconds), self.settings.ctgov_shown,
                 ", ".join(t.masked for t in targets_of(self.watchlist)))
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), VERIFY_EVERY)
                self._wake.clear()
                if self.stopping.is_set():
                    return None
                lost = self._lost or await hold.lost()
                if lost is not None:
                    return lost
        finally:
            self._unschedule()

    def _unschedule(self) -> None:
        """No more checks nor retried deliveries from this instance (until it leads again)."""
        self._hold = None
        for job in ("check", "deliveries"):
            with contextlib.suppress(JobLookupError):
                self.scheduler.remove_job(job)

    async def check(self) -> None:
        hold = self._hold
        if hold is None:  # due just as the schedule lock went
            return
        lost = await hold.lost()
        if lost is not None:  # never a check without the schedule lock
            if self._hold is hold:
                self._lost = lost
                self._unschedule()
                self._wake.set()
            return
        self._check_task = asyncio.current_task()
        self.beat.check_started_at = iso(datetime.now(timezone.utc))
        self.heartbeat()
        try:
            report = await run_check(self.settings, self.watchlist, self.engine, ignore_backoff=False)
            for line in report.lines(said=self._said_missing):
                log.info(line)
            self.beat.last_outcome = report.outcome
            self._after(report.outcome)
        except asyncio.CancelledError:
            self.beat.last_outcome = "abandoned"
        except (SQLAlchemyError, LockUnavailable) as exc:  # the database went away, stayed locked, or is full
            log.error("check failed: database error: %s; nothing half-written was kept, the next check tries again",
                      first_line(exc))
            self.beat.last_outcome = "failed"
        except Exception as exc:  # the daemon must survive anything one check meets
            log.error("check failed: %s: %s", type(exc).__name__, exc)
            self.beat.last_outcome = "crashed"
        finally:
            self._check_task = None
            self.beat.check_finished_at = iso(datetime.now(timezone.utc))
            self.heartbeat()

    def _after(self, outcome: str) -> None:
        """After a failed check, try again in 1, 2, 4 … minutes (never later than the interval)."""
        if outcome != "failed":
            self._failures = 0
            return
        self._failures += 1
        delay = min(60 * 2 ** (self._failures - 1), self.watchlist.interval_seconds)
        if delay < self.watchlist.interval_seconds:
            log.info("next check in %s (registry unavailable)", _words(delay))
            self.scheduler.modify_job("check", next_run_time=datetime.now(timezone.utc) + timedelta(seconds=delay))

    async def reload_watchlist(self) -> None:
        new, problem = self.live.poll()
        if problem is not None:
            log.error("%s — keeping the last good watchlist", problem)
        if new is None:
            return
        old, self.watchlist = self.watchlist, new
        added = [i for i in new.trial_ids if i not in old.trial_ids]
        removed = [i for i in old.trial_ids if i not in new.trial_ids]
        log.info("watchlist reloaded: %s (%d added, %d removed)", count_words(len(new.trial_ids), "trial"),
                 len(added), len(removed))
        for warning in new.warnings:
            log.warning("%s", warning)
        if self.scheduler.get_job("check") is None:  # standing by: nothing scheduled to adjust
            return
        if new.interval_seconds != old.interval_seconds:
            self.beat.interval = new.interval_seconds
            self.scheduler.reschedule_job("check", trigger=IntervalTrigger(seconds=new.interval_seconds))
            log.info("checking every %s from now on", _words(new.interval_seconds))
        if added:  # new trials get their baseline now rather than at the next interval
            self.scheduler.modify_job("check", next_run_time=datetime.now(timezone.utc))

    async def retry_deliveries(self) -> None:
        try:
            async with cycle_lock(self.engine, wait=False) as held:
                if not held:
                    return
                report = await deliver_due(self.engine, targets_of(self.watchlist), self.settings.now(),
                                           ignore_backoff=False, timeout=self.settings.delivery_timeout)
        except (SQLAlchemyError, LockUnavailable) as exc:  # kept in the outbox: the next run sends it
            log.error("deliveries not retried: database error: %s", first_line(exc))
            return
        if report.digests:  # digests are made here too: at their time, or as soon as the daemon is back
            log.info("%s due", count_words(report.digests, "digest"))
        if report.sent:
            log.info("delivered %s", count_words(report.sent, "pending alert"))

    async def beat_job(self) -> None:
        self.heartbeat()  # a coroutine job runs on the loop, never beside a check's own beat

    def heartbeat(self) -> None:
        self.beat.write(self.settings.heartbeat_path, datetime.now(timezone.utc))


async def run_daemon(settings: Settings, watchlist: Watchlist, engine: Engine, web: Prepared | None = None) -> int:
    return await Daemon(settings, watchlist, engine, web).run()


def _words(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
