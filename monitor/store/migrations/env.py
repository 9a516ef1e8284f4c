"""Alembic environment for trial-monitor.

At runtime ``monitor.store.migrations.upgrade`` passes an open connection in
``config.attributes["connection"]`` (inside its own locked transaction). From the ``alembic``
command line (development only) the URL comes from ``-x url=…`` or ``MONITOR_DATABASE_URL``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine, pool
from sqlmodel import SQLModel

from monitor.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite's ALTER TABLE is limited
        compare_type=True,
    )


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("MONITOR_DATABASE_URL")
    if not url:
        raise SystemExit("give the database: alembic -x url=sqlite:///path/monitor.db … (or MONITOR_DATABASE_URL)")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        _configure(connection)
        context.run_migrations()


def run_offline() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("MONITOR_DATABASE_URL")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
