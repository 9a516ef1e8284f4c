"""Sending one message to one target through apprise, or to the daemon's output.

Each send uses a fresh ``Apprise`` object (no email rate-limit sleep between targets), a
per-target time limit, and reports failures in words that carry no secret: apprise's own
log lines are screened, and targets are only ever named by their masked form.

Each message carries its alert's id (``Rendered.alert_id``) beside its text: a top-level key
``alert_id`` in a webhook's body (``json://``, ``form://``, ``xml://``: the payload extra a URL's
``:key=value`` would add, set on this send's own service object, so the user's URL is neither
altered nor logged) and the ``Message-ID`` of an email (``monitor.delivery.mail``).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, TextIO
from urllib.parse import parse_qs, urlsplit

import apprise
from apprise.plugins.custom_form import NotifyForm
from apprise.plugins.custom_json import NotifyJSON
from apprise.plugins.custom_xml import NotifyXML
from apprise.plugins.email import NotifyEmail

from monitor.core.choices import Choices
from monitor.core.schedule import DigestSpec
from monitor.delivery.mail import alert_email
from monitor.delivery.render import Rendered, TemplateSource

CONSOLE_KEY = "console"
ALERT_ID_KEY = "alert_id"  # the key of a webhook's body receivers de-duplicate on (docs/targets.md)

# apprise logs full URLs (passwords included) at TRACE and header values at DEBUG: keep it at
# WARNING, and never let its lines reach our output; each call's own log (AppriseResult.logs())
# still sees them, and we word failures ourselves, with the target masked.
logging.getLogger("apprise").setLevel(logging.WARNING)
logging.getLogger("apprise").propagate = False


class TargetLike(Protocol):
    url: str
    masked: str
    key: str
    config_path: str | None
    choices: Choices
    digest: DigestSpec | None
    template: TemplateSource | None
    zone: str


@dataclass(frozen=True)
class ConsoleTarget:
    """The target used when the watchlist names none: alerts go to the daemon's output."""

    url: str = "console://"
    masked: str = "the daemon's output"
    key: str = CONSOLE_KEY
    config_path: str | None = None
    choices: Choices = Choices()
    digest: DigestSpec | None = None
    template: TemplateSource | None = None
    zone: str = "UTC"


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error: str = ""


BODY_FORMATS = {"html": apprise.NotifyFormat.HTML, "markdown": apprise.NotifyFormat.MARKDOWN,
                "text": apprise.NotifyFormat.TEXT}
EMAIL_SCHEMES = ("mailto", "mailtos")
WEBHOOK_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})  # read by programs


def is_email(target: TargetLike) -> bool:
    """An email target (``mailto://``, ``mailtos://``): its default message is HTML."""
    return target.config_path is None and target.url.partition("://")[0].lower() in EMAIL_SCHEMES


def shows(target: TargetLike) -> str:
    """How ``target`` shows a message body, which picks its default template: ``html`` (email),
    ``markdown`` (services that render it, or convert it to their HTML: Discord, Slack, Telegram,
    Matrix …) or ``text`` (webhooks read by programs, plain-text services, the daemon's output), so
    that Markdown escapes reach only a target that reads Markdown. A URL's own ``?format=`` wins."""
    if target.key == CONSOLE_KEY:
        return "text"
    if target.config_path is not None:
        return "markdown"  # many services: apprise converts Markdown for each
    return _shows_url(target.url)


@lru_cache(maxsize=256)
def _shows_url(url: str) -> str:
    scheme = url.partition("://")[0].lower()
    asked = (parse_qs(urlsplit(url).query).get("format") or [""])[0].lower()
    if scheme in EMAIL_SCHEMES:
        return "text" if asked == "text" else "html"
    if asked in ("text", "markdown"):
        return asked
    if scheme in WEBHOOK_SCHEMES:
        return "text"
    notifier = apprise.Apprise()
    if not notifier.add(url):
        return "text"
    declared = next(iter(notifier)).notify_format
    formats = set(declared) if isinstance(declared, (tuple, list, set)) else {declared}
    return "markdown" if formats & {apprise.NotifyFormat.MARKDOWN, apprise.NotifyFormat.HTML} else "text"


async def send(target: TargetLike, message: Rendered, *, timeout: float, out: TextIO | None = None) -> SendResult:
    """Deliver ``message`` (its body in its style: markdown, html or text) to ``target``; never raises
    for a delivery failure."""
    if target.key == CONSOLE_KEY:
        stream = out or sys.stdout
        stream.write(f"\n{message.title}\n{'=' * min(len(message.title), 78)}\n{message.body}\n\n")
        stream.flush()
        return SendResult(True)
    notifier = apprise.Apprise()
    if target.config_path:
        config = apprise.AppriseConfig()
        config.add(target.config_path)
        notifier.add(config)
    elif not notifier.add(target.url):
        return SendResult(False, f"{target.masked}: not a URL any notification service understands")
    if message.alert_id:
        notifier = _carrying(notifier, message.alert_id)
    for service in notifier:
        service.request_rate_per_sec = 0  # no 5.5 s email throttle: one message per Apprise object
    try:
        result = await asyncio.wait_for(
            notifier.async_notify(title=message.title, body=message.body, body_format=BODY_FORMATS[message.style]),
            timeout=timeout,
        )
    except TimeoutError:
        return SendResult(False, f"{target.masked}: no answer within {timeout:g} s")
    if bool(result):
        return SendResult(True)
    return SendResult(False, f"{target.masked}: {_reason(result)}")


def _carrying(notifier: apprise.Apprise, alert_id: str) -> apprise.Apprise:
    """The same services (a config's too), each carrying ``alert_id``: webhooks in their body, email in
    its ``Message-ID``. Only this send's objects change; an email service apprise cannot rebuild is sent
    as it is (with apprise's own Message-ID) rather than not at all."""
    carrying = apprise.Apprise()
    for service in notifier:
        if isinstance(service, (NotifyJSON, NotifyForm, NotifyXML)):
            service.payload_extras = {**service.payload_extras, ALERT_ID_KEY: alert_id}
            if isinstance(service, NotifyXML):
                service.xsd_url = None  # as apprise does when a URL adds elements of its own
        elif type(service) is NotifyEmail:
            try:
                service = alert_email(service, alert_id)
            except Exception:  # noqa: BLE001 - any failure here: send it without our Message-ID
                logging.getLogger("monitor.delivery").debug("email sent without the alert's Message-ID")
        carrying.add(service)
    return carrying


def _reason(result: object) -> str:
    """The last warning apprise logged for this call, with anything URL-like removed."""
    lines = [getattr(entry, "message", "") for entry in getattr(result, "logs", lambda: [])()]
    lines = [line for line in lines if line and "://" not in line]
    status = getattr(getattr(result, "status", None), "name", "FAILURE").lower()
    return lines[-1].strip() if lines else f"delivery {status}"
