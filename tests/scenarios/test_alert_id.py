"""An alert id receivers can de-duplicate on (issue 15 §2), through the CLI against the stand-in registry:
the same id in every target's message of one alert (the JSON body's ``alert_id``, the chat footer, the
email's one ``Message-ID``), another for every other alert, and the same again on a retry."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import create_engine
from sqlmodel import Session, select

from monitor.delivery.mail import message_id
from monitor.delivery.messages import alert_id_of
from monitor.registry.ctgov.standin.registry import StandInRegistry
from monitor.store.tables import Alert
from tests.scenarios.harness import Home, sponsor_edit
from tests.scenarios.test_sync import enroll
from tests.scenarios.test_targets import recruit
from tests.support.receivers import JsonMessage, JsonReceiver, SmtpReceiver, _SmtpHandler

TRIALS = ["NCT06171568", "NCT00973089"]
MISSING = "NCT09999999"  # the registry has no such study: a not-found notice
SENDER = "monitor@example.org"


def stored_ids(home: Home) -> dict[str, str]:
    """Each stored alert's id as the delivery derives it, by the alert's trial (or kind)."""
    engine = create_engine(home.env["MONITOR_DATABASE_URL"])
    try:
        with Session(engine) as session:
            return {alert_id_of(a): a.trial_id or a.kind for a in session.exec(select(Alert)).all()}
    finally:
        engine.dispose()


def footer_id(text: str) -> str:
    """The id in a chat message's last line (``alert 5c0f2a9e41d7b386``)."""
    found = re.search(r"\n\nalert ([0-9a-f]{16})$", text)
    assert found is not None, text
    return found.group(1)


def test_every_target_of_an_alert_gets_its_id_and_every_alert_its_own(
    home: Home, registry: StandInRegistry, hook: JsonReceiver, mailbox: SmtpReceiver
) -> None:
    paths = ["/a", "/b", "/md"]  # /a and /b: one receiver subscribed twice; /md gets chat.md
    home.write_watchlist([*TRIALS, MISSING], [hook.url("/a"), hook.url("/b"), hook.url("/md?format=markdown"),
                                              mailbox.url(sender=SENDER)])
    assert home.run("check").code == 0  # the baselines, and the trial not found
    sponsor_edit(registry, "NCT06171568", recruit)
    registry.refresh()
    assert home.run("check").code == 0
    sponsor_edit(registry, "NCT00973089", enroll(333))
    registry.refresh()
    assert home.run("check").code == 0
    posted, mails = hook.wait_for(9), mailbox.wait_for(3)

    by_id: dict[str, list[JsonMessage]] = {}
    for message in posted:
        assert isinstance(message.json["alert_id"], str)
        assert footer_id(message.message) == message.json["alert_id"]  # the chat footer says the same
        by_id.setdefault(message.json["alert_id"], []).append(message)
    assert len(posted) == 9 and len(by_id) == 3  # three alerts, each once to each path
    assert all(sorted(m.path.partition("?")[0] for m in group) == paths for group in by_id.values())
    stored = stored_ids(home)
    assert stored == {  # made from the stored rows, one per alert
        next(i for i, g in by_id.items() if MISSING in g[0].title): MISSING,
        next(i for i, g in by_id.items() if "Recruiting" in g[0].title): "NCT06171568",
        next(i for i, g in by_id.items() if "333" in g[0].message): "NCT00973089",
    }
    for mail in mails:
        [header] = mail.message.get_all("Message-ID")  # exactly one
        [alert_id] = [i for i in by_id if header == message_id(i, SENDER)]
        assert mail.subject.startswith(f"{stored[alert_id]} · ")  # the same alert as the webhook's
        assert f"Alert {alert_id}." in mail.text  # the HTML footer
    assert len({mail.message["Message-ID"] for mail in mails}) == 3


class _KeepsRefused(_SmtpHandler):
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if not answer.startswith("250"):
            raw = envelope.original_content or envelope.content
            self.receiver.refused.append(email.message_from_bytes(raw, policy=email.policy.default))
        return answer


class RefusingMailbox(SmtpReceiver):
    """The SMTP sink, keeping what it refused too: a retry is compared with its first attempt."""

    refused: list[EmailMessage]

    def start(self) -> RefusingMailbox:
        self.refused = []
        self._controller = Controller(_KeepsRefused(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self


def test_a_retry_carries_the_id_of_its_first_attempt(
    home: Home, registry: StandInRegistry, hook: JsonReceiver
) -> None:
    with RefusingMailbox() as mailbox:
        home.write_watchlist(TRIALS, [hook.url(), mailbox.url(sender=SENDER)])
        assert home.run("check").code == 0
        hook.fail_with(503)
        mailbox.fail_with(451)
        sponsor_edit(registry, "NCT06171568", recruit)
        registry.refresh()
        failed = home.run("check")
        assert failed.code == 0 and failed.out.count("delivery failed") == 2, failed.text
        [refused_post] = hook.attempts
        [refused_mail] = mailbox.refused
        assert hook.messages == [] and mailbox.messages == []

        hook.recover()
        mailbox.recover()
        assert home.run("check").code == 0  # a new process: the retry, after a restart
        [posted], [mail] = hook.wait_for(1), mailbox.wait_for(1)
    assert refused_post.status == 503 and len(hook.attempts) == 2
    [alert_id] = [i for i, trial in stored_ids(home).items() if trial == "NCT06171568"]
    assert posted.json["alert_id"] == refused_post.json["alert_id"] == alert_id
    assert footer_id(posted.message) == footer_id(refused_post.message) == alert_id
    assert mail.message.get_all("Message-ID") == refused_mail.get_all("Message-ID") == [message_id(alert_id, SENDER)]
