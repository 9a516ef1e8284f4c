"""HTTP plumbing for the stand-in: a threaded server that never dies and never blocks ``stop()``.

The server knows nothing about ClinicalTrials.gov: each request goes to ``on_request`` (the
registry), which answers with :meth:`Handler.send` or drops the connection with
:meth:`Handler.abort`. Open connections are tracked so :meth:`Server.close_all` can cut idle
keep-alive and hanging ones on shutdown.
"""

from __future__ import annotations

import json
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

try:  # the monitor depends on orjson; serving 100k records is ~5x faster with it
    import orjson
except ImportError:  # pragma: no cover
    orjson = None  # type: ignore[assignment]


@dataclass
class RequestRecord:
    """One request as the stand-in received it, and how it was answered (the request log)."""

    method: str
    path: str  # without the query string
    params: dict[str, str]  # decoded query parameters (last value wins)
    status: int = 0  # HTTP status sent; 0 = no answer (reset, hang cut by stop())
    time: float = field(default_factory=time.monotonic)  # time.monotonic() at arrival
    fault: str | None = None  # fault kind applied to this request ("rate_limit" for a 429 of the limit)
    size: int = 0  # bytes of the answer's body


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def text_reply(status: int, message: str, **headers: str) -> Reply:
    """text/plain, like the real API's 400/404 answers."""
    return Reply(status, message.encode(), "text/plain; charset=utf-8", dict(headers))


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str)


def dumpb(obj: Any) -> bytes:
    """Compact UTF-8 JSON, like :func:`dumps` (orjson when it can, the stdlib otherwise)."""
    if orjson is not None:
        try:
            return orjson.dumps(obj, default=str)
        except (TypeError, orjson.JSONEncodeError):  # e.g. int keys, huge ints: the stdlib copes
            pass
    return dumps(obj).encode()


def json_reply(obj: Any, status: int = 200) -> Reply:
    return Reply(status, dumpb(obj))


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # server_close() must not wait for hanging handlers

    def __init__(self, address: tuple[str, int], on_request: Callable[[Handler], None]) -> None:
        self.on_request = on_request
        self.conns: set[socket.socket] = set()
        self.conns_lock = threading.Lock()
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # HTTPServer's version adds a socket.getfqdn() lookup
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # client disconnects are expected; registry bugs are caught by on_request

    def close_all(self) -> None:
        """Cut every open connection (idle keep-alive ones, hanging faults)."""
        with self.conns_lock:
            conns = list(self.conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: without NODELAY, Nagle + delayed ACK add ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.conns_lock:
            self.server.conns.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        with self.server.conns_lock:
            self.server.conns.discard(self.connection)

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:  # BrokenPipe, ConnectionReset, socket cut by stop() or abort()
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no per-request noise on stderr

    def do_GET(self) -> None:
        self.server.on_request(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def send(self, reply: Reply, truncate: bool = False) -> None:
        """Answer; with ``truncate``, announce the full Content-Length but send half, then FIN."""
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        if not truncate:
            self.wfile.write(reply.body)
            return
        self.wfile.write(reply.body[: max(1, len(reply.body) // 2)])
        self.abort(reset=False)

    def abort(self, reset: bool) -> None:
        """Drop the connection without (further) answer: RST if ``reset``, else FIN."""
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.rfile.close()  # makefile() holds a ref; the fd only closes when both are gone
                self.connection.close()
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Served:
    """A server on ``host:port`` in a thread of its own, started and stopped (or used as ``with``);
    a subclass answers each request in ``_serve``. ``port`` 0 picks a free one, kept across restarts."""

    host: str
    port: int
    _server: Server | None = None
    _thread: threading.Thread | None = None
    _stopping: threading.Event  # set while stopping: wakes handlers that wait (hang faults, latency)

    def _serve(self, h: Handler) -> None:
        raise NotImplementedError

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = Server((self.host, self.port), self._serve)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"standin-registry:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_all()  # idle keep-alive and hanging connections
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
