from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scenarios.harness import Home
from tests.standin.registry import StandInRegistry, fixture_studies
from tests.support.receivers import JsonReceiver, SmtpReceiver


@pytest.fixture
def registry() -> Iterator[StandInRegistry]:
    with StandInRegistry(fixture_studies()) as stand_in:
        yield stand_in


@pytest.fixture
def hook() -> Iterator[JsonReceiver]:
    with JsonReceiver() as receiver:
        yield receiver


@pytest.fixture
def mailbox() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def home(tmp_path: Path, registry: StandInRegistry) -> Home:
    return Home(tmp_path, registry.base_url)
