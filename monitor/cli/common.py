"""What every command shares: failing in one line, turning known errors into that line, logging."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from monitor.settings import Settings
    from monitor.watchlist import Watchlist

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


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%Y-%m-%d %H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "apprise", "stamina"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "skipped: maximum number of running instances" is expected when a check outlasts the interval
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def load() -> tuple[Settings, Watchlist]:
    from monitor.settings import Settings
    from monitor.watchlist import load_watchlist

    settings = Settings.from_env()
    return settings, load_watchlist(settings.watchlist_path)


def valid_id(raw: str) -> str:
    from monitor.watchlist import normalise_trial_id

    try:
        return normalise_trial_id(raw)
    except ValueError as exc:
        fail(str(exc))
