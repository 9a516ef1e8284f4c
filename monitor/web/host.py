"""What the web face serves from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from starlette.requests import Request

from monitor.settings import Settings
from monitor.watchlist import Watchlist
from monitor.web.access import Keys


@dataclass
class Host:
    """What the web face serves from: the database, the settings, the watchlist in force (the
    daemon's, or the file's), the access token, and when the next check is due (None: unknown)."""

    engine: Engine
    settings: Settings
    watchlist: Callable[[], Watchlist]
    token: str
    next_check: Callable[[], datetime | None] = field(default=lambda: None)

    @property
    def keys(self) -> Keys:
        return Keys(self.token)


def host_of(request: Request) -> Host:
    host: Host = request.app.state.host
    return host
