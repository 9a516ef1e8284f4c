"""The outbox's queries: deliveries enqueued per target, digests gathered, attempts marked.

A delivery row is one (alert, target). An immediate target's row is ``pending`` until the target
accepts it (``sent``), or ``dropped``. A digest target's row is ``held`` until its digest is due;
then one transaction creates the digest (an ``alert`` of kind ``digest``, with one ``pending``
delivery of its own) and marks every member ``digested`` with the digest's id — so a digest is
made once, sent like any alert, and nothing it carries is lost or sent twice.

Messages are rendered at delivery time from the stored events (``content_of``), so each target
gets its own filtered share, in its own template.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from monitor.core.choices import NOTICE_LEVEL, Choices
from monitor.core.model import Level
from monitor.core.target_render import AlertContent, EventItem, NoticeItem, TrialItem
from monitor.store.tables import Alert, ChangeRecord, Delivery, SearchMatch, Trial

RETRY_BACKOFF_MAX = timedelta(hours=6)
NOTICE_KINDS = {"notice": "outage"}  # an alert kind with no change events → the kind filters see


@dataclass(frozen=True)
class TargetRef:
    """How the outbox names a target: a hash and a masked form, never the URL; and what it wants."""

    key: str
    masked: str
    choices: Choices = field(default_factory=Choices)
    digest: bool = False  # its deliveries wait for its digest


def enqueue(
    session: Session, alert_id: int, targets: Sequence[TargetRef], events: Iterable[tuple[str, Level | str]], now: datetime
) -> int:
    """One delivery per target that wants any of ``events`` ((kind, level) pairs); returns how many."""
    pairs = list(events)
    made = 0
    for target in targets:
        if any(target.choices.passes(kind, level) for kind, level in pairs):
            session.add(Delivery(alert_id=alert_id, target_key=target.key, target_masked=target.masked,
                                 next_attempt_at=now, state="held" if target.digest else "pending"))
            made += 1
    return made


def notice_events() -> list[tuple[str, Level]]:
    """What a notice about the monitor itself (outage, recovery) counts as for the filters."""
    return [(NOTICE_KINDS["notice"], NOTICE_LEVEL)]


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
    digest = Alert(kind="digest", title=f"trial-monitor digest for {target.masked}"[:500], body="",
                   created_at=now, period_start=start, period_end=slot)
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


def content_of(session: Session, alert: Alert, target_key: str) -> AlertContent | None:
    """The events (or notice) an alert carries, as values for rendering; None for a plain notice.

    A digest's content is every member alert's, grouped by trial in the order found.
    """
    if alert.kind == "digest":
        members = list(session.exec(
            select(Alert).join(Delivery, col(Delivery.alert_id) == col(Alert.id))
            .where(Delivery.digest_id == alert.id, Delivery.target_key == target_key)
            .order_by(col(Alert.created_at), col(Alert.id))
        ).all())
        trials, notices = _gather(session, members)
        return AlertContent(trials=trials, notices=notices, digest=True,
                            period_start=alert.period_start, period_end=alert.period_end)
    if alert.kind == "notice" or alert.id is None:
        return None
    trials, _ = _gather(session, [alert])
    return AlertContent(trials=trials)


def _gather(session: Session, alerts: Sequence[Alert]) -> tuple[tuple[TrialItem, ...], tuple[NoticeItem, ...]]:
    ids = [a.id for a in alerts if a.id is not None and a.kind != "notice"]
    records = list(session.exec(
        select(ChangeRecord).where(col(ChangeRecord.alert_id).in_(ids)).order_by(col(ChangeRecord.alert_id), col(ChangeRecord.id))
    ).all()) if ids else []
    by_trial: dict[str, list[ChangeRecord]] = {}
    for record in records:
        by_trial.setdefault(record.nct_id, []).append(record)
    known = {t.nct_id: t for t in session.exec(select(Trial).where(col(Trial.nct_id).in_(list(by_trial))))} if by_trial else {}
    listed = _search_titles(session, [i for i in by_trial if i not in known])  # search matches nobody watches
    trials = []
    for nct_id, found in by_trial.items():
        trial = known.get(nct_id)
        events = tuple(EventItem(r.kind, r.level, r.text, r.old, r.new, r.detected_at) for r in found)
        shown_id = (trial.registry_id if trial is not None and trial.registry_id else None) or nct_id
        trials.append(TrialItem(
            nct_id=shown_id, title=trial.title if trial else listed.get(nct_id),
            status=trial.overall_status if trial else None,
            updated=found[-1].registry_date or (trial.last_update_posted if trial else None), events=events,
        ))
    notices = tuple(NoticeItem(a.title, a.body, NOTICE_KINDS["notice"], a.created_at) for a in alerts if a.kind == "notice")
    return tuple(trials), notices


def _search_titles(session: Session, nct_ids: Sequence[str]) -> dict[str, str]:
    """Titles of trials known only from a search listing (a new match that is not watched)."""
    if not nct_ids:
        return {}
    rows = session.exec(select(SearchMatch.nct_id, SearchMatch.title).where(col(SearchMatch.nct_id).in_(nct_ids)))
    return {nct_id: title for nct_id, title in rows if title}


# --- sending ------------------------------------------------------------------------------------


def due_deliveries(session: Session, now: datetime, *, ignore_backoff: bool) -> list[tuple[Delivery, Alert]]:
    """Pending deliveries, oldest alert first (all of them when ``ignore_backoff``)."""
    statement = (
        select(Delivery, Alert)
        .join(Alert, col(Alert.id) == col(Delivery.alert_id))
        .where(Delivery.state == "pending")
        .order_by(col(Alert.id), col(Delivery.id))
    )
    if not ignore_backoff:
        statement = statement.where(col(Delivery.next_attempt_at) <= now)
    return list(session.exec(statement).all())


def mark_delivered(session: Session, delivery_id: int, now: datetime) -> int:
    """Mark a delivery sent; returns how many attempts it took."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.state != "pending":
        return 0
    delivery.state, delivery.sent_at, delivery.last_error = "sent", now, None
    delivery.attempts += 1
    session.add(delivery)
    session.commit()
    return delivery.attempts


def mark_failed(session: Session, delivery_id: int, now: datetime, error: str, *, drop: bool = False) -> int:
    """Count a failed attempt and push the next one back; returns the attempts so far."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.state != "pending":
        return 0
    delivery.attempts += 1
    delivery.last_error = error[:500]
    if drop:
        delivery.state = "dropped"
    else:
        backoff = min(timedelta(seconds=30 * 2 ** (delivery.attempts - 1)), RETRY_BACKOFF_MAX)
        delivery.next_attempt_at = now + backoff
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
