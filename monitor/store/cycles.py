"""Checks as rows: started, finished with their outcome (and the notice they owe), and what came before."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from monitor.core.choices import TargetRef
from monitor.store.tables import Alert, Cycle
from monitor.store.trials import add_alert

GOOD = ("checked", "quiet")  # the outcomes of a check that fetched everything it had to


def start(session: Session, now: datetime) -> int:
    cycle = Cycle(started_at=now)
    session.add(cycle)
    session.commit()
    assert cycle.id is not None
    return cycle.id


def finish(
    session: Session, cycle_id: int, *, outcome: str, now: datetime, data_timestamp: str | None, requests: int,
    note: str = "", notice: dict[str, Any] | None = None, recipients: Sequence[TargetRef] = (),
) -> None:
    """Close the check's row, with the notice it owes (if any) in the same transaction."""
    if notice is not None:  # a notice about the monitor itself (an outage, its end), through the same outbox
        add_alert(session, Alert(kind="notice", details=notice, created_at=now, cycle_id=cycle_id), recipients, now)
    cycle = session.get(Cycle, cycle_id)
    assert cycle is not None
    cycle.outcome, cycle.finished_at, cycle.data_timestamp = outcome, now, data_timestamp
    cycle.requests, cycle.note = requests, note or None
    session.add(cycle)
    session.commit()


def last_good_data_timestamp(session: Session) -> str | None:
    """The registry data timestamp of the last check that fetched everything it had to."""
    statement = select(Cycle.data_timestamp).where(col(Cycle.outcome).in_(GOOD)).order_by(col(Cycle.id).desc()).limit(1)
    return session.exec(statement).first()


def seen_since_good(session: Session) -> list[str]:
    """The registry data timestamps that checks read after the last good one (those that failed or
    crashed): what the next cursor must allow for besides the good one's."""
    last = session.exec(select(Cycle.id).where(col(Cycle.outcome).in_(GOOD)).order_by(col(Cycle.id).desc())
                        .limit(1)).first()
    if last is None:
        return []
    statement = select(Cycle.data_timestamp).where(col(Cycle.id) > last, col(Cycle.data_timestamp).is_not(None))
    return sorted({t for t in session.exec(statement.distinct()) if t})


def failed_streak(session: Session, before_cycle: int) -> tuple[int, datetime | None]:
    """Failed checks in a row just before ``before_cycle`` (killed ones ignored), and when it began."""
    statement = (
        select(Cycle.outcome, Cycle.started_at)
        .where(col(Cycle.id) < before_cycle, Cycle.outcome != "running")
        .order_by(col(Cycle.id).desc())
        .limit(1000)
    )
    streak, since = 0, None
    for outcome, started_at in session.exec(statement):
        if outcome != "failed":
            break
        streak, since = streak + 1, started_at
    return streak, since


def last(session: Session) -> Cycle | None:
    return session.exec(select(Cycle).order_by(col(Cycle.id).desc()).limit(1)).first()
