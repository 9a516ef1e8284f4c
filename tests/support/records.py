"""The real ClinicalTrials.gov records under ``tests/fixtures/ctgov/`` (provenance: SOURCES.md), and
small ways to edit them as the registry would. The one loader: the core tests, the stand-in
registry and the scenarios all read the fixtures through it. Needs nothing beyond the runtime
dependencies (no server, no receiver), and loading records imports nothing of the product but its
vocabulary, so the stand-in (inside the benchmarks' process) stays small."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from monitor.core.model import COMPARE_GROUPS, ChangeEvent

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov"
FIXTURES_DIR = FIXTURES
FULL_RECORDS = sorted(path.stem for path in FIXTURES.glob("NCT*.json"))
SEARCH_PAGES = ("search-page-2", "search-page-3")


@lru_cache(maxsize=64)
def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def load_fixture(name: str, directory: Path = FIXTURES) -> dict[str, Any]:
    """A fresh (mutable) copy of ``<directory>/<name>.json``."""
    return orjson.loads(_read_bytes(Path(directory) / f"{name}.json"))


def study(name: str) -> dict[str, Any]:
    """A fresh copy of a fixture study: ``"NCT06171568"``, or the single study of ``"search-page-2"``."""
    data = load_fixture(name)
    if "studies" in data:
        (only,) = data["studies"]
        return only
    return data


def _nct_id(record: dict[str, Any]) -> str:
    return record["protocolSection"]["identificationModule"]["nctId"]


def all_studies() -> Iterator[tuple[str, dict[str, Any]]]:
    """The 12 full records and the two full studies inside search pages 2 and 3."""
    for name in FULL_RECORDS:
        yield name, study(name)
    for page in SEARCH_PAGES:
        found = study(page)
        yield _nct_id(found), found


def fixture_studies(directory: Path = FIXTURES) -> list[dict[str, Any]]:
    """Every full v2 study record in ``directory``, sorted by nctId.

    That is the 12 ``NCT*.json`` single-study files plus the full studies wrapped in search pages
    (search-page-2: NCT03281889, search-page-3: NCT06388018) = 14. The field-subset pages
    (search-page-4/5) and ``partial/`` are skipped: their records carry no ``hasResults``.
    """
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(directory).glob("*.json")):
        doc = orjson.loads(_read_bytes(path))
        candidates = doc.get("studies", []) if isinstance(doc.get("studies"), list) else [doc]
        for st in candidates:
            if isinstance(st, dict) and "protocolSection" in st and "hasResults" in st:
                found[_nct_id(st)] = st
    return [found[k] for k in sorted(found)]


def fixture_histories(directory: Path = FIXTURES) -> dict[str, dict[str, Any]]:
    """``int-history/<id>.history-true.json`` files keyed by id (NCT03690141 in the repo)."""
    return {p.name.split(".")[0]: orjson.loads(_read_bytes(p))
            for p in sorted((Path(directory) / "int-history").glob("*.history-true.json"))}


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
    from monitor.core.diff import compare  # here, not above: the stand-in reads fixtures through this module
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
