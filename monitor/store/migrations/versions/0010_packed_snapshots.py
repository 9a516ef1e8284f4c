"""packed snapshots: a snapshot's view kept as one zstandard frame (``monitor/store/codec.py``)

* ``snapshot.packed`` (BLOB / bytea) holds the view from now on; ``snapshot.view`` keeps the JSON of
  the rows stored before until ``migrations/packing.py`` packs them, batch by batch after this
  revision (resumable: the partial index ``ix_snapshot_unpacked`` lists the rows still to do, and is
  empty once done). A packed row's ``view`` is JSON ``null``: the column stays NOT NULL, which
  SQLite could not relax without copying the whole table.
* On PostgreSQL ``packed`` is stored EXTERNAL: out of line but not compressed again (it is already).
* The indexes the queries of a check and of the web face need at scale (EXPLAIN on PostgreSQL,
  bench/README.md "Storage"): events by date (the feed, the API's events, the dashboard's "changed
  in" filter), trials by status (the dashboard's status filter), and trials by snapshot (the
  foreign key a snapshot's deletion checks: without it, each snapshot pruned scanned every trial).

Revision ID: 10
Revises: 9
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "10"
down_revision: str | Sequence[str] | None = "9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("snapshot", sa.Column("packed", sa.LargeBinary(), nullable=True))  # ALTER TABLE ADD: no copy
    unpacked = sa.text("packed IS NULL")
    op.create_index("ix_snapshot_unpacked", "snapshot", ["hash"], sqlite_where=unpacked, postgresql_where=unpacked)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE snapshot ALTER COLUMN packed SET STORAGE EXTERNAL")
    op.create_index("ix_trial_snapshot_hash", "trial", ["snapshot_hash"])
    op.create_index("ix_trial_status", "trial", ["registry", "overall_status"])
    op.create_index("ix_change_event_detected_at", "change_event", ["detected_at"])


def downgrade() -> None:
    raise NotImplementedError("revision 10 is not reversible: restore the backup taken before upgrading")
