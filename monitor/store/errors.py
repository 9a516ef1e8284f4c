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


def first_line(exc: BaseException) -> str:
    """The driver's own message when there is one (SQLAlchemy wraps it), in one line."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
