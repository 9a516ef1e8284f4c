"""Schema migrations (Alembic), run by ``open_engine`` on every start; no alembic.ini needed.

``upgrade(engine)`` brings any database to the newest revision and never drops data:

* a database already at head costs one read (no lock, no write, and Alembic is not even imported:
  the revision is compared with ``HEAD``, which tests/store/test_migrations.py holds to Alembic's
  own head), and one more to see that no snapshot stored before revision 10 is left to pack
  (``packing.finish``: in batches, resumable);
* a fresh database is created by running the revisions from nothing;
* a database made before migrations existed (our tables, no ``alembic_version``) is stamped
  as revision 1 ("initial", the tables of the first release) and upgraded from there;
* a database from a *newer* trial-monitor (a revision this code does not know) is refused.

Two processes starting at once are serialised: on PostgreSQL by a transaction-level advisory
lock, on SQLite by ``BEGIN IMMEDIATE`` (the write lock, waited for through ``busy_timeout``).
The state is re-read under the lock, so the second process finds the work done. On both
backends the whole upgrade is one transaction (SQLite and PostgreSQL both have transactional DDL).

Developers add a revision after changing tables.py (``[tool.alembic]`` in pyproject.toml points
the ``alembic`` command here; the database comes from ``-x url=…`` or MONITOR_DATABASE_URL)::

    alembic -x url=sqlite:////tmp/dev.db upgrade head
    alembic -x url=sqlite:////tmp/dev.db revision --autogenerate -m "what changed"  # then read it, rename to 000N_…, revision = "N"

tests/test_migrations.py fails while tables.py and the revisions disagree.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, NullPool, create_engine, event, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from monitor.store.errors import first_line, safe_url
from monitor.store.migrations import packing

if TYPE_CHECKING:  # Alembic is imported only when the database is not at HEAD (0.2 s of every start)
    from alembic.config import Config
    from alembic.script import ScriptDirectory

logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines ("Context impl …") are noise here
log = logging.getLogger("monitor.store")

HERE = Path(__file__).resolve().parent
HEAD = "11"  # the newest revision in versions/ (a test holds it to Alembic's own head)
BASELINE = "1"  # the tables of the first release, created by SQLModel before migrations existed
BASELINE_TABLES = frozenset({"trial", "snapshot", "alert", "change_event", "delivery", "cycle"})
_MIGRATION_KEY = 7_307_151_420  # pg_advisory_xact_lock key (the cycle lock uses ...419)


class MigrationError(Exception):
    """The schema cannot be brought up to date: one line for the user."""


def config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at this package (and at ``connection`` when given)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head() -> str:
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory.from_config(config()).get_current_head()
    assert revision is not None
    return revision


def current(connection: Connection) -> str | None:
    """The database's revision (None for a database without ``alembic_version``)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str] | None:
    """Bring the database to head; returns (from, to) when something was done, else None.

    Raises MigrationError (one line), or SQLAlchemy's errors for the caller to word.
    """
    done = None
    if not _at_head(engine):
        from alembic.util import CommandError

        try:
            done = _upgrade(engine)
        except CommandError as exc:
            raise MigrationError(f"cannot migrate the database {safe_url(engine.url)}: {first_line(exc)}") from None
    packing.finish(engine)  # rows stored before revision 10, packed in batches: one read once none is left
    return done


def _at_head(engine: Engine) -> bool:
    """The database is at HEAD, by one plain read (any doubt, e.g. no ``alembic_version``: not)."""
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [HEAD]
    except SQLAlchemyError:
        return False


def _upgrade(engine: Engine) -> tuple[str | None, str] | None:
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config())
    target = script.get_current_head()
    assert target is not None
    with engine.connect() as conn:  # the fast path: no lock when already up to date
        found = current(conn)
    _refuse_unknown(script, found, engine)
    if found == target:
        return None
    with _locked(engine) as conn:
        found = current(conn)  # again, under the lock: another process may have done it
        _refuse_unknown(script, found, engine)
        if found == target:
            return None
        if found is None:
            tables = set(inspect(conn).get_table_names()) & BASELINE_TABLES
            if tables == BASELINE_TABLES:
                command.stamp(config(conn), BASELINE)
                found = BASELINE
            elif tables:
                raise MigrationError(
                    f"the database {safe_url(engine.url)} has only some of trial-monitor's tables "
                    f"({', '.join(sorted(tables))}) and no schema revision; refusing to guess"
                )
        command.upgrade(config(conn), "head")
    if found is None:
        log.debug("created the database schema (revision %s)", target)
    else:
        log.info("upgraded the database schema from revision %s to %s", found, target)
    return found, target


def _refuse_unknown(script: ScriptDirectory, found: str | None, engine: Engine) -> None:
    from alembic.util import CommandError

    if found is None:
        return
    try:
        script.get_revision(found)
    except CommandError:  # "Can't locate revision identified by '…'"
        raise MigrationError(
            f"the database {safe_url(engine.url)} has schema revision {found!r}, newer than this trial-monitor "
            f"knows (it knows up to {script.get_current_head()}); upgrade trial-monitor"
        ) from None


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """One transaction holding the migration lock; committed at the end, rolled back on error."""
    if engine.url.get_backend_name() == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_KEY})
            yield conn
        return
    if engine.url.get_backend_name() == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        # A private engine whose transactions start with BEGIN IMMEDIATE (the driver's own
        # implicit BEGIN is turned off), and without foreign_keys=ON so that batch ("move and
        # copy") migrations can recreate tables.
        private = create_engine(engine.url, poolclass=NullPool)
        event.listen(private, "connect", _sqlite_manual_transactions)
        event.listen(private, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        try:
            with private.begin() as conn:
                yield conn
        finally:
            private.dispose()
        return
    with engine.begin() as conn:  # an in-memory SQLite database: one process, nothing to serialise
        yield conn


def _sqlite_manual_transactions(dbapi_conn: object, _record: object) -> None:
    dbapi_conn.isolation_level = None  # type: ignore[attr-defined]
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
