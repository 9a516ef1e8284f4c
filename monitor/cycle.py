"""One check: version gate → fetch → decide → store → deliver. The CLI and the daemon both call it.

    registry unreachable / garbage   -> failed   (nothing stored, exit 1; pending alerts still go out)
    data unchanged, no new trials    -> quiet    (one request)
    otherwise                        -> checked  (each trial decided by core.decide)
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.backfill import backfill_some
from monitor.core.decide import Reading, decide, join_events
from monitor.core.events.context import NO_HISTORY
from monitor.core.identity import match_studies
from monitor.core.model import ChangeEvent, Decision, Outcome
from monitor.core.outage import outage_notice
from monitor.core.sync import cursor_date, registry_wide_is_cheaper, sweep_share
from monitor.delivery.notify import ConsoleTarget, TargetLike
from monitor.delivery.outbox import DeliveryReport, deliver_due, ref_of
from monitor.registry import RegistryClient, RegistryUnavailable, UpdateStamp, id_batches
from monitor.searching import run_searches
from monitor.settings import Settings
from monitor.store import repo
from monitor.store.db import cycle_lock
from monitor.store.expectations import ExpectationJoin, evaluate_watched
from monitor.store.history import history_contexts
from monitor.store.searches import added_trials, record_held
from monitor.watchlist import Watchlist
from monitor.whole_registry import check_everything

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    outcome: str = "running"  # then quiet | checked | failed | crashed (only the first two count as good)
    cycle_id: int = 0
    data_timestamp: str | None = None
    requests: int = 0
    decisions: list[Decision] = field(default_factory=list)  # all of them, or only the notable ones (compact)
    tally: Counter[Outcome] = field(default_factory=Counter)
    compact: bool = False  # whole-registry checks keep only changed / not found / error decisions
    error: str = ""
    refreshed: bool = False
    watched: int = 0
    since: str | None = None  # the registry date updates were listed from
    notes: list[str] = field(default_factory=list)  # what the searches found, one line each
    held: dict[str, list[ChangeEvent]] = field(default_factory=dict)  # search news of followed trials
    progress: Callable[[int, int], None] | None = None  # (fetched, to fetch) while fetching whole records
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    @property
    def exit_code(self) -> int:
        return 1 if self.outcome == "failed" else 0

    def count(self, outcome: Outcome) -> int:
        return self.tally[outcome]

    def add(self, decision: Decision) -> None:
        self.tally[decision.outcome] += 1
        if not self.compact or decision.outcome not in (Outcome.BASELINE, Outcome.UNCHANGED):
            self.decisions.append(decision)

    def lines(self, verbose: bool = False) -> list[str]:
        """What the check did, in words: a summary line, then one line per notable trial and delivery."""
        said: list[str] = []
        say = said.append
        if self.outcome == "failed":
            say(f"Registry unavailable: {self.error}. Nothing was recorded; the next check tries again.")
        elif self.outcome == "quiet":
            say(f"No registry refresh since the last check (data of {self.data_timestamp}); {self.requests} request.")
        elif not self.tally:
            say(f"Registry refreshed (data of {self.data_timestamp}): none of the watched trials was updated "
                 f"since {self.since}; {self.requests} requests.")
        else:
            counts = ", ".join(f"{self.count(o)} {o.value.replace('_', ' ')}" for o in Outcome if self.count(o))
            decided = self.tally.total()
            of = f" of {self.watched}" if self.watched > decided else ""
            say(f"Checked {decided}{of} trials against registry data of {self.data_timestamp}: "
                 f"{counts or 'nothing to do'} ({self.requests} requests).")
        said += [f"  {note}" for note in self.notes]
        for decision in self.decisions:
            if decision.outcome is Outcome.CHANGED:
                first = decision.events[0].text if decision.events else ""
                more = f" (+{len(decision.events) - 1} more)" if len(decision.events) > 1 else ""
                say(f"  {decision.nct_id} changed: {first}{more}")
            elif decision.outcome is Outcome.NOT_FOUND:
                say(f"  {decision.nct_id} is not known to the registry (check the id)")
            elif decision.outcome is Outcome.ERROR:
                say(f"  {decision.nct_id} skipped: {decision.note}")
            elif verbose:
                say(f"  {decision.nct_id} {decision.outcome.value}")
        d = self.delivery
        if d.sent or d.failed or d.dropped:
            say(f"Deliveries: {d.sent} sent, {d.failed} failed (kept for retry), {d.dropped} dropped.")
        for error in d.errors:
            say(f"  delivery failed: {error}")
        return said


def targets_of(watchlist: Watchlist) -> Sequence[TargetLike]:
    """The watchlist's targets, or the daemon's output when it names none."""
    return watchlist.targets or (ConsoleTarget(),)


async def run_cycle(
    settings: Settings,
    watchlist: Watchlist,
    engine: Engine,
    *,
    ignore_backoff: bool,
    out: TextIO | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CycleReport:
    """Run one whole check while holding the cycle lock (a running check makes this one wait)."""
    async with cycle_lock(engine):
        report = CycleReport(progress=progress)
        targets = targets_of(watchlist)
        refs = [ref_of(t) for t in targets]  # how the outbox names them, and what each wants
        with Session(engine) as session:
            report.cycle_id = repo.start_cycle(session, settings.now())
        try:
            await _check(settings, watchlist, engine, report, refs)
        except RegistryUnavailable as exc:
            report.outcome, report.error = "failed", str(exc)
        except BaseException as exc:  # a crash or a cancellation: never counts as a good check
            report.outcome, report.error = "crashed", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            with Session(engine) as session:
                failed_before, since = repo.failed_streak(session, report.cycle_id)
                notice = outage_notice(
                    failed_before, report.outcome == "failed", outage_after=watchlist.outage_after,
                    error=report.error, since=f"{since:%Y-%m-%d %H:%M} UTC" if since else "",
                )
                repo.finish_cycle(
                    session, report.cycle_id, outcome=report.outcome, now=settings.now(),
                    data_timestamp=report.data_timestamp, requests=report.requests, note=report.error,
                    notice=notice, targets=refs,
                )
        report.delivery = await deliver_due(
            engine, targets, settings.now(), ignore_backoff=ignore_backoff, timeout=settings.delivery_timeout, out=out
        )
        return report


async def _check(
    settings: Settings, watchlist: Watchlist, engine: Engine, report: CycleReport, refs: Sequence[repo.TargetRef]
) -> None:
    now = settings.now()
    with Session(engine) as session:
        last_timestamp = repo.last_good_data_timestamp(session)

    def store(readings: dict[str, Reading | None]) -> None:
        _decide_and_store(engine, watchlist, readings, report, refs, now)

    client = RegistryClient(
        settings.ctgov_url, pause=watchlist.request_pause, timeout=settings.http_timeout,
        attempts=settings.retry_attempts, budget=settings.retry_budget,
    )
    watched: list[str] | None = None  # the trials followed; None: every trial stored (`trials: all`)
    async with client:
        try:
            version = await client.version()
            report.data_timestamp = version.data_timestamp
            report.since = cursor_date(last_timestamp)
            report.refreshed = version.data_timestamp != last_timestamp
            if watchlist.searches:
                report.notes += await run_searches(
                    client, engine, watchlist.searches, refreshed=report.refreshed, refs=refs, now=now,
                    cycle_id=report.cycle_id, held=report.held,
                )
            if watchlist.everything:
                await check_everything(client, engine, watchlist, report, store, now)
                _prune(engine, watchlist, report, now)
            else:
                with Session(engine) as session:  # the watchlist's trials, and those searches added
                    watched = list(dict.fromkeys([*watchlist.nct_ids, *added_trials(session, watchlist.searches)]))
                await _check_watched(client, engine, watchlist, watched, report, store, now)
            with Session(engine) as session:  # expectations: every watched trial, on stored facts
                report.notes += evaluate_watched(session, watched, watchlist.expectations, targets=refs, now=now,
                                                 cycle_id=report.cycle_id)
        finally:
            report.requests = client.requests
            with Session(engine) as session:  # search news of trials not decided in this check
                record_held(session, report.held, targets=refs, now=now, cycle_id=report.cycle_id)
            report.held.clear()
    if watchlist.backfill and watched is not None and report.outcome == "checked":
        report.requests += await backfill_some(
            settings.ctgov_url, engine, watched, now, pause=watchlist.request_pause, timeout=settings.http_timeout,
        )


async def _check_watched(
    client: RegistryClient,
    engine: Engine,
    watchlist: Watchlist,
    ids: list[str],
    report: CycleReport,
    store: Callable[[dict[str, Reading | None]], None],
    now: datetime,
) -> None:
    """The watched trials (``ids``): fetch what moved, the sweep's share, and the new ones whole."""
    with Session(engine) as session:
        known_trials = repo.trial_states(session, ids, now)
    report.watched = len(ids)
    awaiting = [i for i in ids if known_trials[i].awaiting]
    missing = [i for i in ids if known_trials[i].missing]
    settled = [i for i in ids if not known_trials[i].awaiting and not known_trials[i].missing]
    served = {i: known_trials[i].served_as for i in ids}  # followed under the registry's current id
    known = {served[i]: i for i in ids} | {i: i for i in ids}
    since = report.since
    whole = awaiting + (missing if report.refreshed else [])
    if report.refreshed and since is None:
        whole += settled
    elif report.refreshed and len(list(id_batches([served[i] for i in settled]))) <= 1:
        async for page in client.studies_by_id_since([served[i] for i in settled], since):
            store(match_studies(page, known))  # only updated records come back: absence means nothing
    elif report.refreshed:
        dates = {i: known_trials[i].last_update_posted for i in settled}
        whole += await _updated_since(client, since, [served[i] for i in settled], known, dates)
    if report.refreshed:
        fetched = set(whole) | {d.nct_id for d in report.decisions}
        candidates = [(i, known_trials[i].swept_at) for i in settled if i not in fetched]
        whole += sweep_share(candidates, now=now, period_seconds=watchlist.sweep_seconds, watched=len(ids))
    if whole:
        await _fetch_whole(client, whole, served, known, store, report)
    report.outcome = "checked" if report.refreshed or whole else "quiet"
    with Session(engine) as session:
        repo.mark_checked(session, settled, now)
    _prune(engine, watchlist, report, now)


def _prune(engine: Engine, watchlist: Watchlist, report: CycleReport, now: datetime) -> None:
    """Retention: old snapshots of the trials that changed in this check."""
    with Session(engine) as session:
        changed = [d.nct_id for d in report.decisions if d.outcome is Outcome.CHANGED]
        repo.prune_snapshots(session, changed, keep=watchlist.keep_snapshots, keep_days=watchlist.keep_days, now=now)


async def _updated_since(
    client: RegistryClient, since: str, served: list[str], known: dict[str, str], dates: dict[str, str | None]
) -> list[str]:
    """The watched trials whose "last update posted" moved, from the cheaper of the two listings."""
    updated: dict[str, None] = {}

    def take(stamps: list[UpdateStamp]) -> None:
        for stamp in stamps:
            watched = next((known[i] for i in (stamp.nct_id, *stamp.aliases) if i in known), None)
            if watched is not None and (stamp.last_update_posted is None or stamp.last_update_posted != dates.get(watched)):
                updated[watched] = None

    listing = client.studies_updated(since)
    first, total = await anext(listing)
    if total is None or registry_wide_is_cheaper(total, len(list(id_batches(served)))):
        take(first)
        async for stamps, _ in listing:
            take(stamps)
    else:
        await listing.aclose()
        async for stamps, _ in client.studies_updated(since, served):
            take(stamps)
    return list(updated)


async def _fetch_whole(
    client: RegistryClient,
    whole: list[str],
    served: dict[str, str],
    known: dict[str, str],
    store: Callable[[dict[str, Reading | None]], None],
    report: CycleReport,
) -> None:
    """Fetch these records whole; a trial absent from the complete answer is not found."""
    wanted = list(dict.fromkeys(whole))
    found: set[str] = set()
    async for page in client.studies_by_id(list(dict.fromkeys(served[i] for i in wanted))):
        readings = match_studies(page, known)
        found.update(readings)
        store(readings)
        if report.progress:
            report.progress(len(found), len(wanted))
    store({i: None for i in wanted if i not in found})


def _decide_and_store(
    engine: Engine,
    watchlist: Watchlist,
    readings: dict[str, Reading | None],
    report: CycleReport,
    refs: Sequence[repo.TargetRef],
    now: Any,
) -> None:
    if not readings:
        return
    # one transaction per trial; expiring the whole page's rows at each commit would cost O(page²)
    with Session(engine, expire_on_commit=False) as session:
        trials = repo.trials_by_id(session, list(readings))
        changed = [trials[i].snapshot_hash for i, r in readings.items()
                   if r is not None and r.fingerprint != trials[i].snapshot_hash]
        views = repo.snapshot_views(session, [h for h in changed if h])
        pasts = history_contexts(session, [i for i, r in readings.items() if r is not None and trials[i].snapshot_hash
                                           and r.fingerprint != trials[i].snapshot_hash])
        expectations = ExpectationJoin(session, list(readings), watchlist.expectations, now, report.notes)
        for nct_id, reading in readings.items():
            trial = trials[nct_id]
            decision = decide(
                nct_id, reading,
                previous_fingerprint=trial.snapshot_hash,
                previous_view=views.get(trial.snapshot_hash or ""),
                compare_groups=watchlist.compare,
                missing_reported=trial.missing_since is not None,
                history=pasts.get(nct_id, NO_HISTORY),
            )
            if decision.view is not None and nct_id in report.held:
                decision = join_events(decision, report.held.pop(nct_id))
            decision = expectations.join(trial, decision)  # one trial, one cycle, one message
            repo.record_decision(session, trial, decision, targets=refs, now=now, cycle_id=report.cycle_id)
            # the report keeps what it says (outcome, events), not the record views: memory stays
            # proportional to what changed, not to the size of the watchlist
            report.add(replace(decision, view=None, message=None))
            if decision.outcome is Outcome.ERROR:
                log.warning("%s skipped: %s", nct_id, decision.note)
