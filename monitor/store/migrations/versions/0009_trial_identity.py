"""trial identity: (registry, trial id) everywhere; ids of any length; notices kept as values

* Every trial-keyed table gets ``registry`` (``ctgov`` for every existing row) and its ``nct_id``
  becomes ``trial_id`` with no length limit (an EU CT number is 17 characters); ``trial.registry_id``
  (the id the registry serves a trial under now) becomes ``served_id``.
* Primary keys and unique keys take the registry in: ``trial``, ``search_match``, ``backfill``,
  ``expectation`` and ``trial_version`` are rebuilt (small tables); the large ones (``snapshot``,
  ``change_event``, ``alert``) are altered in place, their indexes remade on the new columns.
* ``alert.details`` holds a notice's values (rendered at delivery); ``alert.title``/``body`` may be
  empty from now on (they keep the text of notices stored before).

Revision ID: 9
Revises: 8
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "9"
down_revision: str | Sequence[str] | None = "8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
CTGOV = "ctgov"


def When() -> sa.DateTime:  # noqa: N802
    return sa.DateTime(timezone=True)


def _registry(nullable: bool = False, primary: bool = False) -> sa.Column:
    return sa.Column("registry", sa.String(length=16), nullable=nullable, primary_key=primary)


def _trial_id(primary: bool = False) -> sa.Column:
    return sa.Column("trial_id", sa.String(), nullable=False, primary_key=primary)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _rebuild(table: str, columns: list[sa.Column | sa.Constraint], copy: str, indexes: dict[str, list[str]]) -> None:
    """Replace ``table`` by a new one with ``columns``, filled by ``copy`` (a SELECT over the old one).

    Created under a temporary name, filled, the old one dropped, then renamed: the order that
    keeps other tables' references to ``table`` pointing at the new one (SQLite rewrites them on
    a rename).
    """
    temporary = f"_new_{table}"
    op.create_table(temporary, *columns)
    names = ", ".join(c.name for c in columns if isinstance(c, sa.Column))
    op.execute(f"INSERT INTO {temporary} ({names}) {copy}")
    op.drop_table(table)
    op.rename_table(temporary, table)
    if _postgres():  # constraints keep their temporary names on PostgreSQL: give them their usual ones
        for (name,) in op.get_bind().execute(sa.text(
                "SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) AND conname LIKE :p"),
                {"t": table, "p": f"{temporary}%"}):
            op.execute(f'ALTER TABLE {table} RENAME CONSTRAINT "{name}" TO "{table}{name[len(temporary):]}"')
    for name, on in indexes.items():
        op.create_index(name, table, on)


def _rename_in_place(table: str, dropped: Sequence[str], indexes: dict[str, list[str]], nullable: bool = False) -> None:
    """``nct_id`` → ``trial_id`` and a ``registry`` column, without copying the table."""
    for name in dropped:
        op.drop_index(name, table_name=table)
    op.alter_column(table, "nct_id", new_column_name="trial_id", existing_type=sa.String(length=16),
                    type_=sa.String() if _postgres() else None, existing_nullable=nullable)
    default = None if nullable else sa.text(f"'{CTGOV}'")
    op.add_column(table, sa.Column("registry", sa.String(length=16), nullable=nullable, server_default=default))
    if nullable:
        op.execute(f"UPDATE {table} SET registry = '{CTGOV}' WHERE trial_id IS NOT NULL")
    for name, on in indexes.items():
        op.create_index(name, table, on)


def upgrade() -> None:
    _rename_in_place("snapshot", ["ix_snapshot_nct_id", "ix_snapshot_nct_id_first_seen_at"],
                     {"ix_snapshot_trial": ["registry", "trial_id", "first_seen_at"]})
    _rename_in_place("change_event",
                     ["ix_change_event_nct_id", "ix_change_event_nct_id_detected_at", "ix_change_event_nct_id_kind"],
                     {"ix_change_event_trial": ["registry", "trial_id", "detected_at"],
                      "ix_change_event_trial_kind": ["registry", "trial_id", "kind"]})
    _rename_in_place("alert", ["ix_alert_nct_id"], {"ix_alert_trial": ["registry", "trial_id"]}, nullable=True)
    with op.batch_alter_table("alert") as batch:  # SQLite rebuilds it (NOT NULL dropped); PostgreSQL alters
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch.alter_column("title", existing_type=sa.Text(), nullable=True)
        batch.alter_column("body", existing_type=sa.Text(), nullable=True)

    _rebuild("trial", [
        _registry(primary=True), _trial_id(primary=True),
        sa.Column("served_id", sa.String(), nullable=True),
        sa.Column("snapshot_hash", sa.String(), sa.ForeignKey("snapshot.hash"), nullable=True),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("overall_status", sa.String(), nullable=True),
        sa.Column("last_update_posted", sa.String(), nullable=True),
        sa.Column("added_at", When(), nullable=False),
        sa.Column("baseline_at", When(), nullable=True),
        sa.Column("last_checked_at", When(), nullable=True),
        sa.Column("last_changed_at", When(), nullable=True),
        sa.Column("swept_at", When(), nullable=True),
        sa.Column("missing_since", When(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("expectation_facts", Json, nullable=True),
        sa.Column("expectations_since", When(), nullable=True),
        sa.Column("expectations_due_at", When(), nullable=True),
        sa.Column("expectations_key", sa.String(length=32), nullable=True),
        sa.Column("added_by", sa.String(length=16), nullable=True),
    ], f"SELECT '{CTGOV}', nct_id, registry_id, snapshot_hash, title, overall_status, last_update_posted, added_at, "
       "baseline_at, last_checked_at, last_changed_at, swept_at, missing_since, last_error, expectation_facts, "
       "expectations_since, expectations_due_at, expectations_key, added_by FROM trial",
       {"ix_trial_served_id": ["served_id"], "ix_trial_added_by": ["added_by"]})
    _rebuild("search_match", [
        sa.Column("search_key", sa.String(length=16), primary_key=True), _registry(primary=True),
        _trial_id(primary=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("first_seen_at", When(), nullable=False),
        sa.Column("left_at", When(), nullable=True),
    ], f"SELECT search_key, '{CTGOV}', nct_id, title, status, first_seen_at, left_at FROM search_match", {})
    _rebuild("backfill", [
        _registry(primary=True), _trial_id(primary=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", When(), nullable=False),
        sa.Column("next_attempt_at", When(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
    ], f"SELECT '{CTGOV}', nct_id, state, attempts, last_attempt_at, next_attempt_at, note FROM backfill", {})
    _rebuild("expectation", [
        _registry(primary=True), _trial_id(primary=True),
        sa.Column("name", sa.String(length=48), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("since", When(), nullable=False),
        sa.Column("baseline", sa.Boolean(), nullable=False),
    ], f"SELECT '{CTGOV}', nct_id, name, text, since, baseline FROM expectation", {})
    _rebuild("trial_version", [
        sa.Column("id", sa.Integer(), primary_key=True), _registry(), _trial_id(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("posted", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("modules", sa.JSON(), nullable=True),
        sa.UniqueConstraint("registry", "trial_id", "version", name="uq_trial_version_trial"),
    ], f"SELECT id, '{CTGOV}', nct_id, version, posted, status, modules FROM trial_version",
       {"ix_trial_version_trial": ["registry", "trial_id"]})
    if _postgres():  # the serial's sequence follows the copied ids
        op.execute("SELECT setval(pg_get_serial_sequence('trial_version', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM trial_version), 0) + 1, false)")


def downgrade() -> None:
    raise NotImplementedError("revision 9 is not reversible: restore the backup taken before upgrading")
