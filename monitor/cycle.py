"""One check: version gate → fetch → decide → store → deliver. The CLI and the daemon both call it.

    registry unreachable / garbage   -> failed   (nothing stored, exit 1; pending alerts still go out)
    data unchanged, no new trials    -> quiet    (one request)
    otherwise                        -> checked  (each trial decided by core.decide)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.core.decide import Reading, decide, read_record
from monitor.core.model import Decision, Outcome
from monitor.core.outage import outage_notice
from monitor.delivery.notify import ConsoleTarget, TargetLike
from monitor.delivery.outbox import DeliveryReport, deliver_due
from monitor.registry import RegistryClient, RegistryUnavailable
from monitor.settings import Settings
from monitor.store import repo
from monitor.store.db import cycle_lock
from monitor.watchlist import Watchlist

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    outcome: str = "running"  # then quiet | checked | failed | crashed (only the first two count as good)
    cycle_id: int = 0
    data_timestamp: str | None = None
    requests: int = 0
    decisions: list[Decision] = field(default_factory=list)
    error: str = ""
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    @property
    def exit_code(self) -> int:
        return 1 if self.outcome == "failed" else 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for d in self.decisions if d.outcome is outcome)


def targets_of(watchlist: Watchlist) -> Sequence[TargetLike]:
    """The watchlist's targets, or the daemon's output when it names none."""
    return watchlist.targets or (ConsoleTarget(),)


async def run_cycle(
    settings: Settings, watchlist: Watchlist, engine: Engine, *, ignore_backoff: bool, out: TextIO | None = None
) -> CycleReport:
    """Run one whole check while holding the cycle lock (a running check makes this one wait)."""
    async with cycle_lock(engine):
        report = CycleReport()
        targets = targets_of(watchlist)
        with Session(engine) as session:
            report.cycle_id = repo.start_cycle(session, settings.now())
        try:
            await _check(settings, watchlist, engine, report, targets)
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
                    notice=notice, targets=[repo.TargetRef(t.key, t.masked) for t in targets],
                )
        report.delivery = await deliver_due(
            engine, targets, settings.now(), ignore_backoff=ignore_backoff, timeout=settings.delivery_timeout, out=out
        )
        return report


async def _check(
    settings: Settings, watchlist: Watchlist, engine: Engine, report: CycleReport, targets: Sequence[TargetLike]
) -> None:
    now = settings.now()
    refs = [repo.TargetRef(t.key, t.masked) for t in targets]
    with Session(engine) as session:
        trials = repo.ensure_trials(session, watchlist.nct_ids, now)
        last_timestamp = repo.last_good_data_timestamp(session)
        awaiting = [i for i in watchlist.nct_ids if trials[i].snapshot_hash is None and trials[i].missing_since is None]
        served_as = {i: trials[i].registry_id or i for i in watchlist.nct_ids}  # followed under its new id
    client = RegistryClient(
        settings.ctgov_url, pause=watchlist.request_pause, timeout=settings.http_timeout,
        attempts=settings.retry_attempts, budget=settings.retry_budget,
    )
    async with client:
        try:
            version = await client.version()
            report.data_timestamp = version.data_timestamp
            refreshed = version.data_timestamp != last_timestamp
            wanted = list(watchlist.nct_ids) if refreshed else awaiting
            if not wanted:
                report.outcome = "quiet"
                return
            found: set[str] = set()
            known = {served_as[i]: i for i in wanted} | {i: i for i in wanted}
            async for page in client.studies_by_id(list(dict.fromkeys(served_as[i] for i in wanted))):
                readings = _match(page, known)
                found.update(readings)
                _decide_and_store(engine, watchlist, readings, report, refs, now)
            missing = {i: None for i in wanted if i not in found}
            _decide_and_store(engine, watchlist, missing, report, refs, now)
            report.outcome = "checked"
        finally:
            report.requests = client.requests


def _match(page: list[dict[str, Any]], known: dict[str, str]) -> dict[str, Reading]:
    """Map each returned study to the watched id it answers: by its id or one of its aliases.

    ``known`` maps every id we asked for (the watched id, or the id the registry served it under
    last time) to the watched id.
    """
    readings: dict[str, Reading] = {}
    for study in page:
        ident = (study.get("protocolSection") or {}).get("identificationModule") or {}
        candidates = [ident.get("nctId"), *(ident.get("nctIdAliases") or [])] if isinstance(ident, dict) else []
        for candidate in candidates:
            if isinstance(candidate, str) and candidate.upper() in known:
                readings[known[candidate.upper()]] = read_record(study)
                break
    return readings


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
    with Session(engine) as session:
        trials = repo.trials_by_id(session, list(readings))
        changed = [trials[i].snapshot_hash for i, r in readings.items()
                   if r is not None and r.fingerprint != trials[i].snapshot_hash]
        views = repo.snapshot_views(session, [h for h in changed if h])
        for nct_id, reading in readings.items():
            trial = trials[nct_id]
            decision = decide(
                nct_id, reading,
                previous_fingerprint=trial.snapshot_hash,
                previous_view=views.get(trial.snapshot_hash or ""),
                compare_groups=watchlist.compare,
                missing_reported=trial.missing_since is not None,
            )
            repo.record_decision(session, trial, decision, targets=refs, now=now, cycle_id=report.cycle_id)
            report.decisions.append(decision)
            if decision.outcome is Outcome.ERROR:
                log.warning("%s skipped: %s", nct_id, decision.note)
