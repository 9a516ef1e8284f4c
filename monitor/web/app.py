"""The web app: its routing table, and the middleware every route passes. Starlette's way: plain
functions, one table, middleware for what every route needs."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from monitor.heartbeat import health_problem
from monitor.web import api, feeds, metrics, pages
from monitor.web.access import AccessMiddleware, SecurityHeaders
from monitor.web.host import Host
from monitor.web.html import Links, page

log = logging.getLogger("monitor.web")
MAX_BODY = 256 * 1024  # bytes: a form or an API call is small


def healthz(request: Request) -> Response:
    """200 when the daemon makes progress (the rule of ``trial-monitor health``), else 503; nothing more."""
    host: Host = request.app.state.host
    healthy = not health_problem(host.settings.heartbeat_path)
    return PlainTextResponse("ok\n" if healthy else "unhealthy\n", status_code=200 if healthy else 503)


ROUTES = [
    Route("/", pages.dashboard),
    Route("/login", pages.login, methods=["GET", "POST"]),
    Route("/logout", pages.logout, methods=["POST"]),
    Route("/trials", pages.add, methods=["POST"]),
    Route("/trials/{trial_id}", pages.trial),
    Route("/trials/{trial_id}/remove", pages.remove, methods=["POST"]),
    Route("/trials/{trial_id}/feed.atom", feeds.trial_feed),
    Route("/feed.atom", feeds.feed),
    Route("/api/v1/trials", api.trials, methods=["GET"]),
    Route("/api/v1/trials", api.add_trial, methods=["POST"]),
    Route("/api/v1/trials/{trial_id}", api.trial, methods=["GET"]),
    Route("/api/v1/trials/{trial_id}", api.remove_trial, methods=["DELETE"]),
    Route("/api/v1/trials/{trial_id}/events", api.trial_events),
    Route("/api/v1/events", api.events),
    Route("/api/v1/status", api.status),
    Route("/api/openapi.json", api.openapi),
    Route("/metrics", metrics.metrics),
    Route("/healthz", healthz),
    Mount("/static", app=StaticFiles(packages=[("monitor.web", "static")]), name="static"),
]


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def http_error(request: Request, exc: Exception) -> Response:
    """A refused request in one line: JSON for the API, a page for people."""
    assert isinstance(exc, HTTPException)
    reason = str(exc.detail) if exc.detail else "not found"
    if _wants_json(request):
        return JSONResponse({"error": reason}, status_code=exc.status_code)
    if request.url.path.endswith(".atom") or request.url.path == "/metrics":
        return PlainTextResponse(reason + "\n", status_code=exc.status_code)
    return HTMLResponse(page("message.html", links=Links(), title=f"{exc.status_code}", message=reason),
                        status_code=exc.status_code)


class Crashes:
    """A route that fails: said once in the log (one line, no traceback), answered 500; the daemon goes on.

    Outside every other middleware, so that nothing below it, not even the access check, can take the
    process down; Starlette's own last resort would print a traceback.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:  # noqa: BLE001 - any failure of a page: the daemon must go on
            if scope["type"] != "http":
                raise
            log.error("web: %s %s failed: %s: %s", scope.get("method"), scope.get("path"), type(exc).__name__, exc)
            if started:
                return
            if str(scope.get("path", "")).startswith("/api/"):
                answer: Response = JSONResponse({"error": "internal error (see the monitor's log)"}, status_code=500)
            else:
                answer = HTMLResponse(page("message.html", links=Links(), title="Something went wrong",
                                           message="This page failed; the monitor goes on. Its log says why."),
                                      status_code=500)
            await answer(scope, receive, send)


def make_app(host: Host) -> Starlette:
    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(Crashes), Middleware(SecurityHeaders), Middleware(AccessMiddleware, keys=host.keys)],
        exception_handlers={HTTPException: http_error},
        max_body_size=MAX_BODY,
    )
    app.state.host = host
    app.state.keys = host.keys
    return app
