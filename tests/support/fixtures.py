"""pytest fixtures for the stand-in registry and the loopback notification receivers.

Imported into ``tests/conftest.py`` with ``from tests.support.fixtures import *  # noqa``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.standin.registry import StandInRegistry, fixture_studies
from tests.support.receivers import JsonReceiver, SmtpReceiver

__all__ = ["registry", "json_receiver", "smtp_receiver"]


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandInRegistry]:
    """A started stand-in loaded with all 14 fixture studies; MONITOR_CTGOV_URL points at it."""
    reg = StandInRegistry(fixture_studies()).start()
    monkeypatch.setenv("MONITOR_CTGOV_URL", reg.base_url)
    try:
        yield reg
    finally:
        reg.stop()
    if reg.errors:  # a bug in the stand-in itself (it answered 500): surface it
        pytest.fail("stand-in registry raised internally:\n" + "\n".join(reg.errors), pytrace=False)


@pytest.fixture
def json_receiver() -> Iterator[JsonReceiver]:
    with JsonReceiver() as rcv:
        yield rcv


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as rcv:
        yield rcv
