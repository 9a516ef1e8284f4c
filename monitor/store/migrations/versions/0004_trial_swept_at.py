"""trial.swept_at: when the whole record was last fetched (a baseline or a sweep), for the periodic sweep

Revision ID: 4
Revises: 3
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4"
down_revision: str | Sequence[str] | None = "3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trial") as batch:
        batch.add_column(sa.Column("swept_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_snapshot_nct_id_first_seen_at", "snapshot", ["nct_id", "first_seen_at"])


def downgrade() -> None:
    op.drop_index("ix_snapshot_nct_id_first_seen_at", table_name="snapshot")
    with op.batch_alter_table("trial") as batch:
        batch.drop_column("swept_at")
