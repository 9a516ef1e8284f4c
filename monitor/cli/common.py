"""What every command shares: failing in one line, turning known errors into that line, logging,
the ``--watchlist`` and ``--database`` options, and opening the database to write or only to read."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from monitor.settings import Settings
    from monitor.watchlist import Watchlist

WatchlistOption = Annotated[Path | None, typer.Option(
    "--watchlist", metavar="FILE", help="The watchlist file (default: MONITOR_WATCHLIST, else ./watchlist.yaml).")]
DatabaseOption = Annotated[str | None, typer.Option(
    "--database", metavar="PATH|URL", help="The database: a file path (SQLite) or a database URL (default: "
                                           "MONITOR_DATABASE_URL, else snapshots/monitor.db).")]

# Known errors, by where they are defined: (module, class, exit code, prefix). An error whose
# module was never imported cannot have been raised, so checking them costs no import.
USER_ERRORS = (
    ("monitor.watchlist._base", "WatchlistError", 2, ""),
    ("monitor.store.errors", "StoreError", 2, ""),
    ("monitor.settings", "SettingsError", 2, ""),
    ("monitor.web.server", "ListenError", 2, "MONITOR_WEB_LISTEN / --listen: "),
    ("monitor.web.access", "TokenError", 2, ""),
    ("sqlalchemy.exc", "SQLAlchemyError", 1, "database error: "),  # e.g. the disk filled up mid-check
)


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"trial-monitor: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn every known bad-input error into one line and exit 2 (a database error: exit 1)."""
    try:
        yield
    except Exception as exc:
        for module, name, code, prefix in USER_ERRORS:
            kind = getattr(sys.modules.get(module), name, None)
            if kind is not None and isinstance(exc, kind):
                if module.startswith("sqlalchemy"):  # SQLAlchemy is loaded, so is the store's wording of it
                    from monitor.store.errors import first_line

                    fail(f"{prefix}{first_line(exc)}", code)
                fail(f"{prefix}{exc}", code)
        raise


def setup_logging() -> None:
    """Our own lines at INFO on stderr; the libraries' only when they warn (never their debug lines)."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "apprise", "stamina"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "skipped: maximum number of running instances" is expected when a check outlasts the interval
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def settings_for(watchlist: Path | None = None, database: str | None = None) -> Settings:
    """The environment's settings, with the command line's ``--watchlist`` / ``--database`` first."""
    from monitor.settings import Settings

    return Settings.from_env().with_files(watchlist, database)


def load(
    watchlist: Path | None = None, database: str | None = None, *, warn: bool = True
) -> tuple[Settings, Watchlist]:
    """The settings and the watchlist; what looks wrong in it (``warn``) is said on stderr, one line each."""
    from monitor.watchlist import load_watchlist

    settings = settings_for(watchlist, database)
    loaded = load_watchlist(settings.watchlist_path, cache=settings.data_folder)  # a large list's trials kept
    for warning in loaded.warnings if warn else ():
        typer.echo(f"trial-monitor: {warning}", err=True)
    return settings, loaded


def open_store(settings: Settings) -> Engine:
    """The database, made (folder, file, tables) and migrated when needed: for commands that write."""
    from monitor.store.db import open_engine

    readable(settings.database_url)
    return open_engine(settings.database_url)


def readable(url: str) -> None:
    """SettingsError (one line, no password) for a database URL whose host or port SQLAlchemy cannot read
    (``postgresql://u@[::1/db``): it raises a bare ValueError for those, its ArgumentError (worded by the
    store) for the rest."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from monitor.core.words import shown_url
    from monitor.settings import SettingsError

    try:
        make_url(url)
    except ArgumentError:
        pass
    except ValueError:
        raise SettingsError(f"the database URL {shown_url(url)!r} cannot be read (its host or port is wrong)") from None


def read_store(settings: Settings) -> Engine:
    """The database for a command that only reads it: a SQLite file that does not exist yet is
    neither made nor its folder; an empty database in memory stands in (nothing recorded yet)."""
    from sqlalchemy.exc import ArgumentError

    from monitor.store.db import open_engine
    from monitor.store.errors import sqlite_path

    readable(settings.database_url)
    try:
        path = sqlite_path(settings.database_url)
    except ArgumentError:  # not a database URL at all: open_engine says so in one line
        path = None
    if path is not None and not path.exists():
        return open_engine("sqlite://")
    return open_engine(settings.database_url)


def valid_id(raw: str) -> str:
    from monitor.watchlist import normalise_trial_id

    try:
        return normalise_trial_id(raw)
    except ValueError as exc:
        fail(str(exc))
