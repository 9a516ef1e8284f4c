"""Where the benchmark's checks keep their database: an SQLite file in each user's folder (the default),
or, with ``--postgres``, a database each on a PostgreSQL server (a throwaway cluster made from Debian's
packages as the tests make one, but with PostgreSQL's own durable defaults on disk; or the server of
``--postgres-url``). Sizes: the SQLite file with its ``-wal`` and ``-shm``, or ``pg_database_size``."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


class Databases:
    def __init__(self, postgres: bool = False, server_url: str | None = None) -> None:
        self.postgres = postgres or bool(server_url)
        self.server_url = server_url
        self._stack = contextlib.ExitStack()
        self.version = f"SQLite {sqlite3.sqlite_version}"
        self.empty: dict[str, int] = {}  # a PostgreSQL database's size when created: its system catalogs

    def __enter__(self) -> Databases:
        if self.postgres and not self.server_url:
            from tests.support.postgres import throwaway_server

            self.server_url = self._stack.enter_context(throwaway_server(durable=True))
        if self.postgres:
            with self._admin() as conn:
                self.version = "PostgreSQL " + conn.execute(text("SHOW server_version")).scalar_one().split()[0]
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @contextlib.contextmanager
    def _admin(self) -> Iterator[object]:
        engine = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                yield conn
        finally:
            engine.dispose()

    def url(self, home: Path, folder: str) -> str:
        """An empty database for the user's folder ``folder`` (its SQLite file under ``home``)."""
        if not self.postgres:
            return f"sqlite:///{home / 'monitor.db'}"
        name = "bench_" + (folder.replace("-", "_") or "main")
        with self._admin() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            self.empty[name] = int(conn.execute(text("SELECT pg_database_size(:n)"), {"n": name}).scalar_one())
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def size(self, url: str) -> int:
        """Bytes the database takes now (on PostgreSQL, beyond its system catalogs)."""
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            path = Path(parsed.database or "")
            return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
        with self._admin() as conn:
            found = int(conn.execute(text("SELECT pg_database_size(:n)"), {"n": parsed.database}).scalar_one())
        return found - self.empty.get(parsed.database or "", 0)
