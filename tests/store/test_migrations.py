"""Schema migrations on both backends: old databases are upgraded on start, never dropped."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, Column, DateTime, Engine, MetaData, String, Table, create_engine, insert, inspect, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session, SQLModel

from monitor.store import migrations, trials
from monitor.store.db import StoreError, open_engine
from monitor.store.tables import Snapshot, Trial

# Made by revisions only (the models need not declare them): revision 2's outbox index; revision 9
# remade revision 2's history index on (registry, trial_id, detected_at), as the models declare it.
REVISION_INDEXES = {"ix_delivery_state_next_attempt_at", "ix_change_event_trial"}
WHEN = datetime(2026, 3, 4, 5, 6, 7, 890_000, tzinfo=UTC)
_old = MetaData()
OLD_SNAPSHOT = Table(
    "snapshot", _old, Column("hash", String), Column("nct_id", String),
    Column("view", JSON().with_variant(JSONB(), "postgresql")), Column("first_seen_at", DateTime(timezone=True)),
)
OLD_TRIAL = Table(
    "trial", _old, Column("nct_id", String), Column("snapshot_hash", String), Column("title", String),
    Column("added_at", DateTime(timezone=True)),
)


def at_revision(url: str, revision: str, *, forget_alembic: bool = False) -> None:
    """Build a database at ``revision``; ``forget_alembic``: as made before migrations existed."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            command.upgrade(migrations.config(conn), revision)
            if forget_alembic:
                conn.execute(text("DROP TABLE alembic_version"))
        with engine.begin() as conn:  # revision 1's columns (the models may have moved on since)
            conn.execute(
                insert(OLD_SNAPSHOT),
                {"hash": "a" * 64, "nct_id": "NCT00000001", "view": {"title": "Kept", "n": [1, 2]}, "first_seen_at": WHEN},
            )
            conn.execute(
                insert(OLD_TRIAL), {"nct_id": "NCT00000001", "snapshot_hash": "a" * 64, "title": "Kept", "added_at": WHEN}
            )
    finally:
        engine.dispose()


def revision_of(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return migrations.current(conn)


def assert_row_kept(engine: Engine) -> None:
    with Session(engine) as session:
        trial = session.get(Trial, ("ctgov", "NCT00000001"))
        snapshot = session.get(Snapshot, "a" * 64)
        views = trials.snapshot_views(session, ["a" * 64])
    assert trial is not None and trial.title == "Kept" and trial.added_at == WHEN
    assert snapshot is not None and snapshot.view is None and snapshot.packed  # packed on start
    assert views == {"a" * 64: {"title": "Kept", "n": [1, 2]}}


def test_revision_1_database_is_upgraded_to_head_and_keeps_its_rows(store_url: str) -> None:
    at_revision(store_url, "1")
    engine = open_engine(store_url)
    assert revision_of(engine) == migrations.head() != "1"
    assert_row_kept(engine)
    names = {i["name"] for table in ("delivery", "change_event") for i in inspect(engine).get_indexes(table)}
    assert REVISION_INDEXES <= names


def test_database_from_before_migrations_is_stamped_then_upgraded(store_url: str) -> None:
    at_revision(store_url, "1", forget_alembic=True)  # the first release's create_all: tables, no alembic_version
    raw = create_engine(store_url)
    assert revision_of(raw) is None and "trial" in inspect(raw).get_table_names()
    raw.dispose()
    engine = open_engine(store_url)
    assert revision_of(engine) == migrations.head()
    assert_row_kept(engine)


def test_open_engine_twice_is_a_no_op(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    open_engine(store_url).dispose()

    def must_not_run(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a database at head was migrated again")

    monkeypatch.setattr(command, "upgrade", must_not_run)
    monkeypatch.setattr(command, "stamp", must_not_run)
    engine = open_engine(store_url)
    assert revision_of(engine) == migrations.head()


def test_head_matches_the_models(store_url: str) -> None:
    """tables.py and the revisions agree: a model change needs a new revision.

    Indexes made only by a revision (for a query's speed, e.g. revision 2's) need not be
    declared in tables.py: "remove_index" differences are allowed, every other one is not.
    """
    engine = open_engine(store_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, SQLModel.metadata)
    unexplained = [d for d in diffs if not (isinstance(d, tuple) and d[0] == "remove_index")]
    assert unexplained == [], "tables.py differs from the migrations; add a revision:\n" + "\n".join(map(repr, unexplained))


def test_first_starts_at_once_on_a_fresh_database(store_url: str) -> None:
    go = time.time() + 2.0  # after every interpreter has imported the package
    code = (
        "import sys, time; from monitor.store.db import open_engine; "
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time())); open_engine(sys.argv[1]); print('ok')"
    )
    starts = [
        subprocess.Popen([sys.executable, "-c", code, store_url, str(go)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=60)[0] for p in starts]
    assert [p.returncode for p in starts] == [0] * 4, outputs
    engine = open_engine(store_url)
    assert revision_of(engine) == migrations.head()


def test_database_from_a_newer_version_is_refused_in_one_line(store_url: str) -> None:
    engine = open_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '99'"))
    engine.dispose()
    with pytest.raises(StoreError) as raised:
        open_engine(store_url)
    message = str(raised.value)
    assert "'99'" in message and "newer" in message and "\n" not in message


def test_some_tables_but_no_revision_is_refused(store_url: str) -> None:
    raw = create_engine(store_url)
    with raw.begin() as conn:
        conn.execute(text("CREATE TABLE trial (nct_id VARCHAR(16) PRIMARY KEY)"))
    raw.dispose()
    with pytest.raises(StoreError, match="only some of trial-monitor's tables"):
        open_engine(store_url)


def test_head_is_alembic_s_own_head_and_a_database_at_head_opens_without_alembic(tmp_path) -> None:
    """``migrations.HEAD`` spares every start Alembic's import; a revision added without moving it
    would leave new databases at the old revision, so it must be Alembic's head."""
    assert migrations.HEAD == migrations.head()
    url = f"sqlite:///{tmp_path / 'at-head.db'}"
    open_engine(url).dispose()  # created, through Alembic
    probe = ("import sys; from monitor.store.db import open_engine; "
             f"open_engine({url!r}).dispose(); print('alembic' in sys.modules)")
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == "False"
