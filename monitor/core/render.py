"""Messages people read: a title and a Markdown body, built from a trial view and its change events.

Record text is untrusted; it is escaped with ``md_escape`` (here and in events) so that the
Markdown→HTML conversion apprise does for email can never produce markup from it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from monitor.core.model import ChangeEvent, Level, Message
from monitor.core.words import clip, date_words, inline, md_escape, status_words

__all__ = [
    "date_words",
    "md_escape",
    "render_change",
    "render_not_found",
    "render_test_message",
    "shown_events",
    "status_words",
    "study_link",
]

STUDY_URL = "https://clinicaltrials.gov/study/{nct_id}"
_NCT_ID = re.compile(r"^NCT\d{8}$")


def study_link(nct_id: str) -> str:
    """The public page of a study on ClinicalTrials.gov."""
    return STUDY_URL.format(nct_id=nct_id if _NCT_ID.match(nct_id) else md_escape(nct_id))


def shown_events(events: Sequence[ChangeEvent]) -> list[ChangeEvent]:
    """The events a pushed message lists: INFO ones only when there is nothing else."""
    pushed = [event for event in events if event.level != Level.INFO]
    return pushed or list(events)


def short_form(event: ChangeEvent, limit: int = 100) -> str:
    """An event as a title fragment: ``"Overall status: A → B"`` → ``"overall status A → B"``."""
    first = event.text.split(". ")[0]
    label, sep, rest = first.partition(": ")
    text = f"{label} {rest}" if sep and len(label) <= 40 else first
    if not text.startswith("PMID"):
        text = text[:1].lower() + text[1:]
    text = clip(text, limit)
    return text[:-1] + "…" if text.endswith("\\…") else text


def _lead_event(events: Sequence[ChangeEvent]) -> ChangeEvent:
    """The most important event; the first one among equals (events come in a sensible order)."""
    return max(events, key=lambda event: event.level.rank)  # max() keeps the first of equals


def render_change(view: dict[str, Any], events: Sequence[ChangeEvent]) -> Message:
    """The alert for one trial that changed."""
    nct_id = str(view.get("id") or "")
    listed = shown_events(events)
    title = f"{md_escape(nct_id)} · {inline(view.get('title') or nct_id, 80)}"
    if listed:
        title += f": {short_form(_lead_event(listed))}"
        if len(listed) > 1:
            title += f" (+{len(listed) - 1} more)"
    lines = [f"**{inline(view.get('title') or nct_id, 300)}** ({md_escape(nct_id)})", ""]
    lines += [f"- {event.text}" for event in listed] or ["- No change in the compared fields"]
    footer = study_link(nct_id)
    if view.get("updated"):
        footer = f"Last update posted {md_escape(str(view['updated']))} · {footer}"
    lines += ["", footer]
    return Message(title=title, body="\n".join(lines))


def render_not_found(nct_id: str) -> Message:
    """ClinicalTrials.gov answered, but has no study with this id."""
    shown = md_escape(nct_id)
    body = "\n".join(
        [
            f"ClinicalTrials.gov answered but has no study {shown}.",
            "",
            "Check the id in the watchlist: it may be mistyped, or the study may have been "
            "withdrawn before it was ever posted. trial-monitor keeps asking and will tell you if it appears.",
            "",
            study_link(nct_id),
        ]
    )
    return Message(title=f"{shown} · not found on ClinicalTrials.gov", body=body)


def render_test_message() -> Message:
    """What ``trial-monitor notify-test`` sends, so people can see alerts arrive and how they look."""
    body = "\n".join(
        [
            "**This is a test message from trial-monitor** (NCT00000000)",
            "",
            f"- Overall status: {status_words('NOT_YET_RECRUITING')} → {status_words('RECRUITING')}",
            f"- Primary completion: {date_words({'date': '2026-12', 'type': 'ESTIMATED'})} → "
            f"{date_words({'date': '2028-06-30', 'type': 'ESTIMATED'})} (slipped 18 months)",
            "",
            "If you can read this, alerts will reach you here. No trial has changed.",
        ]
    )
    return Message(title="trial-monitor · test message: alerts reach you here", body=body)
