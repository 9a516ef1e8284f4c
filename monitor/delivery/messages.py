"""What one target is sent for one alert: its content read from the outbox, laid out by its template.

The only place a message is made. The content is values (:mod:`monitor.delivery.render`), read
from the events an alert (or a digest) carries; the layout is the target's template, or a default:
``email.html`` for email, ``chat.md`` for services that render Markdown, ``chat.txt`` for those that
show plain text (webhooks, the daemon's output: see ``notify.shows``), ``not_found.md`` for a trial
the registry does not know, ``outage.txt`` for a notice about the registry, ``test.md`` / ``test.txt``
for ``notify-test``.

Every message carries its alert's id (``alert_id_of``): derived from the stored alert row, so it is
the same on every retry, after a restart and for every target of the alert, and differs between
alerts. The templates show it in their footer; ``notify.send`` puts it in a webhook's body and an
email's ``Message-ID``, where receivers de-duplicate on it (docs/targets.md).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from sqlmodel import Session

from monitor.core.outage import OUTAGE
from monitor.core.words import md_escape
from monitor.delivery.notify import TargetLike, shows
from monitor.delivery.render import (
    AlertContent,
    EventItem,
    NoticeItem,
    Rendered,
    TemplateSource,
    TrialItem,
    for_target,
    highest_first,
    render,
)
from monitor.registry.catalogue import DEFAULT, REGISTRIES, about
from monitor.store import outbox, searches, trials
from monitor.store.tables import Alert, ChangeRecord

STYLES = {".html": "html", ".md": "markdown", ".txt": "text"}


@lru_cache(maxsize=8)
def default_template(name: str) -> TemplateSource:
    """A bundled template (``monitor/delivery/templates/``), its style from its extension."""
    text = (resources.files("monitor.delivery") / "templates" / name).read_text(encoding="utf-8")
    return TemplateSource(name=name, text=text, style=STYLES[name[name.rindex("."):]])


CHAT = {"html": "email.html", "markdown": "chat.md", "text": "chat.txt"}


def template_of(target: TargetLike) -> TemplateSource:
    return target.template or default_template(CHAT[shows(target)])


def _built_in(name: str, target: TargetLike) -> TemplateSource:
    """A built-in wording for chat targets (``not_found.md``, ``test.md``) in the style the target shows."""
    if shows(target) == "text":
        plain = name.replace(".md", ".txt")
        if (resources.files("monitor.delivery") / "templates" / plain).is_file():
            return default_template(plain)
        return replace(default_template(name), style="text")  # no Markdown of its own, only escapes
    return default_template(name)


def alert_id_of(alert: Alert) -> str:
    """The alert's stable id: 16 hex digits hashed from its row (database id, when it was made, its trial).

    Nothing new is stored: the same row gives the same id on every retry and after a restart, to
    every target; another alert (or another database's alert of the same number) gets another.
    """
    made = alert.created_at
    made = made.replace(tzinfo=UTC) if made.tzinfo is None else made.astimezone(UTC)
    key = "\x1f".join((str(alert.id), made.isoformat(timespec="microseconds"), alert.registry_key or "",
                        alert.trial_id or ""))
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def message_for(session: Session, alert: Alert, target: TargetLike) -> Rendered | None:
    """``target``'s message for ``alert``: None when its choices leave nothing; TemplateProblem."""
    alert_id = alert_id_of(alert)
    if alert.kind == "notice":
        notice = notice_of(alert, alert_id)  # its values are shown as written
        if shows(target) == "text":
            return Rendered(notice.title, notice.body, "text", alert_id)
        return Rendered(notice.title, md_escape(notice.body), "markdown", alert_id)
    content = replace(content_of(session, alert, target.key), alert_id=alert_id)
    kept = for_target(content, target.choices)
    if kept is None:
        return None
    if alert.kind == "not_found" and target.template is None and shows(target) != "html":
        return render(kept, _built_in("not_found.md", target))  # the built-in wording says what to check
    return render(highest_first(kept) if kept.digest else kept, template_of(target), ZoneInfo(target.zone))


def sample_message_for(target: TargetLike, alert_id: str | None = None) -> Rendered:
    """What ``trial-monitor notify-test`` sends: a made-up alert, laid out as the target's alerts are.

    Its id is new each time (unless given): a receiver de-duplicating must not drop a second test."""
    alert_id = alert_id or secrets.token_hex(8)
    if target.template is None and shows(target) != "html":
        return render(AlertContent(alert_id=alert_id), _built_in("test.md", target))
    sample = TrialItem("NCT00000000", "This is a test message from trial-monitor", "RECRUITING", None, (
        EventItem("status", "high", "Overall status: Not yet recruiting → Recruiting", "NOT_YET_RECRUITING", "RECRUITING"),
        EventItem("date", "medium", "Primary completion: 2026-12 (estimated) → 2028-06-30 (estimated) (slipped 18 months)"),
    ), link=about(DEFAULT).study_url("NCT00000000"))
    rendered = render(AlertContent(trials=(sample,), alert_id=alert_id), template_of(target), ZoneInfo(target.zone))
    return replace(rendered, title=f"[test] {rendered.title}")


def notice_of(alert: Alert, alert_id: str = "") -> Rendered:
    """A notice's title and text (plain), from its stored values through ``outage.txt``; with
    ``alert_id``, a message of its own (its id in the footer), else a part of a digest."""
    if alert.details is None:  # stored before notices were rendered at delivery: it kept its words
        body = alert.body or ""
        return Rendered(alert.title or "", f"{body}\n\nalert {alert_id}" if alert_id else body, "text", alert_id)
    details = dict(alert.details)
    registry = REGISTRIES.get(str(details.pop("registry", "")))
    return render(AlertContent(alert_id=alert_id), default_template("outage.txt"),
                  extra={**details, "registry": registry.name if registry else "The registry"})


def content_of(session: Session, alert: Alert, target_key: str) -> AlertContent:
    """The events (and notices) an alert carries, as values for rendering.

    A digest's content is every member alert's, grouped by trial in the order found.
    """
    if alert.kind == "digest":
        members = outbox.digest_members(session, alert, target_key)
        return AlertContent(trials=_trials(session, members), notices=tuple(
            NoticeItem(n.title, n.body, OUTAGE, a.created_at) for a in members if a.kind == "notice"
            for n in (notice_of(a),)), digest=True, period_start=alert.period_start, period_end=alert.period_end)
    return AlertContent(trials=_trials(session, [alert]))


def _trials(session: Session, alerts: Sequence[Alert]) -> tuple[TrialItem, ...]:
    """The trials these alerts are about, each with its events in the order found."""
    ids = [a.id for a in alerts if a.id is not None and a.kind != "notice"]
    by_trial: dict[tuple[str, str], list[ChangeRecord]] = {}
    for record in outbox.events_of(session, ids):
        by_trial.setdefault((record.registry_key, record.trial_id), []).append(record)
    items = []
    for registry in dict.fromkeys(key for key, _ in by_trial):
        mine = {trial_id: found for (key, trial_id), found in by_trial.items() if key == registry}
        known = trials.rows(session, registry, list(mine))
        listed = searches.titles(session, [i for i in mine if i not in known])  # search matches nobody watches
        facts = about(registry)
        for trial_id, found in mine.items():
            trial = known.get(trial_id)
            shown = (trial.served_id if trial is not None and trial.served_id else None) or trial_id
            items.append(TrialItem(
                trial_id=shown, title=trial.title if trial else listed.get(trial_id),
                status=trial.overall_status if trial else None,
                updated=found[-1].registry_date or (trial.last_update_posted if trial else None),
                events=tuple(EventItem(r.kind, r.level, r.text, r.old, r.new, r.detected_at) for r in found),
                link=facts.study_url(shown), registry=facts.name,
            ))
    return tuple(items)
