"""Each target gets its alert in the style it shows: Markdown escapes reach only a target that reads
Markdown (issue 12 A10: ``\\[ACCIO\\]`` leaked into webhook bodies), on a real record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitor.core.choices import Choices
from monitor.core.model import Level
from monitor.delivery.messages import sample_message_for, template_of
from monitor.delivery.notify import ConsoleTarget, shows
from monitor.delivery.render import AlertContent, for_target, render
from monitor.registry.ctgov.record import view_of
from monitor.watchlist import load_watchlist
from tests.support.messages import trial_item
from tests.support.records import changes, status_module, study

WHY = "The sponsor stopped the [ACCIO] programme (see *amendment 3*)"


def _terminate(record: dict[str, Any]) -> None:
    status_module(record)["overallStatus"] = "TERMINATED"
    status_module(record)["whyStopped"] = WHY


def _targets(tmp_path: Path, *urls: str) -> dict[str, Any]:
    path = tmp_path / "watchlist.yaml"
    path.write_text("notify:\n" + "".join(f"  - {u}\n" for u in urls) + "trials:\n  - NCT06171568\n")
    return {t.url.partition("://")[0] + ("?" + t.url.partition("?")[2] if "?" in t.url else ""): t
            for t in load_watchlist(path, env={}).targets}


@pytest.fixture
def message_for(tmp_path: Path):  # type: ignore[no-untyped-def]
    record = study("NCT06171568")
    _terminate(record)
    content = AlertContent(trials=(trial_item(view_of(record), changes("NCT06171568", _terminate)),))

    def _for(target: Any) -> Any:
        kept = for_target(content, Choices(Level.LOW))
        assert kept is not None
        return render(kept, template_of(target))

    return _for


def test_a_webhook_gets_plain_text_a_chat_app_markdown(tmp_path: Path, message_for: Any) -> None:
    targets = _targets(tmp_path, "json://127.0.0.1:9/hook", "discord://1234/abcd", "ntfy://127.0.0.1/topic",
                       "mailto://user:pass@example.org", "json://127.0.0.1:9/md?format=markdown")
    webhook = message_for(targets["json"])
    assert webhook.style == "text"
    assert f"Why stopped: “{WHY}”" in webhook.body and "\\" not in webhook.body and "**" not in webhook.body
    chat = message_for(targets["discord"])
    assert chat.style == "markdown"
    assert "\\[ACCIO\\]" in chat.body and "\\*amendment 3\\*" in chat.body  # shown literally once rendered
    assert chat.body.startswith("**Lariboisière")
    assert message_for(targets["ntfy"]).style == "text"
    assert message_for(targets["mailto"]).style == "html"
    assert message_for(targets["json?format=markdown"]).style == "markdown"  # the URL's own choice wins


def test_the_daemons_output_is_plain_text(message_for: Any) -> None:
    console = message_for(ConsoleTarget())
    assert "\\" not in console.body and "**" not in console.body
    assert console.body.startswith("Lariboisière Cognitive Assessment")
    assert shows(ConsoleTarget()) == "text"
    assert sample_message_for(ConsoleTarget()).body.startswith("This is a test message from trial-monitor (NCT00000000)")
