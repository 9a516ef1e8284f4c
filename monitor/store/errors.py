"""The store's errors, and how it names a database in them: never a password, always one line."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url


class StoreError(Exception):
    """The database cannot be opened or written: one line for the user."""


def safe_url(url: str | URL) -> str:
    """The database URL with its password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str | URL) -> Path | None:
    """The file a SQLite URL points to (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


# What the drivers say when the database goes away, and why, in words (issue 15 §4)
_WHY: tuple[tuple[tuple[str, ...], str], ...] = (
    (("database is locked", "database table is locked"),
     "another process kept the database locked for longer than the busy timeout"),
    (("database or disk is full", "no space left on device", "disk quota exceeded", "could not extend file"),
     "the disk is full"),
    (("connection refused", "server closed the connection", "terminating connection", "connection is closed",
      "connection failed", "connection is lost", "consuming input failed", "shutting down", "starting up",
      "could not receive data", "could not send data", "connection timeout expired"),
     "the database went away"),
)


def first_line(exc: BaseException) -> str:
    """The driver's own message when there is one (SQLAlchemy wraps it), in one line, after why
    when it says the database went away, stayed locked or found the disk full."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    lowered = line.lower()
    for signs, why in _WHY:
        if any(sign in lowered for sign in signs) and not lowered.startswith(why):
            return f"{why} ({line})"
    return line
