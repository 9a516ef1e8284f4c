"""per-target choices and digests: held deliveries are carried by a digest alert

``delivery.digest_id`` names the digest (an ``alert`` of kind ``digest``) that carried a held
delivery; ``alert.period_start``/``period_end`` bound a digest's events. Existing rows need no
change: every delivery made before this revision is immediate (``digest_id`` NULL).

Revision ID: 5
Revises: 4
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5"
down_revision: str | Sequence[str] | None = "4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("period_start", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("period_end", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_delivery_digest_id_alert", "alert", ["digest_id"], ["id"])
        batch.create_index("ix_delivery_digest_id", ["digest_id"])


def downgrade() -> None:
    with op.batch_alter_table("delivery") as batch:
        batch.drop_index("ix_delivery_digest_id")
        batch.drop_constraint("fk_delivery_digest_id_alert", type_="foreignkey")
        batch.drop_column("digest_id")
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("period_end")
        batch.drop_column("period_start")
