"""One target's message: its share of an alert (or digest), rendered by a sandboxed Jinja2 template.

Every message trial-monitor sends is rendered here, once, at delivery. Pure: the content comes
in as values, the template as text; nothing is read or sent here.

* ``for_target`` keeps the events a target's choices let through (None: nothing for it).
* ``render`` fills a template. Its output's first line is the message title; the rest, after
  any blank lines, is the body. The template's *style* says how values are escaped: ``html``
  (autoescape: record text can never become markup), ``markdown`` (every printed value is
  Markdown-escaped, so record text cannot become links or HTML once apprise converts it) or
  ``text`` (as is).

Registry text arrives Markdown-escaped from the event builders (``words.md_escape``); it is
turned back into plain text here and escaped again for the template's style. The template
variables are documented in docs/targets.md ("Template variables").
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from monitor.core.choices import NOTICE_LEVEL, Choices
from monitor.core.model import Level
from monitor.core.status import status_words
from monitor.core.words import clip, md_escape, md_unescape

STYLES = ("html", "markdown", "text")
@dataclass(frozen=True)
class EventItem:
    """One event as a message shows it. ``text`` is as stored (Markdown-escaped record text)."""

    kind: str
    level: str
    text: str
    old: Any = None
    new: Any = None
    detected_at: datetime | None = None


@dataclass(frozen=True)
class TrialItem:
    trial_id: str  # as the registry serves it now
    title: str | None = None  # as the registry gives it (plain text)
    status: str | None = None  # the neutral status code, e.g. RECRUITING
    updated: str | None = None  # last update posted
    events: tuple[EventItem, ...] = ()
    link: str = ""  # its public page on the registry
    registry: str = ""  # the registry's name, e.g. ClinicalTrials.gov


@dataclass(frozen=True)
class NoticeItem:
    """A message about the monitor itself (an outage, its end): its title and text, as written."""

    title: str
    body: str
    kind: str = "outage"
    detected_at: datetime | None = None


@dataclass(frozen=True)
class AlertContent:
    """What one message (an alert, or a digest) is about, before a target's filter."""

    trials: tuple[TrialItem, ...] = ()
    notices: tuple[NoticeItem, ...] = ()
    digest: bool = False
    period_start: datetime | None = None
    period_end: datetime | None = None
    alert_id: str = ""  # the alert's stable id (messages.alert_id_of): receivers de-duplicate on it

    @property
    def empty(self) -> bool:
        return not any(t.events for t in self.trials) and not self.notices


@dataclass(frozen=True)
class TemplateSource:
    """A template's text, the name errors are reported under, and its style (html | markdown | text)."""

    name: str
    text: str
    style: str = "markdown"


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    style: str = "markdown"
    alert_id: str = ""  # carried to the target beside the text: a JSON key, an email's Message-ID


class TemplateProblem(ValueError):
    """A template cannot be compiled or rendered; the message names the template and the line."""

    def __init__(self, name: str, message: str, line: int | None = None) -> None:
        self.name, self.line, self.reason = name, line, " ".join(str(message).split())
        where = f"{name}, line {line}" if line else name
        super().__init__(f"template {where}: {self.reason}")


# ---------------------------------------------------------------- what a target gets


def for_target(content: AlertContent, choices: Choices) -> AlertContent | None:
    """The part of ``content`` that passes a target's choices; None when nothing does."""
    trials = []
    for trial in content.trials:
        events = tuple(e for e in trial.events if choices.passes(e.kind, e.level))
        if events:
            trials.append(replace(trial, events=events))
    notices = tuple(n for n in content.notices if choices.passes(n.kind, NOTICE_LEVEL))
    kept = replace(content, trials=tuple(trials), notices=notices)
    return None if kept.empty else kept


def _rank(level: str) -> int:
    return Level(level).rank


def highest_first(content: AlertContent) -> AlertContent:
    """A digest's order: trials by their most important event, events by level (stable among equals)."""
    trials = [replace(t, events=tuple(sorted(t.events, key=lambda e: -_rank(e.level)))) for t in content.trials]
    trials.sort(key=lambda t: -max((_rank(e.level) for e in t.events), default=0))
    return replace(content, trials=tuple(trials))


# ---------------------------------------------------------------- templates


def _finalize_markdown(value: Any) -> Any:
    if value is None:
        return ""
    return value if isinstance(value, Markup) else md_escape(str(value))


def _finalize_plain(value: Any) -> Any:
    return "" if value is None else value


@lru_cache(maxsize=64)
def _environment(style: str) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        autoescape=style == "html",
        finalize=_finalize_markdown if style == "markdown" else _finalize_plain,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["clip"] = clip
    return env


@lru_cache(maxsize=64)
def compile_template(source: TemplateSource) -> Any:
    """A compiled template; TemplateProblem (with the line) for a syntax error."""
    if source.style not in STYLES:
        raise TemplateProblem(source.name, f"unknown style '{source.style}' (known: {', '.join(STYLES)})")
    try:
        return _environment(source.style).from_string(source.text)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(source.name, exc.message or "syntax error", exc.lineno) from None


def render(content: AlertContent, source: TemplateSource, zone: ZoneInfo | None = None,
           extra: Mapping[str, Any] | None = None) -> Rendered:
    """Fill ``source`` with ``content`` (and ``extra`` variables); TemplateProblem when the template
    fails (the line, the reason)."""
    template = compile_template(source)
    try:
        text = template.render({**template_context(content, zone), **(extra or {})})
    except TemplateError as exc:
        raise TemplateProblem(source.name, f"{type(exc).__name__}: {exc}", _error_line(exc)) from None
    except Exception as exc:  # noqa: BLE001 - a user's template may fail in any way: that delivery fails
        raise TemplateProblem(source.name, f"{type(exc).__name__}: {exc}", _error_line(exc)) from None
    first, _, rest = text.strip("\n").partition("\n")
    title = " ".join(first.split())
    if source.style == "html":
        title = html.unescape(re.sub(r"<[^>]*>", "", title))
    body = rest.strip("\n")
    if not title:
        raise TemplateProblem(source.name, "the first line (the message title) came out empty")
    return Rendered(title=title, body=body or title, style=source.style, alert_id=content.alert_id)


def _error_line(exc: BaseException) -> int | None:
    """The template line an error came from (Jinja keeps it in the traceback's template frames)."""
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return getattr(exc, "lineno", None) or line


def _when(moment: datetime | None, zone: ZoneInfo | None, with_time: bool = True) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(zone) if zone is not None else moment
    return local.strftime("%Y-%m-%d %H:%M %Z" if with_time else "%Y-%m-%d")


def _event(event: EventItem, zone: ZoneInfo | None) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "level": event.level,
        "text": md_unescape(event.text),
        "old": event.old,
        "new": event.new,
        "date": _when(event.detected_at, zone, with_time=False),
        "summary": results_summary(event),
    }


def results_summary(event: EventItem) -> dict[str, Any] | None:
    """What posted results say (:func:`monitor.core.findings.summary`), on a results-posted event; else None."""
    summary = event.new.get("summary") if event.kind == "results" and isinstance(event.new, dict) else None
    return summary if isinstance(summary, dict) and summary.get("outcomes") is not None else None


def short_form(text: str, limit: int = 100) -> str:
    """An event's sentence as a title fragment: ``"Overall status: A → B"`` → ``"overall status A → B"``."""
    first = text.split(". ")[0]
    label, sep, rest = first.partition(": ")
    shown = f"{label} {rest}" if sep and len(label) <= 40 else first
    if not shown.startswith("PMID"):
        shown = shown[:1].lower() + shown[1:]
    shown = clip(shown, limit)
    return shown[:-1] + "…" if shown.endswith("\\…") else shown


def headline(events: Sequence[EventItem]) -> str:
    """The most important event as a title fragment (``overall status Recruiting → Completed``)."""
    if not events:
        return ""
    lead = max(events, key=lambda e: _rank(e.level))  # the first among equals
    return md_unescape(short_form(lead.text))


def template_context(content: AlertContent, zone: ZoneInfo | None = None) -> dict[str, Any]:
    """The documented template variables (docs/targets.md: "Template variables")."""
    trials = []
    for trial in content.trials:
        events = [_event(e, zone) for e in trial.events]
        trials.append({
            "nct_id": trial.trial_id,  # the name templates have always used, whatever the registry
            "trial_id": trial.trial_id,
            "title": trial.title or trial.trial_id,
            "link": trial.link,
            "registry": trial.registry,
            "status": status_words(trial.status) if trial.status else "",
            "updated": trial.updated or "",
            "highest_level": max((e.level for e in trial.events), key=_rank, default=""),
            "headline": headline(trial.events),
            "events": events,
        })
    levels = [e.level for t in content.trials for e in t.events] + [NOTICE_LEVEL.value for _ in content.notices]
    return {
        "digest": content.digest,
        "trials": trials,
        "notices": [{"title": n.title, "text": n.body, "kind": n.kind,
                     "date": _when(n.detected_at, zone, with_time=False)} for n in content.notices],
        "count": sum(len(t.events) for t in content.trials),
        "highest_level": max(levels, key=_rank, default=""),
        "period_start": _when(content.period_start, zone),
        "period_end": _when(content.period_end, zone),
        "timezone": str(zone) if zone is not None else "UTC",
        "registry": ", ".join(dict.fromkeys(t.registry for t in content.trials if t.registry)),
        "alert_id": content.alert_id,
    }
