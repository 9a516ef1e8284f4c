"""Email with the alert's own ``Message-ID``: one header, the same on every retry of the alert.

apprise 2.2.0's email plugin (``apprise/plugins/email/base.py``) builds each message in the static
``NotifyEmail.prepare_emails``, which adds the custom ``+Header=`` headers first and then always
``base["Message-ID"] = make_msgid(...)`` (a new random one): a ``+Message-ID=`` header would give two,
and the plugin honours no per-message id. So ``AlertEmail`` is the plugin's ``send`` (same connection,
same messages, same per-recipient retry bookkeeping and failure logging) with one step more: in each
prepared message's header block every ``Message-ID`` is replaced by the alert's, once.

It is made per send, for one message, from the user's own email service (``alert_email``); the URL
is never logged or stored, and nothing of it reaches the header but the sender's domain.
"""

from __future__ import annotations

import re
import smtplib
from typing import Any

from apprise import NotifyType
from apprise.exception import AppriseImproperlyConfigured
from apprise.plugins.email import AppriseEmailException, NotifyEmail
from apprise.plugins.email.base import AppriseSMTPController

_MESSAGE_ID = re.compile(r"^message-id:.*(?:\r?\n[ \t].*)*\r?\n", re.IGNORECASE | re.MULTILINE)


def message_id(alert_id: str, sender: str) -> str:
    """The ``Message-ID`` of an alert's email: ``<trial-monitor.<alert id>@<the sender's domain>>``."""
    domain = sender.rpartition("@")[2] or "trial-monitor.invalid"
    return f"<trial-monitor.{alert_id}@{domain}>"


def with_message_id(raw: str, value: str) -> str:
    """``raw`` (a message as apprise serialised it: lines end in ``\\n``) with exactly one ``Message-ID``."""
    head, blank, body = raw.partition("\n\n")
    head = _MESSAGE_ID.sub("", head + "\n") + f"Message-ID: {value}\n"
    return f"{head}\n{body}" if blank else head


class AlertEmail(NotifyEmail):
    """apprise's email service, sending one alert under its own ``Message-ID``."""

    def __init__(self, alert_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.message_id = message_id(alert_id, self.from_addr[1] or "")

    def send(self, body: str, title: str = "", notify_type: NotifyType = NotifyType.INFO, attach: Any = None,
             body_format: Any = None, **kwargs: Any) -> bool:
        """``NotifyEmail.send`` (apprise 2.2.0), each message carrying ``self.message_id``."""
        if not self.targets:
            self.logger.warning("There are no Email recipients to notify")
            return False
        has_error = False
        self.throttle()
        try:
            with AppriseSMTPController(
                host=self.smtp_host, port=self.port, secure_mode=self.secure_mode, user=self.user,
                password=self.password, verify_certificate=self.verify_certificate,
                socket_connect_timeout=self.socket_connect_timeout,
            ) as smtp:
                headers = {"X-Application": self.app_id, **self.headers, **self._protocol_headers(body)}
                for message in NotifyEmail.prepare_emails(
                    subject=title, body=body, notify_format=self.resolve_format(body_format),
                    from_addr=self.from_addr, to=self.targets, cc=self.cc, bcc=self.bcc, reply_to=self.reply_to,
                    smtp_host=self.smtp_host, attach=attach, headers=headers, names=self.names, pgp=self.pgp,
                    pgp_mode=self.pgp_mode, inline=self.inline, tzinfo=self.tzinfo,
                ):
                    if self.is_delivered(message.recipient):  # accepted by an earlier try of this send
                        continue
                    if smtp.sendmail(self.from_addr[1], message.to_addrs,
                                     with_message_id(message.body, self.message_id)):
                        self.logger.info("Sent Email to %s", message.recipient)
                        self.mark_delivered(message.recipient)
                    else:
                        self.logger.warning('Sending email to "%s" failed.', message.recipient)
                        has_error = True
        except (OSError, smtplib.SMTPException, RuntimeError, AppriseImproperlyConfigured) as exc:
            self.logger.warning('Connection error while submitting email to "%s"', self.smtp_host)
            self.logger.debug(f"Socket Exception: {exc}")
            has_error = True
        except AppriseEmailException as exc:
            self.logger.debug(f"Socket Exception: {exc}")
            has_error = True
        self.pgp.prune()
        return not has_error


def alert_email(service: NotifyEmail, alert_id: str) -> AlertEmail:
    """``service`` (as apprise loaded it from the user's URL or config) sending under ``alert_id``:
    rebuilt from its own URL by apprise's own parser, with its tags and asset."""
    parsed = NotifyEmail.parse_url(service.url(privacy=False))
    if parsed is None:
        raise ValueError("the email service could not be rebuilt from its URL")
    return AlertEmail(alert_id, **{**parsed, "tag": set(service.tags), "asset": service.asset})
