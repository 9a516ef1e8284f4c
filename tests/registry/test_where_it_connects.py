"""Every registry error names the registry's URL (its user name and password masked), and a URL that is
not an API says "is MONITOR_CTGOV_URL right?". Against the stand-in, through the Registry protocol."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from monitor.core.words import shown_url
from monitor.registry.base import RegistryUnavailable
from monitor.registry.catalogue import DEFAULT, open_registry
from monitor.registry.ctgov.standin.registry import StandInRegistry, fixture_studies
from monitor.settings import Settings, SettingsError
from tests.scenarios.harness import free_port


@pytest.fixture(scope="module")
def registry() -> Iterator[StandInRegistry]:
    with StandInRegistry(fixture_studies()) as stand_in:
        yield stand_in


def _version(url: str, attempts: int = 2) -> str:
    async def ask() -> str:
        async with open_registry(DEFAULT, api_url=url, pause=0, timeout=3, attempts=attempts, budget=5) as found:
            return await found.version()

    with pytest.raises(RegistryUnavailable) as info:
        asyncio.run(ask())
    return str(info.value)


def _with_password(url: str) -> str:
    return url.replace("http://", "http://alice:hunter2@")


def test_a_base_url_without_the_api_asks_whether_it_is_right(registry: StandInRegistry) -> None:
    wrong = f"{registry.root_url}/api/v1"
    registry.reset_log()
    assert _version(wrong) == f"the registry at {wrong} has no /version (HTTP 404): is MONITOR_CTGOV_URL right?"
    assert registry.count("/version") == 1  # refused: not retried


def test_a_password_in_the_url_is_masked_in_every_error(registry: StandInRegistry,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    masked = registry.base_url.replace("http://", "http://***@")
    assert shown_url(_with_password(registry.base_url)) == masked
    registry.fault("status", path="/version", times=2, status=503)
    with caplog.at_level(logging.WARNING, logger="monitor.registry"):
        message = _version(_with_password(registry.base_url))
    assert message == f"the registry at {masked} did not answer /version (2 tries): HTTP 503"
    assert caplog.messages[0].startswith(f"registry request to {masked}/version failed (HTTP 503); retry 1 in ")
    assert "hunter2" not in message + caplog.text


def test_a_registry_that_does_not_answer_is_named() -> None:
    url = f"http://127.0.0.1:{free_port()}/api/v2"  # nothing listens there
    assert _version(url, attempts=1) == f"the registry at {url} did not answer /version (1 try): could not connect"


def test_garbage_is_named_with_the_url(registry: StandInRegistry) -> None:
    registry.fault("garbage", path="/version", times=1)
    message = _version(registry.base_url, attempts=1)
    assert message == (f"the registry at {registry.base_url} did not answer /version (1 try): "
                       "an unreadable (truncated or non-JSON) answer")


def test_the_settings_refuse_a_registry_url_that_is_not_http_and_mask_it() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"MONITOR_CTGOV_URL": "ftp://bob:s3cret@example.org/api"})
    assert str(info.value) == ("MONITOR_CTGOV_URL='ftp://***@example.org/api' is not an http:// or https:// URL "
                               "(e.g. https://clinicaltrials.gov/api/v2)")
    shown = Settings.from_env({"MONITOR_CTGOV_URL": "https://bob:s3cret@example.org/api/v2/"})
    assert shown.ctgov_url == "https://bob:s3cret@example.org/api/v2"
    assert shown.ctgov_shown == "https://***@example.org/api/v2"


def test_a_database_given_as_a_path_is_sqlite_there(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"MONITOR_DATABASE_URL": str(tmp_path / "env.db")})
    assert settings.database_url == f"sqlite:///{tmp_path / 'env.db'}"
    assert settings.with_files(database="data/trials.db").database_url == "sqlite:///data/trials.db"
    assert settings.with_files(database="postgresql://u@db/tm").database_url == "postgresql://u@db/tm"
    assert settings.with_files().database_url == settings.database_url
