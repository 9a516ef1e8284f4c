"""The outbox worker: make the digests that are due, then deliver every due (alert, target) once.

A delivery is marked sent only after the target accepted it; a process killed in between
leaves it pending, so it is sent on the next run (at-least-once in that one narrow window,
exactly-once otherwise). Targets are tried in parallel, each with its own time limit.

A target's alerts go in order, and the waiting is the target's: a refusal stops its queue and pushes
all of it back by the target's short backoff (``outbox.target_backoff``: 5 s, 10 s, 20 s, then 25 s,
under the daemon's 30 s pass); the first message it accepts makes all that waited due, and the rest of
its queue follows in the same pass.

Each message is rendered here, per target (``messages.message_for``), from the events the alert
(or digest) carries: the target's ``min_level``/``kinds`` keep their share, and its template (or
the default: HTML for email, short Markdown for the rest) lays it out. A template that fails at
run time fails that one delivery (kept for retry, the reason logged once); the others go out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from sqlalchemy import Engine
from sqlmodel import Session

from monitor.core.choices import TargetRef
from monitor.core.schedule import due_slot
from monitor.delivery.messages import message_for
from monitor.delivery.notify import TargetLike, send
from monitor.delivery.render import Rendered, TemplateProblem
from monitor.store import outbox

log = logging.getLogger("monitor.delivery")


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dropped: int = 0
    digests: int = 0  # digests made (each then sent like any alert)
    errors: list[str] = field(default_factory=list)


def ref_of(target: TargetLike) -> TargetRef:
    """How the outbox names ``target`` and what it wants."""
    return TargetRef(target.key, target.masked, target.choices, target.digest is not None)


def make_due_digests(session: Session, targets: Sequence[TargetLike], now: datetime) -> int:
    """Gather each digest target's waiting deliveries into one digest when its time has come.

    A target that is no longer a digest target gets what was waiting for it at once, as one digest.
    """
    made = 0
    waiting = outbox.oldest_held(session)
    for target in targets:
        if target.key not in waiting:
            continue
        slot = due_slot(target.digest, now, waiting[target.key]) if target.digest is not None else now
        if slot is not None and outbox.make_digest(session, ref_of(target), slot, now) is not None:
            made += 1
    outbox.drop_held(session, [t.key for t in targets], now)
    return made


async def deliver_due(
    engine: Engine,
    targets: Sequence[TargetLike],
    now: datetime,
    *,
    ignore_backoff: bool,
    timeout: float,
    out: TextIO | None = None,
) -> DeliveryReport:
    """Send what the outbox holds for the current targets; call with the cycle lock held."""
    report = DeliveryReport()
    by_key = {t.key: t for t in targets}
    queues: dict[str, list[tuple[int, Rendered]]] = {}
    with Session(engine) as session:
        report.digests = make_due_digests(session, targets, now)
        due = outbox.due_deliveries(session, now, ignore_backoff=ignore_backoff)
        for delivery, alert in due:
            assert delivery.id is not None
            target = by_key.get(delivery.target_key)
            if target is None:
                outbox.mark_failed(session, delivery.id, now, "target no longer in the watchlist", drop=True)
                report.dropped += 1
                continue
            try:
                message = message_for(session, alert, target)
            except TemplateProblem as exc:
                _failed(session, target, delivery.id, now, f"{target.masked}: {exc}", report)
                continue
            if message is None:
                outbox.mark_failed(session, delivery.id, now, "nothing left for this target after its choices", drop=True)
                report.dropped += 1
                continue
            queues.setdefault(delivery.target_key, []).append((delivery.id, message))
    await asyncio.gather(
        *(_drain(engine, by_key[key], queue, now, timeout, out, report) for key, queue in queues.items())
    )
    return report


def _failed(session: Session, target: TargetLike, delivery_id: int, now: datetime, error: str,
            report: DeliveryReport, waiting: Sequence[int] = ()) -> None:
    attempts = outbox.mark_failed(session, delivery_id, now, error, waiting=waiting)
    report.failed += 1
    report.errors.append(error)
    # said once per alert and target, not at every retry (`trial-monitor status` shows the rest)
    log.log(logging.WARNING if attempts == 1 else logging.DEBUG, "delivery failed, kept for retry: %s", error)


async def _drain(
    engine: Engine,
    target: TargetLike,
    queue: list[tuple[int, Rendered]],
    now: datetime,
    timeout: float,
    out: TextIO | None,
    report: DeliveryReport,
) -> None:
    """One target's messages in order; a failure leaves the rest waiting behind it, for the next attempt.

    A message accepted releases what waits for the target (``outbox.mark_delivered``), so a target back
    after refusals gets its whole queue now, oldest first, not on each row's own clock."""
    for position, (delivery_id, message) in enumerate(queue):
        result = await send(target, message, timeout=timeout, out=out)
        with Session(engine) as session:  # marked at once: a kill now repeats at most this one
            if result.ok:
                if outbox.mark_delivered(session, delivery_id, now) > 1:
                    log.info("delivered to %s after earlier failures", target.masked)
                report.sent += 1
                continue
            _failed(session, target, delivery_id, now, result.error, report,
                    waiting=[later for later, _ in queue[position + 1:]])
        return
