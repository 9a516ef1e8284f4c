"""The recorded ClinicalTrials.gov answers under ``tests/fixtures/ctgov/``, as the stand-in serves them."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from tests.standin import query as q

FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "ctgov"


@functools.lru_cache(maxsize=64)
def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def load_fixture(nct_id: str, directory: Path = FIXTURES_DIR) -> dict[str, Any]:
    """A fresh (mutable) copy of ``<directory>/<nct_id>.json``."""
    return json.loads(_read_bytes(Path(directory) / f"{nct_id}.json"))


def fixture_studies(directory: Path = FIXTURES_DIR) -> list[dict[str, Any]]:
    """Every full v2 study record in ``directory``, sorted by nctId.

    That is the 12 ``NCT*.json`` single-study files plus the full studies wrapped in search pages
    (search-page-2: NCT03281889, search-page-3: NCT06388018) = 14. The field-subset pages
    (search-page-4/5) and ``partial/`` are skipped: their records carry no ``hasResults``.
    """
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(directory).glob("*.json")):
        doc = json.loads(_read_bytes(path))
        candidates = doc.get("studies", []) if isinstance(doc.get("studies"), list) else [doc]
        for st in candidates:
            if isinstance(st, dict) and "protocolSection" in st and "hasResults" in st:
                found[q.nct_id_of(st)] = st
    return [found[k] for k in sorted(found)]


def fixture_histories(directory: Path = FIXTURES_DIR) -> dict[str, dict[str, Any]]:
    """``int-history/<id>.history-true.json`` files keyed by id (NCT03690141 in the repo)."""
    return {p.name.split(".")[0]: json.loads(_read_bytes(p))
            for p in sorted((Path(directory) / "int-history").glob("*.history-true.json"))}
