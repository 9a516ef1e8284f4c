"""search watches (search_watch, search_match), trial.added_by (the search that added a trial), an index on trial.registry_id

Revision ID: 8
Revises: 7
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8"
down_revision: str | Sequence[str] | None = "7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_watch",
        sa.Column("key", sa.String(length=16), primary_key=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("baseline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("matching", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "search_match",
        sa.Column("search_key", sa.String(length=16), primary_key=True),
        sa.Column("nct_id", sa.String(length=16), primary_key=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table("trial") as batch:
        batch.add_column(sa.Column("added_by", sa.String(length=16), nullable=True))
    op.create_index("ix_trial_added_by", "trial", ["added_by"])
    op.create_index("ix_trial_registry_id", "trial", ["registry_id"])  # whole-registry checks look ids up by it


def downgrade() -> None:
    op.drop_index("ix_trial_registry_id", table_name="trial")
    op.drop_index("ix_trial_added_by", table_name="trial")
    with op.batch_alter_table("trial") as batch:
        batch.drop_column("added_by")
    op.drop_table("search_match")
    op.drop_table("search_watch")
