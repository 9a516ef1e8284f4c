"""Real ClinicalTrials.gov v2 records for the core tests, and small ways to edit them like the registry would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from monitor.core.diff import compare
from monitor.core.model import COMPARE_GROUPS, ChangeEvent
from monitor.core.record import view_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov"
FULL_RECORDS = sorted(path.stem for path in FIXTURES.glob("NCT*.json"))
SEARCH_PAGES = ("search-page-2", "search-page-3")


@lru_cache(maxsize=None)
def _raw(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def study(name: str) -> dict[str, Any]:
    """A fresh copy of a fixture study: ``"NCT06171568"``, or the single study of ``"search-page-2"``."""
    data = orjson.loads(_raw(name))
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
        yield found["protocolSection"]["identificationModule"]["nctId"], found


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
