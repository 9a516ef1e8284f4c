"""Queries for watching a whole registry (``trials: all``): one page of records at a time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from monitor.store import trials
from monitor.store.tables import Trial

EVERYTHING = "registry"  # trial.added_by of a trial watched because the whole registry is


def known_ids(session: Session, registry: str, ids: Sequence[str]) -> dict[str, str]:
    """For the ids (and aliases) of one page: the stored trial each one answers (by its id, or the
    id the registry served it under last)."""
    if not ids:
        return {}
    # two reads, each by its index: with the OR (or the registry beside served_id) SQLite reads every
    # trial of the registry, for every page: a quarter of a 570,000-record baseline's CPU
    by_id = session.execute(select(Trial.trial_id, Trial.served_id).where(
        trials.mine(registry), col(Trial.trial_id).in_(ids)))
    by_served = session.execute(select(Trial.trial_id, Trial.served_id, Trial.registry_key).where(
        col(Trial.served_id).in_(ids)))
    known: dict[str, str] = {}
    for trial_id, served_id in [*by_id, *((t, s) for t, s, key in by_served if key == registry)]:
        known[trial_id] = trial_id
        if served_id:
            known.setdefault(served_id, trial_id)
    return known


def enrol(session: Session, registry: str, trial_ids: Sequence[str], now: datetime) -> None:
    """Start following records the registry listed for the first time (each gets its baseline)."""
    trials.add(session, registry, trial_ids, now, added_by=EVERYTHING)
    session.commit()


def count(session: Session, registry: str) -> int:
    return session.scalar(select(func.count()).select_from(Trial).where(trials.mine(registry))) or 0


def sweep_due(session: Session, registry: str, *, limit: int, due_before: datetime) -> dict[str, str]:
    """The longest-unswept records with a baseline, at most ``limit``: {trial id: id served under}."""
    if limit <= 0:
        return {}
    rows = session.execute(
        select(Trial.trial_id, Trial.served_id)
        .where(trials.mine(registry), col(Trial.snapshot_hash).is_not(None),
               or_(col(Trial.swept_at).is_(None), col(Trial.swept_at) <= due_before))
        .order_by(col(Trial.swept_at).asc().nulls_first(), Trial.trial_id)
        .limit(limit)
    )
    return {trial_id: served_id or trial_id for trial_id, served_id in rows}
