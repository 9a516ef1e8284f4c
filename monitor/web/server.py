"""Serving the web app under uvicorn, inside an event loop we own (the daemon's, or ``serve``'s:
:func:`serve_alone`).

The socket is bound before uvicorn starts, so a bad or busy ``--listen`` is one line and exit 2;
uvicorn's own signal capture is turned off (the daemon owns SIGTERM and SIGINT and stops the server
itself); its access log is off (feed URLs carry the token).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

log = logging.getLogger("monitor.web")


class ListenError(ValueError):
    """A ``--listen`` / ``MONITOR_WEB_LISTEN`` that cannot be used: one line for the user."""


@dataclass(frozen=True)
class Listen:
    host: str
    port: int

    @property
    def shown_host(self) -> str:
        """The host a person types in a browser (a wildcard address means this machine)."""
        return "localhost" if self.host in ("0.0.0.0", "::", "") else (f"[{self.host}]" if ":" in self.host else self.host)

    def url(self, path: str = "/") -> str:
        return f"http://{self.shown_host}:{self.port}{path}"


def parse_listen(text: str) -> Listen:
    """``127.0.0.1:8321``, ``0.0.0.0:8321``, ``[::1]:8321``, ``localhost:8321`` → Listen; ListenError otherwise."""
    raw = (text or "").strip()
    host, sep, port = raw.rpartition(":")
    host = host.strip("[]")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536 or not host:
        raise ListenError(f"'{raw}' is not HOST:PORT (e.g. 127.0.0.1:8321, or 0.0.0.0:8321 for every interface)")
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if not all(part.isalnum() or "-" in part for part in host.split(".")):
                raise ListenError(f"'{raw}': '{host}' is not an address or a host name") from None
    return Listen(host, int(port))


def bind(listen: Listen) -> socket.socket:
    """The listening socket; ListenError (one line) when the address cannot be had."""
    try:
        infos = socket.getaddrinfo(listen.host, listen.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
        return sock
    except OSError as exc:
        raise ListenError(f"cannot listen on {listen.host}:{listen.port}: {exc.strerror or exc}") from None


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the daemon owns the signals
        yield


class WebServer:
    """The web app served on an already bound socket, until :meth:`stop`."""

    def __init__(self, app: Starlette, sock: socket.socket) -> None:
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", log_level="warning",
                                timeout_graceful_shutdown=2, server_header=False)
        self._server = _Server(config)
        self._sock = sock
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._serve(), name="web")

    async def _serve(self) -> None:
        try:
            await self._server.serve(sockets=[self._sock])
        except SystemExit:  # uvicorn's way of saying it could not start
            log.error("the web face stopped: it could not start")

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, 5)
        self._sock.close()

    async def wait(self) -> None:
        if self._task is not None:
            await self._task


async def serve_alone(server: WebServer) -> int:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    server.start()
    log.info("serving the web face alone (no checks run here)")
    waiting = asyncio.create_task(stopping.wait())
    serving = asyncio.create_task(server.wait())
    await asyncio.wait({waiting, serving}, return_when=asyncio.FIRST_COMPLETED)
    await server.stop()
    waiting.cancel()
    log.info("stopped")
    return 0
