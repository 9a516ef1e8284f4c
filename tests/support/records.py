"""The real ClinicalTrials.gov records (provenance: SOURCES.md beside them), and small ways to edit
them as the registry would. The one loader: the core tests, the stand-in registry and the scenarios
all read the fixtures through it. The full records and search pages ship with the package, beside
the stand-in that serves them (``monitor/registry/ctgov/standin/records/``); the test-only answers
(``int-history/``, ``partial/``, ``v1/``) stay under ``tests/fixtures/ctgov/``. Needs nothing beyond
the runtime dependencies (no server, no receiver), and loading records imports nothing of the
product but its vocabulary, so the stand-in (inside the benchmarks' process) stays small."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from monitor.core.model import COMPARE_GROUPS, ChangeEvent
from monitor.registry.ctgov.standin import fixtures as bundled
from monitor.registry.ctgov.standin.fixtures import RECORDS, fixture_studies

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov"  # the test-only answers
FIXTURES_DIR = RECORDS
FULL_RECORDS = sorted(path.stem for path in RECORDS.glob("NCT*.json"))
SEARCH_PAGES = ("search-page-2", "search-page-3")

__all__ = ["FIXTURES", "FIXTURES_DIR", "RECORDS", "fixture_histories", "fixture_studies", "load_fixture"]


def load_fixture(name: str, directory: Path | None = None) -> dict[str, Any]:
    """A fresh (mutable) copy of ``<name>.json``: a bundled record (``"NCT06171568"``,
    ``"search-page-2"``) or a test-only one (``"partial/NCT02576665"``), or from ``directory``."""
    if directory is None:
        directory = RECORDS if (RECORDS / f"{name}.json").is_file() else FIXTURES
    return bundled.load_fixture(name, directory)


def study(name: str) -> dict[str, Any]:
    """A fresh copy of a fixture study: ``"NCT06171568"``, or the single study of ``"search-page-2"``."""
    data = load_fixture(name)
    if "studies" in data:
        (only,) = data["studies"]
        return only
    return data


def all_studies() -> Iterator[tuple[str, dict[str, Any]]]:
    """The 12 full records and the two full studies inside search pages 2 and 3."""
    for name in FULL_RECORDS:
        yield name, study(name)
    for page in SEARCH_PAGES:
        found = study(page)
        yield bundled.nct_id(found), found


def fixture_histories(directory: Path = FIXTURES) -> dict[str, dict[str, Any]]:
    """``int-history/<id>.history-true.json`` answers keyed by id (NCT03690141, test-only)."""
    return bundled.fixture_histories(directory)


def status_module(record: dict[str, Any]) -> dict[str, Any]:
    return record["protocolSection"]["statusModule"]


def module(record: dict[str, Any], name: str) -> dict[str, Any]:
    return record["protocolSection"].setdefault(name, {})


def changes(
    name: str | dict[str, Any],
    edit: Callable[[dict[str, Any]], None],
    before: Callable[[dict[str, Any]], None] | None = None,
    groups: tuple[str, ...] | list[str] = COMPARE_GROUPS,
) -> list[ChangeEvent]:
    """Events between a fixture (optionally prepared by ``before``) and a copy edited by ``edit``."""
    from monitor.core.diff import compare  # here, not above: loading records stays light
    from monitor.registry.ctgov.record import view_of

    old = study(name) if isinstance(name, str) else name
    if before:
        before(old)
    new = orjson.loads(orjson.dumps(old))
    edit(new)
    return compare(view_of(old), view_of(new), groups)


def swap_three_sites(record: dict[str, Any]) -> None:
    """Remove the first three sites and add three new ones (Lyon, Porto, Leeds)."""
    locations = module(record, "contactsLocationsModule")["locations"]
    del locations[:3]
    for number, (city, country) in enumerate([("Lyon", "France"), ("Porto", "Portugal"), ("Leeds", "United Kingdom")]):
        locations.append({"facility": f"New Site {number + 1}", "city": city, "country": country})
