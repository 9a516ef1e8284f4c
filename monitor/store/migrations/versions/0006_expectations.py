"""expectations: the expectation table (what is true of each trial now) and the trial's facts for them

``trial.expectation_facts`` is filled for existing trials by the first cycle after the upgrade,
from each trial's stored snapshot (``monitor/store/expectations.py``); that first evaluation is
silent (``trial.expectations_since`` is NULL), so an upgrade sends no flood of old overdue trials.

Revision ID: 6
Revises: 5
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "6"
down_revision: str | Sequence[str] | None = "5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("trial") as batch:
        batch.add_column(sa.Column("expectation_facts", Json, nullable=True))
        batch.add_column(sa.Column("expectations_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("expectations_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("expectations_key", sa.String(length=32), nullable=True))
    op.create_table(
        "expectation",
        sa.Column("nct_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=48), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("nct_id", "name"),
    )


def downgrade() -> None:
    op.drop_table("expectation")
    with op.batch_alter_table("trial") as batch:
        batch.drop_column("expectations_key")
        batch.drop_column("expectations_due_at")
        batch.drop_column("expectations_since")
        batch.drop_column("expectation_facts")
