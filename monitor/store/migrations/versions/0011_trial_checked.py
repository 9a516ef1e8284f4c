"""trial_checked: when a good check last vouched for a trial, in a narrow row of its own

A refreshed check vouches for every watched trial it did not need to fetch; as ``trial.last_checked_at``
that rewrote every trial's whole row (at 100,000 trials, 85 MB of rows on SQLite and as many dead row
versions on PostgreSQL, a fifth of the check's CPU). ``trial_checked`` (registry, trial_id,
last_checked_at; on SQLite WITHOUT ROWID) holds it instead, one row per trial row, copied here from
``trial.last_checked_at``, which goes (SQLite: the table is copied once, as in revision 4).

Revision ID: 11
Revises: 10
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "11"
down_revision: str | Sequence[str] | None = "10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trial_checked",
        sa.Column("registry", sa.String(length=16), nullable=False),
        sa.Column("trial_id", sa.String(), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("registry", "trial_id"),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO trial_checked (registry, trial_id, last_checked_at) "
               "SELECT registry, trial_id, last_checked_at FROM trial")
    with op.batch_alter_table("trial") as batch:
        batch.drop_column("last_checked_at")


def downgrade() -> None:
    raise NotImplementedError("revision 11 is not reversible: restore the backup taken before upgrading")
