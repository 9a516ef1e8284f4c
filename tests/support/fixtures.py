"""pytest fixtures for the stand-in registry and the loopback notification receivers.

Imported into ``tests/conftest.py`` with ``from tests.support.fixtures import *  # noqa``; each
fixture imports its server when it is used, so that collecting the pure core's tests imports none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:  # imported by the fixtures themselves: collecting the pure core's tests needs neither
    from monitor.registry.ctgov.standin.registry import StandInRegistry
    from tests.support.receivers import JsonReceiver, SmtpReceiver

__all__ = ["registry", "client", "json_receiver", "smtp_receiver"]


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandInRegistry]:
    """A started stand-in loaded with all 14 fixture studies and the recorded history; MONITOR_CTGOV_URL
    points at it."""
    from monitor.registry.ctgov.standin.registry import StandInRegistry, fixture_studies
    from tests.support.records import fixture_histories

    reg = StandInRegistry(fixture_studies(), histories=fixture_histories()).start()
    monkeypatch.setenv("MONITOR_CTGOV_URL", reg.base_url)
    try:
        yield reg
    finally:
        reg.stop()
    if reg.errors:  # a bug in the stand-in itself (it answered 500): surface it
        pytest.fail("stand-in registry raised internally:\n" + "\n".join(reg.errors), pytrace=False)


@pytest.fixture
def json_receiver() -> Iterator[JsonReceiver]:
    from tests.support.receivers import JsonReceiver

    with JsonReceiver() as rcv:
        yield rcv


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    from tests.support.receivers import SmtpReceiver

    with SmtpReceiver() as rcv:
        yield rcv


@pytest.fixture
def client(registry: StandInRegistry) -> Iterator[httpx.Client]:
    """An HTTP client of the stand-in registry."""
    with httpx.Client(base_url=registry.base_url, timeout=5) as c:
        yield c
