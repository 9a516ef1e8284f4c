"""Local stand-in for the ClinicalTrials.gov API v2 (see :mod:`tests.standin.registry`)."""

from tests.standin.faults import Fault
from tests.standin.registry import (
    FIXTURES_DIR,
    RequestRecord,
    StandInRegistry,
    fixture_histories,
    fixture_studies,
    load_fixture,
)

__all__ = [
    "FIXTURES_DIR",
    "Fault",
    "RequestRecord",
    "StandInRegistry",
    "fixture_histories",
    "fixture_studies",
    "load_fixture",
]
