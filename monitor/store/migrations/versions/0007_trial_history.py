"""history context: trial_version (the registry's version history, backfilled) and backfill (its state)

Revision ID: 7
Revises: 6
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7"
down_revision: str | Sequence[str] | None = "6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trial_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("posted", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("modules", sa.JSON(), nullable=True),
        sa.UniqueConstraint("nct_id", "version"),
    )
    op.create_index("ix_trial_version_nct_id", "trial_version", ["nct_id"])
    op.create_table(
        "backfill",
        sa.Column("nct_id", sa.String(length=16), primary_key=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_change_event_nct_id_kind", "change_event", ["nct_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_change_event_nct_id_kind", table_name="change_event")
    op.drop_table("backfill")
    op.drop_index("ix_trial_version_nct_id", table_name="trial_version")
    op.drop_table("trial_version")
