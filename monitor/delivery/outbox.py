"""The outbox worker: deliver every due (alert, target) once, retrying failures with backoff.

A delivery is marked sent only after the target accepted it; a process killed in between
leaves it pending, so it is sent on the next run (at-least-once in that one narrow window,
exactly-once otherwise). Targets are tried in parallel, each with its own time limit.
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

from monitor.core.model import Message
from monitor.delivery.notify import TargetLike, send
from monitor.store import repo

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)


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
    with Session(engine) as session:
        due = [(d.id, d.target_key, Message(a.title, a.body)) for d, a in
               repo.due_deliveries(session, now, ignore_backoff=ignore_backoff)]
    for delivery_id, key, message in due:
        if key not in by_key:
            with Session(engine) as session:
                repo.mark_failed(session, delivery_id, now, "target no longer in the watchlist", drop=True)
            report.dropped += 1
    queues: dict[str, list[tuple[int, Message]]] = {}
    for delivery_id, key, message in due:
        if key in by_key:
            queues.setdefault(key, []).append((delivery_id, message))
    await asyncio.gather(
        *(_drain(engine, by_key[key], queue, now, timeout, out, report) for key, queue in queues.items())
    )
    return report


async def _drain(
    engine: Engine,
    target: TargetLike,
    queue: list[tuple[int, Message]],
    now: datetime,
    timeout: float,
    out: TextIO | None,
    report: DeliveryReport,
) -> None:
    """One target's messages in order; a failure leaves the rest for the next attempt."""
    for delivery_id, message in queue:
        result = await send(target, message, timeout=timeout, out=out)
        with Session(engine) as session:  # marked at once: a kill now repeats at most this one
            if result.ok:
                if repo.mark_delivered(session, delivery_id, now) > 1:
                    log.info("delivered to %s after earlier failures", target.masked)
                report.sent += 1
                continue
            attempts = repo.mark_failed(session, delivery_id, now, result.error)
        report.failed += 1
        report.errors.append(result.error)
        # said once per alert and target, not at every retry (`trial-monitor status` shows the rest)
        log.log(logging.WARNING if attempts == 1 else logging.DEBUG,
                "delivery failed, kept for retry: %s", result.error)
        return
