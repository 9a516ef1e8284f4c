"""The real ClinicalTrials.gov records the stand-in serves by default, shipped with the package in
``records/`` (provenance: ``records/SOURCES.md``): 12 full studies and the search pages, copied
byte-for-byte from public repositories. Reads them; imports nothing of the product, so the tests'
loader (``tests/support/records.py``) and the pure core's tests can use it without the server."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

RECORDS = Path(__file__).resolve().parent / "records"
FIXTURES_DIR = RECORDS

__all__ = ["FIXTURES_DIR", "RECORDS", "fixture_histories", "fixture_studies", "load_fixture", "nct_id"]


@lru_cache(maxsize=64)
def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def load_fixture(name: str, directory: Path = RECORDS) -> dict[str, Any]:
    """A fresh (mutable) copy of ``<directory>/<name>.json``."""
    return orjson.loads(_read_bytes(Path(directory) / f"{name}.json"))


def nct_id(record: dict[str, Any]) -> str:
    return record["protocolSection"]["identificationModule"]["nctId"]


def fixture_studies(directory: Path = RECORDS) -> list[dict[str, Any]]:
    """Every full v2 study record in ``directory``, sorted by nctId (fresh copies).

    In ``records/``: the 12 ``NCT*.json`` single-study files plus the full studies wrapped in
    search pages (search-page-2: NCT03281889, search-page-3: NCT06388018) = 14. The field-subset
    pages (search-page-4/5) are skipped: their records carry no ``hasResults``.
    """
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(directory).glob("*.json")):
        doc = orjson.loads(_read_bytes(path))
        candidates = doc.get("studies", []) if isinstance(doc.get("studies"), list) else [doc]
        for st in candidates:
            if isinstance(st, dict) and "protocolSection" in st and "hasResults" in st:
                found[nct_id(st)] = st
    return [found[k] for k in sorted(found)]


def fixture_histories(directory: Path = RECORDS) -> dict[str, dict[str, Any]]:
    """``<directory>/int-history/<id>.history-true.json`` answers keyed by id (none ship with the
    package; the tests keep NCT03690141's under ``tests/fixtures/ctgov/int-history``)."""
    return {p.name.split(".")[0]: orjson.loads(_read_bytes(p))
            for p in sorted((Path(directory) / "int-history").glob("*.history-true.json"))}
