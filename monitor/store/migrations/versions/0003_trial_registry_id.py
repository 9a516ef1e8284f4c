"""trial.registry_id: the id the registry serves a trial under now (it may differ after a re-registration)

Revision ID: 3
Revises: 2
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3"
down_revision: str | Sequence[str] | None = "2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trial") as batch:
        batch.add_column(sa.Column("registry_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trial") as batch:
        batch.drop_column("registry_id")
