"""The database tables (SQLModel): trials, content-addressed snapshots, events, the outbox, cycles.

Secrets never reach these tables: a notification target is stored as a hash (``target_key``)
and a privacy-masked form, never its URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JsonColumn = JSON().with_variant(JSONB(), "postgresql")


class Trial(SQLModel, table=True):
    """A tracked trial and what we last knew of it (denormalised for ``list``)."""

    nct_id: str = Field(primary_key=True, max_length=16)  # as the watchlist names it
    registry_id: str | None = Field(default=None, max_length=16)  # as the registry serves it now
    snapshot_hash: str | None = Field(default=None, foreign_key="snapshot.hash")
    title: str | None = None
    overall_status: str | None = None
    last_update_posted: str | None = None
    added_at: datetime
    baseline_at: datetime | None = None
    last_checked_at: datetime | None = None
    last_changed_at: datetime | None = None
    swept_at: datetime | None = None  # the whole record last fetched (baseline, sweep or change)
    missing_since: datetime | None = None  # the registry answered without it
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class Snapshot(SQLModel, table=True):
    """One distinct content of a trial's view, addressed by its hash (A → B → A stores two)."""

    hash: str = Field(primary_key=True, max_length=64)
    nct_id: str = Field(index=True, max_length=16)
    view: dict[str, Any] = Field(sa_column=Column(JsonColumn, nullable=False))
    first_seen_at: datetime


class Alert(SQLModel, table=True):
    """One message: a trial's changes in one cycle, or a notice (trial not found …)."""

    id: int | None = Field(default=None, primary_key=True)
    nct_id: str | None = Field(default=None, index=True, max_length=16)
    kind: str = Field(max_length=32)  # change | not_found | notice
    title: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id")


class ChangeRecord(SQLModel, table=True):
    """One typed change event, kept for ``history`` (and linked to the alert that carried it)."""

    __tablename__ = "change_event"

    id: int | None = Field(default=None, primary_key=True)
    nct_id: str = Field(index=True, max_length=16)
    alert_id: int | None = Field(default=None, foreign_key="alert.id", index=True)
    kind: str = Field(max_length=32)
    level: str = Field(max_length=8)
    field: str = Field(max_length=64)
    old: Any = Field(default=None, sa_column=Column(JSON))
    new: Any = Field(default=None, sa_column=Column(JSON))
    text: str = Field(sa_column=Column(Text, nullable=False))
    detected_at: datetime
    registry_date: str | None = None  # the record's "last update posted" when detected


class Delivery(SQLModel, table=True):
    """The outbox: one row per (alert, target); sent exactly once when the target accepts."""

    __table_args__ = (UniqueConstraint("alert_id", "target_key"),)

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alert.id", index=True)
    target_key: str = Field(max_length=64)
    target_masked: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="pending", index=True, max_length=16)  # pending | sent | dropped
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    sent_at: datetime | None = None


class Cycle(SQLModel, table=True):
    """One check: what the registry said, what it cost, how it ended."""

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime
    finished_at: datetime | None = None
    data_timestamp: str | None = None
    requests: int = 0
    outcome: str = Field(default="running", max_length=16)  # running | quiet | checked | failed
    note: str | None = Field(default=None, sa_column=Column(Text))
