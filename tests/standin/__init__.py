"""Local stand-in for the ClinicalTrials.gov API v2 (see :mod:`tests.standin.registry`)."""

from tests.standin.faults import Fault
from tests.standin.limits import RateLimiter
from tests.standin.registry import (
    FIXTURES_DIR,
    RequestRecord,
    StandInRegistry,
    fixture_histories,
    fixture_studies,
    load_fixture,
)
from tests.standin.store import DictStore, StudyStore
from tests.standin.synthetic import SyntheticStudies

__all__ = [
    "FIXTURES_DIR",
    "DictStore",
    "Fault",
    "RateLimiter",
    "RequestRecord",
    "StandInRegistry",
    "StudyStore",
    "SyntheticStudies",
    "fixture_histories",
    "fixture_studies",
    "load_fixture",
]
