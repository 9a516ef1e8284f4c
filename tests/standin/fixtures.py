"""The recorded ClinicalTrials.gov answers under ``tests/fixtures/ctgov/``, as the stand-in serves them
(read through the tests' one loader, ``tests.support.records``)."""

from tests.support.records import FIXTURES_DIR, fixture_histories, fixture_studies, load_fixture

__all__ = ["FIXTURES_DIR", "fixture_histories", "fixture_studies", "load_fixture"]
