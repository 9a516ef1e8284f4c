"""Loopback notification targets receive real apprise notifications (json:// and mailto://)."""

from __future__ import annotations

import socket
import time

import apprise
import pytest

from tests.support.receivers import JsonReceiver, SmtpReceiver, free_port


def notify(url: str, title: str = "NCT02210780 changed", body: str = "Status: RECRUITING -> COMPLETED") -> bool:
    # A fresh Apprise object per send: the email plugin throttles repeated sends on one
    # instance by 5.5 s (NotifyEmail.request_rate_per_sec).
    a = apprise.Apprise()
    assert a.add(url), url
    return bool(a.notify(title=title, body=body))


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_json_receiver_gets_apprise_post(json_receiver: JsonReceiver) -> None:
    assert json_receiver.url() == f"json://127.0.0.1:{json_receiver.port}/hook"
    assert notify(json_receiver.url()) is True
    (msg,) = json_receiver.wait_for(1, timeout=2)
    assert msg.path == "/hook" and msg.status == 200
    assert msg.json == {"version": "1.0", "title": "NCT02210780 changed",
                        "message": "Status: RECRUITING -> COMPLETED", "attachments": [], "type": "info"}
    assert msg.title == "NCT02210780 changed"
    assert msg.headers["Content-Type"] == "application/json"
    assert notify(json_receiver.url("/other")) is True
    assert [m.path for m in json_receiver.wait_for(2, timeout=2)] == ["/hook", "/other"]


def test_json_receiver_failure_modes(json_receiver: JsonReceiver) -> None:
    json_receiver.fail_with(500)
    assert notify(json_receiver.url()) is False
    assert json_receiver.messages == [] and [m.status for m in json_receiver.attempts] == [500]
    json_receiver.recover()
    assert notify(json_receiver.url()) is True
    assert len(json_receiver.messages) == 1

    json_receiver.hang()
    t0 = time.monotonic()
    assert notify(json_receiver.url() + "?rto=0.5&cto=0.5") is False  # read timeout
    assert time.monotonic() - t0 < 3
    json_receiver.recover()
    assert [m.status for m in json_receiver.attempts] == [500, 200, 0]
    with pytest.raises(TimeoutError):
        json_receiver.wait_for(2, timeout=0.2)


def test_json_receiver_down_then_back_on_same_port(json_receiver: JsonReceiver) -> None:
    url = json_receiver.url()
    json_receiver.stop()
    assert notify(url) is False
    json_receiver.start()
    assert json_receiver.url() == url
    assert notify(url) is True
    assert len(json_receiver.wait_for(1, timeout=2)) == 1


def test_smtp_receiver_gets_apprise_mail(smtp_receiver: SmtpReceiver) -> None:
    url = smtp_receiver.url(to="me@example.org")
    assert url == f"mailto://127.0.0.1:{smtp_receiver.port}?from=monitor@example.org&to=me@example.org"
    assert notify(url) is True
    (msg,) = smtp_receiver.wait_for(1, timeout=2)
    assert msg.mail_from == "monitor@example.org" and msg.rcpt_tos == ["me@example.org"]
    assert msg.subject == "NCT02210780 changed"
    assert "RECRUITING -> COMPLETED" in msg.text


def test_smtp_receiver_failure_and_restart(smtp_receiver: SmtpReceiver) -> None:
    url = smtp_receiver.url()
    smtp_receiver.fail_with(554)
    assert notify(url) is False
    smtp_receiver.recover()
    smtp_receiver.stop()
    assert notify(url) is False  # connection refused
    smtp_receiver.start()
    assert smtp_receiver.url() == url
    assert notify(url) is True
    assert len(smtp_receiver.wait_for(1, timeout=2)) == 1
