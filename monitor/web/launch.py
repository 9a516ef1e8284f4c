"""Starting the web face: the address and the token checked before anything runs (one line and exit 2
when either is unusable), the sign-in URL said once, and the server made for a running loop."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from monitor.settings import Settings
from monitor.watchlist import Watchlist
from monitor.web.access import load_token
from monitor.web.server import Listen, WebServer, bind, parse_listen


@dataclass
class Prepared:
    """A bound socket and the token: what the web face needs before the loop runs."""

    listen: Listen
    sock: socket.socket
    token: str

    def server(self, settings: Settings, engine: Engine, watchlist: Callable[[], Watchlist],
               next_check: Callable[[], datetime | None] = lambda: None) -> WebServer:
        from monitor.web.app import make_app
        from monitor.web.host import Host

        return WebServer(make_app(Host(engine, settings, watchlist, self.token, next_check)), self.sock)


def prepare(settings: Settings, listen_text: str | None) -> Prepared:
    """Bind the address and load (or make) the token; ListenError or TokenError in one line.

    Says the sign-in URL once, on standard error: with the token when trial-monitor made or keeps it
    (as Jupyter does), without it when it came from ``MONITOR_WEB_TOKEN`` (the user has it).
    """
    listen = parse_listen(listen_text or settings.web_listen)
    token, _ = load_token(settings.web_token, settings.data_folder)
    sock = bind(listen)
    if settings.web_token:
        print(f"trial-monitor web: {listen.url('/')} (sign in with MONITOR_WEB_TOKEN)", file=sys.stderr, flush=True)
    else:
        print(f"trial-monitor web: sign in at {listen.url('/login?token=' + token)}", file=sys.stderr, flush=True)
    return Prepared(listen, sock, token)
