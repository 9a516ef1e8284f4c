"""The message a chat or webhook target with the default layout gets, rendered as the delivery
renders it (``chat.md``), for tests that read an alert's text. Needs only the runtime dependencies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from monitor.core.choices import Choices
from monitor.core.model import ChangeEvent, Level
from monitor.delivery.render import AlertContent, EventItem, Rendered, TemplateSource, TrialItem, for_target, render
from monitor.registry.ctgov.facts import CTGOV

CHAT = TemplateSource("chat.md", (resources.files("monitor.delivery") / "templates" / "chat.md").read_text(), "markdown")
FOUND = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)


def trial_item(view: dict[str, Any], events: Sequence[ChangeEvent], when: datetime = FOUND) -> TrialItem:
    """A trial as the delivery reads it from the outbox: its view's id, title, status and date, its events."""
    trial_id = str(view.get("id") or "")
    return TrialItem(trial_id, view.get("title"), (view.get("status") or {}).get("overall"), view.get("updated"),
                     tuple(EventItem(e.kind, e.level.value, e.text, e.old, e.new, when) for e in events),
                     link=CTGOV.study_url(trial_id), registry=CTGOV.name)


def chat_message(view: dict[str, Any], events: Sequence[ChangeEvent], min_level: Level = Level.LOW) -> Rendered | None:
    """What a default chat target whose ``min_level`` is ``min_level`` gets (None: nothing passes)."""
    kept = for_target(AlertContent(trials=(trial_item(view, events),)), Choices(min_level))
    return render(kept, CHAT) if kept is not None else None
