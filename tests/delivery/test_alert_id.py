"""The alert id receivers de-duplicate on (issue 15 §2): made from the stored row, shown in every layout's
footer, a key of a webhook's body, an email's one Message-ID; sent through apprise to real loopback receivers."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from monitor.core.outage import outage_notice
from monitor.delivery.mail import message_id, with_message_id
from monitor.delivery.messages import alert_id_of, default_template, message_for, notice_of, sample_message_for
from monitor.delivery.notify import ConsoleTarget, SendResult, send
from monitor.delivery.render import AlertContent, NoticeItem, Rendered, render
from monitor.store.tables import Alert
from monitor.watchlist import load_watchlist
from tests.support.messages import trial_item
from tests.support.receivers import JsonReceiver, SmtpReceiver

WHEN = datetime(2026, 11, 20, 7, 0, 0, 123456, tzinfo=UTC)
ID = "5c0f2a9e41d7b386"


def alert(**values: object) -> Alert:
    return Alert(**{"id": 7, "kind": "change", "registry_key": "ctgov", "trial_id": "NCT06171568",
                    "created_at": WHEN, **values})


def target(url: str, **values: object) -> ConsoleTarget:
    return replace(ConsoleTarget(), url=url, key="k", masked="the target", **values)


def deliver(url: str, message: Rendered, **values: object) -> SendResult:
    return asyncio.run(send(target(url, **values), message, timeout=10))


# ---------------------------------------------------------------- the id


def test_the_id_is_made_from_the_stored_row() -> None:
    made = alert_id_of(alert())
    assert re.fullmatch(r"[0-9a-f]{16}", made)
    assert alert_id_of(alert()) == made  # the same row read again (a retry, a restart)
    assert alert_id_of(alert(created_at=WHEN.replace(tzinfo=None))) == made  # a naive UTC time is the same moment
    assert alert_id_of(alert(created_at=WHEN.astimezone())) == made
    others = {alert_id_of(alert(id=8)), alert_id_of(alert(created_at=WHEN.replace(microsecond=0))),
              alert_id_of(alert(trial_id="NCT00973089")), alert_id_of(alert(kind="digest", registry_key=None,
                                                                               trial_id=None))}
    assert made not in others and len(others) == 4


# ---------------------------------------------------------------- the footer


@pytest.mark.parametrize("name", ["chat.md", "chat.txt", "not_found.md", "test.md", "test.txt"])
def test_every_chat_layout_ends_with_the_id(name: str) -> None:
    content = AlertContent(trials=(trial_item({"id": "NCT06171568", "title": "A trial"}, []),), alert_id=ID)
    rendered = render(content, default_template(name))
    assert rendered.body.endswith(f"\n\nalert {ID}") and rendered.alert_id == ID
    without = render(replace(content, alert_id=""), default_template(name))
    assert "alert " not in without.body and without.alert_id == ""


def test_a_digest_and_an_email_show_the_id() -> None:
    digest = AlertContent(notices=(NoticeItem("Registry unavailable", "Tried 3 times.", "outage", WHEN),),
                          digest=True, period_start=WHEN, period_end=WHEN, alert_id=ID)
    assert render(digest, default_template("chat.md")).body.endswith(f"Tried 3 times.\n\nalert {ID}")
    email = render(digest, default_template("email.html"))
    assert f"Sent by trial-monitor. Alert {ID}.</p>" in email.body and email.alert_id == ID


def test_a_notice_carries_its_id_and_is_told_without_it_inside_a_digest(tmp_path: Path) -> None:
    found = outage_notice(2, True, outage_after=3, error="HTTP 503", since="")
    assert found is not None
    notice = alert(kind="notice", registry_key=None, trial_id=None, details={**found.details(), "registry": "ctgov"})
    (tmp_path / "w.yaml").write_text("notify:\n  - discord://1234/abcd\n")
    (chat,) = load_watchlist(tmp_path / "w.yaml", env={}).targets
    for to in (chat, ConsoleTarget()):
        sent = message_for(None, notice, to)  # type: ignore[arg-type]  # a notice reads no rows
        assert sent is not None and sent.alert_id == alert_id_of(notice)
        assert sent.body.endswith(f"answers again.\n\nalert {alert_id_of(notice)}")
    assert "alert " not in notice_of(notice).body  # a digest's part: the digest's footer carries its own id
    legacy = alert(kind="notice", title="Registry unavailable", body="Tried 3 times.")
    sent = message_for(None, legacy, ConsoleTarget())  # type: ignore[arg-type]
    assert sent is not None and sent.body == f"Tried 3 times.\n\nalert {alert_id_of(legacy)}"


def test_each_notify_test_gets_a_new_id() -> None:
    first, second = sample_message_for(ConsoleTarget()), sample_message_for(ConsoleTarget())
    assert first.alert_id != second.alert_id
    assert first.body.endswith(f"alert {first.alert_id}") and re.fullmatch(r"[0-9a-f]{16}", first.alert_id)


# ---------------------------------------------------------------- webhooks


def test_a_webhook_body_carries_alert_id_beside_the_urls_own_extras() -> None:
    with JsonReceiver() as hook:
        url = hook.url("/hook") + "?:team=ops&+X-Token=t0kenvalue"
        assert deliver(url, Rendered("Title", "Body", "text", ID)).ok
        assert deliver(url, Rendered("Title", "Body", "text")).ok  # no id (none given): nothing added
        with_id, without = hook.wait_for(2)
    assert with_id.json == {"version": "1.0", "title": "Title", "message": "Body", "attachments": [],
                            "type": "info", "team": "ops", "alert_id": ID}
    assert with_id.headers.get("X-Token") == "t0kenvalue"  # the user's URL as written
    assert "alert_id" not in without.json and without.json["team"] == "ops"  # added per message, not to the URL


def test_a_form_and_an_xml_webhook_carry_it_too() -> None:
    with JsonReceiver() as hook:
        assert deliver(hook.url("/form").replace("json://", "form://"), Rendered("Title", "Body", "text", ID)).ok
        assert deliver(hook.url("/xml").replace("json://", "xml://"), Rendered("Title", "Body", "text", ID)).ok
        form, xml = hook.wait_for(2)
    assert parse_qs(form.raw.decode())["alert_id"] == [ID]
    assert f"<alert_id>{ID}</alert_id>" in xml.raw.decode()


def test_a_config_files_services_each_carry_it(tmp_path: Path) -> None:
    with JsonReceiver() as hook, SmtpReceiver() as mailbox:
        config = tmp_path / "apprise.yml"
        config.write_text(f"version: 1\nurls:\n  - {hook.url('/cfg')}\n  - {mailbox.url()}\n")
        assert deliver(str(config), Rendered("Title", "Body", "text", ID), config_path=str(config)).ok
        [posted], [mail] = hook.wait_for(1), mailbox.wait_for(1)
    assert posted.json["alert_id"] == ID
    assert mail.message.get_all("Message-ID") == [message_id(ID, "monitor@example.org")]


# ---------------------------------------------------------------- email


def test_an_email_has_exactly_one_message_id_the_alerts() -> None:
    with SmtpReceiver() as mailbox:
        assert deliver(mailbox.url(), Rendered("Subject", "<p>Body</p>", "html", ID)).ok
        assert deliver(mailbox.url(), Rendered("Subject", "<p>Body</p>", "html", ID)).ok  # sent again (a retry)
        first, again = mailbox.wait_for(2)
    assert first.message.get_all("Message-ID") == ["<trial-monitor.5c0f2a9e41d7b386@example.org>"]
    assert again.message.get_all("Message-ID") == first.message.get_all("Message-ID")
    assert first.subject == "Subject" and "Body" in first.text  # the rest as apprise made it


def test_a_message_id_header_in_the_url_does_not_make_two() -> None:
    """apprise 2.2.0 sets its own Message-ID after a URL's ``+Message-ID=`` header: two of them, unless we stamp."""
    with SmtpReceiver() as mailbox:
        url = mailbox.url() + "&+Message-ID=%3Cmine%40example.org%3E"
        assert deliver(url, Rendered("Subject", "Body", "text")).ok  # apprise on its own
        assert deliver(url, Rendered("Subject", "Body", "text", ID)).ok
        plain, ours = mailbox.wait_for(2)
    assert len(plain.message.get_all("Message-ID") or []) == 2  # the gotcha, as apprise has it
    assert ours.message.get_all("Message-ID") == [message_id(ID, "monitor@example.org")]


def test_with_message_id_leaves_one_header_and_the_body_alone() -> None:
    raw = "Subject: s\nMessage-ID: <a@x>\nX-Long: a\n folded\nmessage-id: <b@x>\nTo: t@x\n\nBody\nMessage-ID: <kept@x>\n"
    assert with_message_id(raw, "<id@x>") == (
        "Subject: s\nX-Long: a\n folded\nTo: t@x\nMessage-ID: <id@x>\n\nBody\nMessage-ID: <kept@x>\n")
    assert json.dumps(message_id(ID, "")) == '"<trial-monitor.5c0f2a9e41d7b386@trial-monitor.invalid>"'
