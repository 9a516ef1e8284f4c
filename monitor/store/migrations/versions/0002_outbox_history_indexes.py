"""indexes for the outbox and history queries

Revision ID: 2
Revises: 1
Create Date: 2026-11-22

``due_deliveries`` filters on delivery(state, next_attempt_at); ``history`` filters on
change_event.nct_id and orders by detected_at.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "2"
down_revision: str | Sequence[str] | None = "1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_delivery_state_next_attempt_at", "delivery", ["state", "next_attempt_at"])
    op.create_index("ix_change_event_nct_id_detected_at", "change_event", ["nct_id", "detected_at"])


def downgrade() -> None:
    op.drop_index("ix_change_event_nct_id_detected_at", table_name="change_event")
    op.drop_index("ix_delivery_state_next_attempt_at", table_name="delivery")
