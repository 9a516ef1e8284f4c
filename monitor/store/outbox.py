"""The outbox's delivery side: digests gathered, deliveries due, attempts marked, what an alert carries.

A delivery row is one (alert, target). An immediate target's row is ``pending`` until the target
accepts it (``sent``), or ``dropped``. A digest target's row is ``held`` until its digest is due;
then one transaction creates the digest (an ``alert`` of kind ``digest``, with one ``pending``
delivery of its own) and marks every member ``digested`` with the digest's id — so a digest is
made once, sent like any alert, and nothing it carries is lost or sent twice.

The messages themselves are rendered by the delivery (``monitor.delivery``) from what the alert
carries (``events_of``, ``digest_members``), per target.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from monitor.core.choices import TargetRef
from monitor.store.tables import Alert, ChangeRecord, Delivery

# A target that refuses is tried again after 5 s, 10 s, 20 s, then every 25 s however long it stays down: the
# cap is just under the daemon's 30 s delivery pass, so a target that is back is tried at the next pass.
RETRY_BACKOFF_FIRST = timedelta(seconds=5)
RETRY_BACKOFF_MAX = timedelta(seconds=25)


def target_backoff(refusals: int) -> timedelta:
    """How long a target waits after ``refusals`` refusals in a row before it is tried again."""
    return min(RETRY_BACKOFF_FIRST * 2 ** min(max(refusals - 1, 0), 8), RETRY_BACKOFF_MAX)

# --- digests ------------------------------------------------------------------------------------


def oldest_held(session: Session) -> dict[str, datetime]:
    """Per target key: when its oldest held alert was made."""
    statement = (
        select(Delivery.target_key, func.min(Alert.created_at))
        .join(Alert, col(Alert.id) == col(Delivery.alert_id))
        .where(Delivery.state == "held")
        .group_by(Delivery.target_key)
    )
    return {key: oldest for key, oldest in session.exec(statement).all()}


def held_counts(session: Session) -> dict[str, int]:
    statement = select(Delivery.target_key, func.count()).where(Delivery.state == "held").group_by(Delivery.target_key)
    return {key: count for key, count in session.exec(statement).all()}


def make_digest(session: Session, target: TargetRef, slot: datetime, now: datetime) -> int | None:
    """Gather a target's held deliveries made up to ``slot`` into one digest; one transaction.

    Returns the digest's alert id, or None when nothing was waiting (then nothing is made).
    """
    members = list(session.exec(
        select(Delivery.id, Alert.created_at)
        .join(Alert, col(Alert.id) == col(Delivery.alert_id))
        .where(Delivery.target_key == target.key, Delivery.state == "held", col(Alert.created_at) <= slot)
    ).all())
    if not members:
        return None
    previous = session.exec(
        select(func.max(Alert.period_end))
        .join(Delivery, col(Delivery.alert_id) == col(Alert.id))
        .where(Alert.kind == "digest", Delivery.target_key == target.key)
    ).first()
    start = previous or min(created for _, created in members)
    digest = Alert(kind="digest", created_at=now, period_start=start, period_end=slot)
    session.add(digest)
    session.flush()
    assert digest.id is not None
    session.execute(
        update(Delivery)
        .where(col(Delivery.id).in_([member_id for member_id, _ in members]), Delivery.state == "held")
        .values(state="digested", digest_id=digest.id)
    )
    session.add(Delivery(alert_id=digest.id, target_key=target.key, target_masked=target.masked, next_attempt_at=now))
    session.commit()
    return digest.id


def drop_held(session: Session, keep_keys: Iterable[str], now: datetime) -> int:
    """Held deliveries of targets no longer in the watchlist: dropped, as their pending ones are."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.state == "held", col(Delivery.target_key).not_in(list(keep_keys)))
        .values(state="dropped", last_error="target no longer in the watchlist", sent_at=None)
    )
    session.commit()
    return result.rowcount or 0  # type: ignore[attr-defined]


# --- what a message is about --------------------------------------------------------------------


def digest_members(session: Session, digest: Alert, target_key: str) -> list[Alert]:
    """The alerts a digest carries for its target, in the order they were made."""
    return list(session.exec(
        select(Alert).join(Delivery, col(Delivery.alert_id) == col(Alert.id))
        .where(Delivery.digest_id == digest.id, Delivery.target_key == target_key)
        .order_by(col(Alert.created_at), col(Alert.id))
    ).all())


def events_of(session: Session, alert_ids: Sequence[int]) -> list[ChangeRecord]:
    """The events these alerts carry, alert by alert, in the order they were found."""
    if not alert_ids:
        return []
    return list(session.exec(
        select(ChangeRecord).where(col(ChangeRecord.alert_id).in_(list(alert_ids)))
        .order_by(col(ChangeRecord.alert_id), col(ChangeRecord.id))
    ).all())


# --- sending ------------------------------------------------------------------------------------


def due_deliveries(session: Session, now: datetime, *, ignore_backoff: bool) -> list[tuple[Delivery, Alert]]:
    """Pending deliveries, oldest alert first, a target's all together (every target's when ``ignore_backoff``).

    A target is due when one of its pending deliveries is; then all of them come, from its oldest, so
    that nothing overtakes an older alert still waiting. The backoff is the target's, not each row's:
    its queue shares one ``next_attempt_at`` (``mark_failed``), short and capped (``target_backoff``),
    and a new alert for it comes due at once; when it answers, what waited goes first, in the same pass.
    """
    statement = (
        select(Delivery, Alert)
        .join(Alert, col(Alert.id) == col(Delivery.alert_id))
        .where(Delivery.state == "pending")
        .order_by(col(Alert.id), col(Delivery.id))
    )
    if not ignore_backoff:
        due = select(Delivery.target_key).where(Delivery.state == "pending", col(Delivery.next_attempt_at) <= now)
        statement = statement.where(col(Delivery.target_key).in_(due.distinct()))
    return list(session.exec(statement).all())


def mark_delivered(session: Session, delivery_id: int, now: datetime) -> int:
    """Mark a delivery sent; returns how many attempts it took. The target answered: every delivery still
    waiting for it is due at once (its backoff was the target's, and the target is back)."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.state != "pending":
        return 0
    delivery.state, delivery.sent_at, delivery.last_error = "sent", now, None
    delivery.attempts += 1
    session.add(delivery)
    session.execute(update(Delivery).where(Delivery.target_key == delivery.target_key, Delivery.state == "pending",
                                           col(Delivery.next_attempt_at) > now).values(next_attempt_at=now))
    session.commit()
    return delivery.attempts


def mark_failed(session: Session, delivery_id: int, now: datetime, error: str, *, drop: bool = False,
                waiting: Sequence[int] = ()) -> int:
    """Count a failed attempt and push the next one back; returns the attempts so far. ``waiting``: the
    target's newer deliveries behind it, pushed back with it (they were not tried: their count stays).

    The row refused is the oldest its target had left to send, so its attempts are the target's refusals in
    a row (an accepted message ends the run): the wait is the target's ``target_backoff``, never hours.
    The attempts stay counted on the row, for ``status`` and ``list``."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.state != "pending":
        return 0
    delivery.attempts += 1
    delivery.last_error = error[:500]
    if drop:
        delivery.state = "dropped"
    else:
        delivery.next_attempt_at = now + target_backoff(delivery.attempts)
        if waiting:
            session.execute(update(Delivery).where(col(Delivery.id).in_(list(waiting)), Delivery.state == "pending")
                            .values(next_attempt_at=delivery.next_attempt_at))
    session.add(delivery)
    session.commit()
    return delivery.attempts


def delivery_counts(session: Session) -> dict[str, int]:
    rows = session.exec(select(Delivery.state, func.count()).group_by(Delivery.state)).all()
    return {state: count for state, count in rows}


def failing_deliveries(session: Session) -> list[Delivery]:
    statement = select(Delivery).where(Delivery.state == "pending", col(Delivery.attempts) > 0)
    return list(session.exec(statement.order_by(col(Delivery.id))).all())


def delivery_summary(session: Session) -> list[tuple[str, str, int, str | None]]:
    """Per target and state: (masked target, state, count, latest error) for deliveries not yet sent."""
    statement = (
        select(Delivery.target_masked, Delivery.state, func.count(), func.max(Delivery.last_error))
        .where(col(Delivery.state).not_in(["sent", "digested"]))
        .group_by(Delivery.target_masked, Delivery.state)
    )
    return [(masked, state, count, error) for masked, state, count, error in session.exec(statement).all()]
