"""The database tables (SQLModel): trials, content-addressed snapshots, events, the outbox, checks.

A trial is named by *(registry, trial id)*: the ``registry`` column (``registry_key`` here: the
name ``registry`` is the ORM's own) holds the registry's key (``ctgov``),
``trial_id`` its id there as the watchlist names it (any length: ``NCT06764329``,
``2023-503684-42-00``, ``ISRCTN12345678``). Secrets never reach these tables: a notification
target is stored as a hash (``target_key``) and a privacy-masked form, never its URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JsonColumn = JSON().with_variant(JSONB(), "postgresql")


class Trial(SQLModel, table=True):
    """A tracked trial and what we last knew of it (denormalised for ``list``)."""

    __table_args__ = (
        Index("ix_trial_snapshot_hash", "snapshot_hash"),  # the key deleting a snapshot checks (and pruning)
        Index("ix_trial_status", "registry", "overall_status"),  # the dashboard's status filter and counts
    )

    registry_key: str = Field(sa_column=Column("registry", String(16), primary_key=True))
    trial_id: str = Field(primary_key=True, sa_type=String)  # as the watchlist names it
    served_id: str | None = Field(default=None, index=True, sa_type=String)  # as the registry serves it now
    snapshot_hash: str | None = Field(default=None, foreign_key="snapshot.hash")
    title: str | None = None
    overall_status: str | None = None
    last_update_posted: str | None = None
    added_at: datetime
    baseline_at: datetime | None = None
    # when a good check last vouched for it: TrialChecked, a narrow row of its own
    last_changed_at: datetime | None = None
    swept_at: datetime | None = None  # the whole record last fetched (baseline, sweep or change)
    missing_since: datetime | None = None  # the registry answered without it
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    # expectations (core/expectations): the record's few facts they need, so a check evaluates them without
    # reading snapshots; when they were first evaluated (None: the next evaluation is silent, a baseline)
    expectation_facts: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonColumn, nullable=True))
    expectations_since: datetime | None = None
    expectations_due_at: datetime | None = None  # evaluate again from then (the date alone can turn one)
    expectations_key: str | None = Field(default=None, max_length=32)  # the options they were evaluated under
    added_by: str | None = Field(default=None, index=True, max_length=16)  # the search (key) that added it; None: the watchlist


class Snapshot(SQLModel, table=True):
    """One distinct content of a trial's view, addressed by its hash (A → B → A stores two).

    The view is ``packed`` (``monitor.store.codec``: zstandard with a shipped dictionary). ``view``
    holds the JSON of rows stored before revision 10 until the conversion
    (``migrations/packing.py``) packs them, and JSON ``null`` in every row packed (a NOT NULL column
    since revision 1: SQLite could not relax it without copying the table); read a row through
    ``codec.stored_view``.
    """

    __table_args__ = (
        Index("ix_snapshot_trial", "registry", "trial_id", "first_seen_at"),
        # the rows still to pack (empty once done): the conversion's cursor, and its one-read check
        Index("ix_snapshot_unpacked", "hash", sqlite_where=text("packed IS NULL"),
              postgresql_where=text("packed IS NULL")),
    )

    hash: str = Field(primary_key=True, max_length=64)
    registry_key: str = Field(sa_column=Column("registry", String(16), nullable=False))
    trial_id: str = Field(sa_type=String)
    packed: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    view: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonColumn, nullable=False))  # see above
    first_seen_at: datetime


class Alert(SQLModel, table=True):
    """One message owed: a trial's changes in one check, a notice (outage …), or a digest.

    Nothing here is the message itself: it is rendered at delivery, per target, from the events
    that point at this alert (or, for a notice, from ``details``). ``title``/``body`` hold the text
    of notices stored before messages were rendered at delivery.
    """

    __table_args__ = (Index("ix_alert_trial", "registry", "trial_id"),)

    id: int | None = Field(default=None, primary_key=True)
    registry_key: str | None = Field(default=None, sa_column=Column("registry", String(16), nullable=True))
    trial_id: str | None = Field(default=None, sa_type=String)
    kind: str = Field(max_length=32)  # change | not_found | notice | digest
    details: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # a notice's values
    title: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id")
    # a digest: the events it carries were found after period_start, up to period_end (its slot)
    period_start: datetime | None = None
    period_end: datetime | None = None


class ChangeRecord(SQLModel, table=True):
    """One typed change event, kept for ``history`` (and linked to the alert that carried it)."""

    __tablename__ = "change_event"
    __table_args__ = (
        Index("ix_change_event_trial", "registry", "trial_id", "detected_at"),
        Index("ix_change_event_trial_kind", "registry", "trial_id", "kind"),
        Index("ix_change_event_detected_at", "detected_at"),  # the feed, the API's events, "changed in"
    )

    id: int | None = Field(default=None, primary_key=True)
    registry_key: str = Field(sa_column=Column("registry", String(16), nullable=False))
    trial_id: str = Field(sa_type=String)
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
    # pending | sent | dropped; for a digest target: held (waiting for its digest) → digested
    state: str = Field(default="pending", index=True, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    sent_at: datetime | None = None
    digest_id: int | None = Field(default=None, foreign_key="alert.id", index=True)  # the digest that carried it


class Cycle(SQLModel, table=True):
    """One check: what the registry said, what it cost, how it ended."""

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime
    finished_at: datetime | None = None
    data_timestamp: str | None = None
    requests: int = 0
    outcome: str = Field(default="running", max_length=16)  # running | quiet | checked | failed | crashed
    note: str | None = Field(default=None, sa_column=Column(Text))


class SearchWatch(SQLModel, table=True):
    """A search from the watchlist (``searches:``), named by a hash of its criteria."""

    __tablename__ = "search_watch"

    key: str = Field(primary_key=True, max_length=16)
    name: str = Field(sa_column=Column(Text, nullable=False))
    criteria: str = Field(sa_column=Column(Text, nullable=False))  # the criteria, in words, for people
    baseline_at: datetime | None = None  # its first complete listing
    last_run_at: datetime | None = None
    matching: int = 0


class SearchMatch(SQLModel, table=True):
    """A trial a search has listed; ``left_at`` set while it no longer matches."""

    __tablename__ = "search_match"

    search_key: str = Field(primary_key=True, max_length=16)
    registry_key: str = Field(sa_column=Column("registry", String(16), primary_key=True))
    trial_id: str = Field(primary_key=True, sa_type=String)
    title: str | None = Field(default=None, sa_column=Column(Text))
    status: str | None = Field(default=None, max_length=32)
    first_seen_at: datetime
    left_at: datetime | None = None


class TrialVersion(SQLModel, table=True):
    """One version of a trial's record in the registry's own history (backfilled, opt-in)."""

    __tablename__ = "trial_version"
    __table_args__ = (
        UniqueConstraint("registry", "trial_id", "version", name="uq_trial_version_trial"),
        Index("ix_trial_version_trial", "registry", "trial_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    registry_key: str = Field(sa_column=Column("registry", String(16), nullable=False))
    trial_id: str = Field(sa_type=String)
    version: int  # 0: the first posting
    posted: str = Field(max_length=10)  # YYYY-MM-DD
    status: str | None = Field(default=None, max_length=32)  # the overall status in that version
    modules: Any = Field(default=None, sa_column=Column(JSON))  # the registry's labels of what changed


class Backfill(SQLModel, table=True):
    """Where a trial's history backfill stands: done, failed (retried later) or given up."""

    registry_key: str = Field(sa_column=Column("registry", String(16), primary_key=True))
    trial_id: str = Field(primary_key=True, sa_type=String)
    state: str = Field(max_length=16)  # done | failed | unavailable
    attempts: int = 0
    last_attempt_at: datetime
    next_attempt_at: datetime | None = None  # failed: not before then
    note: str | None = Field(default=None, sa_column=Column(Text))


class ExpectationState(SQLModel, table=True):
    """An expectation true for a trial now (results overdue …): a row when it turns true, deleted when it clears."""

    __tablename__ = "expectation"

    registry_key: str = Field(sa_column=Column("registry", String(16), primary_key=True))
    trial_id: str = Field(primary_key=True, sa_type=String)
    name: str = Field(primary_key=True, max_length=48)
    text: str = Field(sa_column=Column(Text, nullable=False))  # the sentence when it turned true
    since: datetime
    baseline: bool = False  # already true when the trial was first evaluated: recorded, never pushed


class TrialChecked(SQLModel, table=True):
    """When a good check last vouched for a trial (fetched it, or found it unchanged since): a narrow row
    beside the trial's, because a refreshed check vouches for every watched trial, and rewriting a
    trial's whole row to move this one date cost a 100,000-trial check a fifth of its CPU (85 MB of
    rows rewritten on SQLite, as many dead row versions on PostgreSQL; here, 4 MB). One row per trial
    row, made with it (``trials.add``)."""

    __tablename__ = "trial_checked"
    __table_args__ = {"sqlite_with_rowid": False}  # the key is the row: no second b-tree for it

    registry_key: str = Field(sa_column=Column("registry", String(16), primary_key=True))
    trial_id: str = Field(primary_key=True, sa_type=String)
    last_checked_at: datetime | None = None
