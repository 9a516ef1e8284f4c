"""Where things live and how the shells behave, read once from the environment (``MONITOR_*``)."""

from __future__ import annotations

import re

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

from monitor.core.words import shown_url
from monitor.registry.ctgov.facts import DEFAULT_API_URL

DEFAULT_DATABASE_URL = "sqlite:///snapshots/monitor.db"


class SettingsError(ValueError):
    """A bad environment variable: reported in one line, exit 2."""


@dataclass(frozen=True)
class Settings:
    watchlist_path: Path
    database_url: str
    ctgov_url: str
    now_override: datetime | None = None
    heartbeat_path: Path = Path("snapshots/heartbeat.json")
    http_timeout: float = 20.0  # seconds for one registry request (connect, read)
    retry_attempts: int = 5  # per registry request
    retry_budget: float = 60.0  # seconds of retrying per registry request, at most
    delivery_timeout: float = 20.0  # seconds per notification target
    max_answer_mb: float = 256.0  # MiB of one registry answer, at most (read by registry/http.py from the env)
    answer_deadline: float = 300.0  # seconds for one whole registry answer (likewise)
    web_listen: str = "127.0.0.1:8321"  # HOST:PORT of the web face (MONITOR_WEB_LISTEN)
    web_token: str | None = field(default=None, repr=False)  # MONITOR_WEB_TOKEN: never shown

    @property
    def ctgov_shown(self) -> str:
        """The registry URL as it may be shown (any user name and password in it masked)."""
        return shown_url(self.ctgov_url)

    @property
    def data_folder(self) -> Path:
        """Where the daemon keeps its own files (the heartbeat, the web's access token)."""
        return self.heartbeat_path.parent

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            watchlist_path=Path(env.get("MONITOR_WATCHLIST") or "watchlist.yaml"),
            database_url=database_url(env.get("MONITOR_DATABASE_URL") or DEFAULT_DATABASE_URL),
            ctgov_url=_registry_url(env.get("MONITOR_CTGOV_URL") or DEFAULT_API_URL),
            now_override=_parse_now(env.get("MONITOR_NOW")),
            heartbeat_path=Path(env.get("MONITOR_HEARTBEAT") or "snapshots/heartbeat.json"),
            http_timeout=_number(env, "MONITOR_HTTP_TIMEOUT", 20.0),
            retry_attempts=int(_number(env, "MONITOR_RETRY_ATTEMPTS", 5)),
            retry_budget=_number(env, "MONITOR_RETRY_BUDGET", 60.0),
            delivery_timeout=_number(env, "MONITOR_DELIVERY_TIMEOUT", 20.0),
            max_answer_mb=_positive(env, "MONITOR_MAX_ANSWER_MB", 256.0),
            answer_deadline=_positive(env, "MONITOR_ANSWER_DEADLINE", 300.0),
            web_listen=(env.get("MONITOR_WEB_LISTEN") or "127.0.0.1:8321").strip(),
            web_token=env.get("MONITOR_WEB_TOKEN") or None,
        )

    def with_files(self, watchlist: Path | None = None, database: str | None = None) -> Settings:
        """These settings with the command line's ``--watchlist`` / ``--database`` (when given) instead
        of the environment's."""
        return replace(
            self,
            watchlist_path=watchlist if watchlist is not None else self.watchlist_path,
            database_url=database_url(database) if database is not None else self.database_url,
        )

    def now(self) -> datetime:
        """The current time, or ``MONITOR_NOW`` when set (tests and replays)."""
        return self.now_override or datetime.now(timezone.utc)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # a URL scheme and its colon


def database_url(raw: str) -> str:
    """A database URL; a plain path (``snapshots/monitor.db``, ``~/trials.db``) means SQLite at that path."""
    text = raw.strip()
    if "://" in text or text.startswith("sqlite:"):
        return text
    if _SCHEME.match(text):  # "http:host", "postgresql:/x": a URL gone wrong, not a file to make
        raise SettingsError(f"the database location {shown_url(text)!r} looks like a URL but is not one "
                            "(a database URL is scheme://…; a file name starting with a colon word: write ./ before it)")
    if not text:
        raise SettingsError("the database location is empty (give a path or a database URL)")
    try:
        return f"sqlite:///{Path(text).expanduser()}"
    except RuntimeError:  # "~nobody/…": no such user, so no home folder to expand
        raise SettingsError(f"the database location {text!r} names the home folder of a user there is not") from None


def _registry_url(raw: str) -> str:
    url = raw.strip().rstrip("/")
    why = _unusable(url)
    if why is not None:
        problem = f" ({why})" if why else ""
        raise SettingsError(f"MONITOR_CTGOV_URL={shown_url(url)!r} is not an http:// or https:// URL{problem} "
                            f"(e.g. {DEFAULT_API_URL})")
    return url


def _unusable(url: str) -> str | None:
    """Why the registry URL cannot be asked ("" when it is not http(s) at all), None when it can: its host and
    port are read now, so that a bad one is this one line rather than the HTTP client's traceback later."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - ValueError when it is not a number from 0 to 65535
        if "[" in parts.netloc:
            ip_address(parts.hostname or "")  # ValueError: "[zz]" or an unclosed "[::1"
    except ValueError:
        return "its host or port cannot be read"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    if any(character.isspace() or not character.isprintable() for character in url):
        return "it has a space or a control character in it"
    if not parts.hostname.isascii():
        import idna  # the HTTP client's own rules for international names (httpx needs it, so it is there)

        try:
            idna.encode(parts.hostname)
        except (idna.IDNAError, UnicodeError, ValueError):
            return "its host is not a valid international domain name"
    return None


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a number") from None
    if value < 0:
        raise SettingsError(f"{name}={raw!r} must not be negative")
    return value


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    value = _number(env, name, default)
    if not 0 < value < float("inf"):
        raise SettingsError(f"{name}={env.get(name)!r} must be a number more than 0")
    return value


def _parse_now(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise SettingsError(f"MONITOR_NOW={raw!r} is not an ISO date-time (e.g. 2027-03-01T07:00:00Z)") from None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
