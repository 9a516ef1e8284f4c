"""Who may see and steer the web face: one access token, enforced once, for every route.

* The token is ``MONITOR_WEB_TOKEN`` when set, else a random one made at first start and kept in
  the data folder (``web-token``, mode 0600).
* A browser signs in at ``/login`` (the form, or ``?token=``) and gets an HttpOnly, SameSite=Strict
  session cookie derived from the token; the API and ``/metrics`` take ``Authorization: Bearer``;
  feed URLs (``….atom``) also take ``?token=`` (feed readers need it). Tokens are compared in
  constant time.
* :class:`AccessMiddleware` guards every route but ``/healthz``, ``/login`` and ``/static/``: no
  token, and it answers 401 (the API, feeds, metrics) or sends a page to ``/login``. A request that
  changes something with the session cookie must carry the CSRF token (a form's ``csrf`` field, or
  the ``X-CSRF-Token`` header), else 403.
* :class:`SecurityHeaders` adds a strict Content-Security-Policy and its companions to every answer.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

TOKEN_FILE = "web-token"
COOKIE = "tm_session"
PUBLIC = ("/healthz", "/login")  # and everything under /static/ (the style sheet)
MACHINES = ("/api/", "/metrics")  # answered 401, never sent to the sign-in page
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_FORM = 64 * 1024  # bytes of a form read to find its CSRF token

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class TokenError(Exception):
    """The token file cannot be read or made: one line for the user."""


def load_token(given: str | None, folder: Path) -> tuple[str, bool]:
    """The access token, and whether it was made now: ``given`` (the environment's), else the data
    folder's file, else a new random one written there with mode 0600."""
    if given:
        return given, False
    path = folder / TOKEN_FILE
    try:
        if path.exists():
            token = path.read_text(encoding="utf-8").strip()
            if token:
                return token, False
        folder.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(token + "\n")
        os.chmod(path, 0o600)
        return token, True
    except OSError as exc:
        raise TokenError(f"cannot keep the web access token in {path}: {exc.strerror or exc}") from None


class Keys:
    """What is derived from the token: the session cookie's value and the forms' CSRF token."""

    def __init__(self, token: str) -> None:
        self._token = token.encode()
        self.session = self._derive(b"session")
        self.csrf = self._derive(b"csrf")

    def _derive(self, purpose: bytes) -> str:
        return hmac.new(self._token, b"trial-monitor/" + purpose, hashlib.sha256).hexdigest()

    def is_token(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(candidate.encode(), self._token)  # type: ignore[union-attr]

    def is_session(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(candidate.encode(), self.session.encode())  # type: ignore[union-attr]

    def is_csrf(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(candidate.encode(), self.csrf.encode())  # type: ignore[union-attr]


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookie(headers: dict[str, str], name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _bearer(headers: dict[str, str]) -> str | None:
    kind, _, value = headers.get("authorization", "").partition(" ")
    return value.strip() if kind.lower() == "bearer" else None


async def _plain(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = text.encode()
    content = b"application/json" if text.startswith("{") else b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content), (b"content-length", str(len(body)).encode()), *(extra or [])]})
    await send({"type": "http.response.body", "body": body})


class AccessMiddleware:
    """The one place every request is let in, or not (see the module docstring)."""

    def __init__(self, app: App, keys: Keys) -> None:
        self.app, self.keys = app, keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "/")
        if path in PUBLIC or path.startswith("/static/"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        by_cookie = self.keys.is_session(_cookie(headers, COOKIE))
        by_token = self.keys.is_token(_bearer(headers)) or (
            path.endswith(".atom") and self.keys.is_token((query.get("token") or [None])[0]))
        if not by_cookie and not by_token:
            if path.startswith(MACHINES) or path.endswith(".atom"):
                await _plain(send, 401, '{"error": "the access token is missing or wrong"}' if path.startswith("/api/")
                             else "the access token is missing or wrong\n",
                             [(b"www-authenticate", b'Bearer realm="trial-monitor"')])
                return
            target = path + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
            await _plain(send, 303, "sign in first\n", [(b"location", f"/login?next={quote(target)}".encode())])
            return
        if scope.get("method") in UNSAFE and not by_token:  # the cookie alone: it must come with the CSRF token
            receive, ok = await self._csrf(scope, receive, headers)
            if not ok:
                await _plain(send, 403, '{"error": "the form or request lacks its CSRF token"}'
                             if path.startswith("/api/") else "this form has expired: reload the page and try again\n")
                return
        await self.app(scope, receive, send)

    async def _csrf(self, scope: Scope, receive: Receive, headers: dict[str, str]) -> tuple[Receive, bool]:
        """Whether the request carries the CSRF token; the body it read, handed on to the app."""
        if self.keys.is_csrf(headers.get("x-csrf-token")):
            return receive, True
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return receive, False
        body, more = b"", True
        while more and len(body) <= MAX_FORM:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if more:
            return receive, False
        token = (parse_qs(body.decode("utf-8", "replace")).get("csrf") or [None])[0]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return replay, self.keys.is_csrf(token)


CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # feed URLs carry the token
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


class SecurityHeaders:
    """The same strict headers on every answer, pages and errors alike."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in SECURITY_HEADERS if k not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
