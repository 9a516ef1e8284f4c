"""The check of a watched list: fetch what moved, the sweep's share, and the new trials whole."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.check.pipe import Pipe, Progress, fetch_whole, prune
from monitor.check.plan import dedupe, known_ids, moved, plan_watched, sweep_share
from monitor.core.identity import match
from monitor.registry.base import Registry
from monitor.store import trials


@dataclass(frozen=True)
class Gate:
    """The registry's answer to "has anything moved?", and where to list updates from."""

    data_timestamp: str
    refreshed: bool  # the data timestamp moved since the last good check
    since: str | None  # the registry date to list updates from (None: no good check yet)


@dataclass(frozen=True)
class Checked:
    """What a step did: its outcome (quiet | checked) and how many trials it covers (what it decided
    is in the pipe's tally)."""

    outcome: str
    watched: int


async def check_watched(
    registry: Registry, engine: Engine, pipe: Pipe, gate: Gate, ids: Sequence[str], *, sweep_seconds: int,
    keep_snapshots: int, keep_days: int, progress: Progress | None = None,
) -> Checked:
    """The watched trials (``ids``): fetch what moved, the sweep's share, and the new ones whole."""
    key, now = pipe.context.registry, pipe.context.now
    with Session(engine) as session:
        states = trials.watched(session, key, ids, now)
    plan = plan_watched(states, refreshed=gate.refreshed, since=gate.since)
    served = {i: t.served_as for i, t in states.items()}
    known = known_ids(states)
    whole = list(plan.whole)
    if plan.listed and gate.since is not None:
        dates = {i: states[i].last_update_posted for i in plan.listed}
        async for found in registry.changed_since(gate.since, [served[i] for i in plan.listed]):
            pipe(match(found.records, known))  # only updated records come back: absence means nothing
            whole += moved(found.stamps, known, dates)
    if gate.refreshed:
        fetched = set(whole) | {d.trial_id for d in pipe.tally.decisions}
        candidates = [(i, states[i].swept_at) for i in plan.settled if i not in fetched]
        whole += sweep_share(candidates, now=now, period_seconds=sweep_seconds, watched=len(ids),
                             refreshes_per_week=registry.about.refreshes_per_week)
    if whole:
        await fetch_whole(registry, pipe, dedupe(whole), served=served, known=known, progress=progress)
    with Session(engine) as session:
        trials.mark_checked(session, key, plan.settled, now)
    prune(pipe, keep_snapshots=keep_snapshots, keep_days=keep_days)
    return Checked("checked" if gate.refreshed or whole else "quiet", len(ids))
