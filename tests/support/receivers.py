"""Loopback notification targets for apprise: a JSON webhook (``json://``) and an SMTP sink (``mailto://``).

Both bind 127.0.0.1 on a port picked once and kept, so ``stop()`` then ``start()`` models a
target that is down for a while and then comes back on the same address.

``messages`` holds only what was *accepted* (answered 2xx / 250); ``attempts`` (JsonReceiver)
holds every POST, including the ones answered with an error or left hanging.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Generic, TypeVar

from aiosmtpd.controller import Controller

T = TypeVar("T")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (bind to port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class _Inbox(Generic[T]):
    """Thread-safe list with a blocking ``wait_for``."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._items: list[T] = []

    def add(self, item: T) -> None:
        with self._cond:
            self._items.append(item)
            self._cond.notify_all()

    def snapshot(self) -> list[T]:
        with self._cond:
            return list(self._items)

    def clear(self) -> None:
        with self._cond:
            self._items.clear()

    def wait_for(self, n: int, timeout: float) -> list[T]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._items) >= n, timeout):
                raise TimeoutError(f"expected >= {n} messages within {timeout}s, got {len(self._items)}")
            return list(self._items)


# ============================================================ JSON webhook
@dataclass
class JsonMessage:
    path: str
    headers: dict[str, str]
    json: Any  # parsed body (None if it was not JSON)
    raw: bytes
    status: int = 0  # what the receiver answered (0 = left hanging)
    time: float = field(default_factory=time.monotonic)

    @property
    def title(self) -> Any:
        return self.json.get("title") if isinstance(self.json, dict) else None

    @property
    def message(self) -> Any:
        return self.json.get("message") if isinstance(self.json, dict) else None


class _JsonServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    receiver: JsonReceiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _JsonServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle(self) -> None:
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # avoid Nagle + delayed ACK
        rcv = self.server.receiver
        with rcv._lock:
            rcv._conns.add(self.connection)
        try:
            super().handle()
        except OSError:
            self.close_connection = True
        finally:
            with rcv._lock:
                rcv._conns.discard(self.connection)

    def do_POST(self) -> None:
        rcv = self.server.receiver
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        msg = JsonMessage(self.path, dict(self.headers.items()), parsed, raw)
        with rcv._lock:
            status, hang = rcv._fail_status, rcv._hang
        if hang is not None:
            rcv._attempts.add(msg)
            hang.wait()  # released by recover() or stop()
            self.close_connection = True
            return
        msg.status = status or 200
        rcv._attempts.add(msg)
        if status is None:
            rcv._messages.add(msg)
        body = b"OK" if status is None else b"stand-in receiver failure"
        self.send_response(msg.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_POST


class JsonReceiver:
    """HTTP server taking apprise ``json://`` POSTs on any path."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host, self.port = host, port or free_port(host)
        self._lock = threading.Lock()
        self._messages: _Inbox[JsonMessage] = _Inbox()
        self._attempts: _Inbox[JsonMessage] = _Inbox()
        self._fail_status: int | None = None
        self._hang: threading.Event | None = None
        self._conns: set[socket.socket] = set()
        self._server: _JsonServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def messages(self) -> list[JsonMessage]:
        return self._messages.snapshot()

    @property
    def attempts(self) -> list[JsonMessage]:
        return self._attempts.snapshot()

    def url(self, path: str = "/hook") -> str:
        return f"json://{self.host}:{self.port}{path}"

    def start(self) -> JsonReceiver:
        if self._server is None:
            self._server = _JsonServer((self.host, self.port), _JsonHandler)
            self._server.receiver = self
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=f"json-receiver:{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._release_hang()
        server.shutdown()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def fail_with(self, status: int = 500) -> None:
        """Answer every POST with ``status`` until :meth:`recover`."""
        with self._lock:
            self._fail_status = status

    def hang(self) -> None:
        """Accept POSTs but never answer them until :meth:`recover` or :meth:`stop`."""
        with self._lock:
            if self._hang is None:
                self._hang = threading.Event()

    def recover(self) -> None:
        with self._lock:
            self._fail_status = None
        self._release_hang()

    def _release_hang(self) -> None:
        with self._lock:
            hang, self._hang = self._hang, None
        if hang is not None:
            hang.set()

    def clear(self) -> None:
        self._messages.clear()
        self._attempts.clear()

    def wait_for(self, n: int = 1, timeout: float = 5.0) -> list[JsonMessage]:
        """Block until at least ``n`` messages were accepted; TimeoutError otherwise."""
        return self._messages.wait_for(n, timeout)

    def __enter__(self) -> JsonReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# ============================================================ SMTP sink
@dataclass
class SmtpMessage:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    time: float = field(default_factory=time.monotonic)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def text(self) -> str:
        """The plain-text body if there is one, else the HTML body."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        return "" if part is None else str(part.get_content())


class _SmtpHandler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        code = self.receiver._fail_code
        if code is not None:
            return f"{code} stand-in receiver failure"
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.receiver._messages.add(SmtpMessage(envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """aiosmtpd sink on 127.0.0.1 (plain SMTP, no auth); port picked up front (port=0 fails)."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host, self.port = host, port or free_port(host)
        self._messages: _Inbox[SmtpMessage] = _Inbox()
        self._fail_code: int | None = None
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[SmtpMessage]:
        return self._messages.snapshot()

    def url(self, to: str = "me@example.org", sender: str = "monitor@example.org") -> str:
        return f"mailto://{self.host}:{self.port}?from={sender}&to={to}"

    def start(self) -> SmtpReceiver:
        if self._controller is None:
            self._controller = Controller(_SmtpHandler(self), hostname=self.host, port=self.port)
            self._controller.start()
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def fail_with(self, code: int = 554) -> None:
        """Reject every message at DATA with SMTP ``code`` until :meth:`recover`."""
        self._fail_code = code

    def recover(self) -> None:
        self._fail_code = None

    def clear(self) -> None:
        self._messages.clear()

    def wait_for(self, n: int = 1, timeout: float = 5.0) -> list[SmtpMessage]:
        return self._messages.wait_for(n, timeout)

    def __enter__(self) -> SmtpReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
