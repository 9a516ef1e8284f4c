from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.registry.ctgov.standin.registry import StandInRegistry, fixture_studies
from tests.scenarios.away import pg_home, server  # noqa: F401  (a PostgreSQL that goes away: its fixtures)
from tests.scenarios.harness import Home
from tests.support.receivers import JsonReceiver, SmtpReceiver
from tests.support.records import fixture_histories


@pytest.fixture
def registry() -> Iterator[StandInRegistry]:
    with StandInRegistry(fixture_studies(), histories=fixture_histories()) as stand_in:
        yield stand_in


@pytest.fixture
def hook() -> Iterator[JsonReceiver]:
    with JsonReceiver() as receiver:
        yield receiver


@pytest.fixture
def mailbox() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


# Scenarios that look inside the SQLite file itself run on SQLite only. Prefer marking the test
# with @pytest.mark.sqlite_only; this list names the ones that are not marked (yet).
SQLITE_SPECIFIC: dict[str, str] = {}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def home(request: pytest.FixtureRequest, tmp_path: Path, registry: StandInRegistry) -> Home:
    """A user's folder, on each backend: SQLite under snapshots/, or a fresh PostgreSQL database.

    ``home.database`` is the SQLite file's path (unused on PostgreSQL).
    """
    if request.param == "postgresql":
        name = getattr(request.node, "originalname", request.node.name)
        if request.node.get_closest_marker("sqlite_only") or name in SQLITE_SPECIFIC:
            pytest.skip(f"SQLite only: {SQLITE_SPECIFIC.get(name, 'marked sqlite_only')}")
        url = request.getfixturevalue("pg_database_url")
        return Home(tmp_path, registry.base_url, MONITOR_DATABASE_URL=url)
    return Home(tmp_path, registry.base_url)
