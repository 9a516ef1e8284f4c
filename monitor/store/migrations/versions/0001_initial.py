"""initial: the tables of the first release (what SQLModel's create_all made before migrations)

Revision ID: 1
Revises:
Create Date: 2026-11-22

Frozen: this must keep describing the first release's tables whatever tables.py becomes, since
databases made before migrations existed are stamped as this revision. Types are spelled out
(no imports from monitor.store.tables). Constraints stay unnamed, as create_all left them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "1"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def When() -> sa.DateTime:  # noqa: N802  (sqlmodel's UTCDateTime: TIMESTAMP WITH TIME ZONE on PostgreSQL)
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cycle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", When(), nullable=False),
        sa.Column("finished_at", When(), nullable=True),
        sa.Column("data_timestamp", sa.String(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "snapshot",
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("view", Json, nullable=False),
        sa.Column("first_seen_at", When(), nullable=False),
        sa.PrimaryKeyConstraint("hash"),
    )
    op.create_index("ix_snapshot_nct_id", "snapshot", ["nct_id"])
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nct_id", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", When(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_nct_id", "alert", ["nct_id"])
    op.create_table(
        "trial",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("snapshot_hash", sa.String(), nullable=True),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("overall_status", sa.String(), nullable=True),
        sa.Column("last_update_posted", sa.String(), nullable=True),
        sa.Column("added_at", When(), nullable=False),
        sa.Column("baseline_at", When(), nullable=True),
        sa.Column("last_checked_at", When(), nullable=True),
        sa.Column("last_changed_at", When(), nullable=True),
        sa.Column("missing_since", When(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["snapshot_hash"], ["snapshot.hash"]),
        sa.PrimaryKeyConstraint("nct_id"),
    )
    op.create_table(
        "change_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("detected_at", When(), nullable=False),
        sa.Column("registry_date", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_change_event_nct_id", "change_event", ["nct_id"])
    op.create_index("ix_change_event_alert_id", "change_event", ["alert_id"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("target_key", sa.String(length=64), nullable=False),
        sa.Column("target_masked", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", When(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", When(), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id", "target_key"),
    )
    op.create_index("ix_delivery_state", "delivery", ["state"])
    op.create_index("ix_delivery_alert_id", "delivery", ["alert_id"])


def downgrade() -> None:
    for table in ("delivery", "change_event", "trial", "alert", "snapshot", "cycle"):
        op.drop_table(table)
