"""Queries for watching the whole registry (``trials: all``): one page of records at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from monitor.store import repo
from monitor.store.tables import Trial

REGISTRY = "registry"  # trial.added_by of a trial watched because the whole registry is


def known_ids(session: Session, ids: Sequence[str]) -> dict[str, str]:
    """For the ids (and aliases) of one page: the stored trial each one answers (by its id, or the
    id the registry served it under last)."""
    if not ids:
        return {}
    rows = session.execute(select(Trial.nct_id, Trial.registry_id).where(
        or_(col(Trial.nct_id).in_(ids), col(Trial.registry_id).in_(ids))))
    known: dict[str, str] = {}
    for nct_id, registry_id in rows:
        known[nct_id] = nct_id
        if registry_id:
            known.setdefault(registry_id, nct_id)
    return known


def enrol(session: Session, nct_ids: Sequence[str], now: datetime) -> None:
    """Start following records the registry listed for the first time (each gets its baseline)."""
    repo.add_trials(session, nct_ids, now, added_by=REGISTRY)
    session.commit()


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Trial)) or 0


def sweep_due(session: Session, *, limit: int, due_before: datetime) -> dict[str, str]:
    """The longest-unswept records with a baseline, at most ``limit``: {trial id: id served under}."""
    if limit <= 0:
        return {}
    rows = session.execute(
        select(Trial.nct_id, Trial.registry_id)
        .where(col(Trial.snapshot_hash).is_not(None), or_(col(Trial.swept_at).is_(None), col(Trial.swept_at) <= due_before))
        .order_by(col(Trial.swept_at).asc().nulls_first(), Trial.nct_id)
        .limit(limit)
    )
    return {nct_id: registry_id or nct_id for nct_id, registry_id in rows}
