"""``trial-monitor site DIR``: the dashboard and every trial's page as a static site, with the Atom feeds,
for a blogger to publish on any static host. Relative links, no forms, no token, nothing of the
notification targets. Running it again updates the folder in place (and removes the pages of trials
no longer watched)."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from monitor.core.changelog import render
from monitor.overview import pages as read
from monitor.overview import state, timeline
from monitor.registry.catalogue import DEFAULT, about
from monitor.watchlist import Watchlist
from monitor.web.html import Links, page

PER_PAGE = 100
TRIAL_FILE = re.compile(r"^(.+)\.(html|atom)$")


class SiteError(Exception):
    """The folder cannot be written: one line for the user."""


@dataclass(frozen=True)
class Written:
    pages: int
    trials: int
    removed: int


def write_site(engine: Engine, watchlist: Watchlist, now: datetime, folder: Path) -> Written:
    """Write (or bring up to date) the site in ``folder``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "trials").mkdir(exist_ok=True)
        (folder / "static").mkdir(exist_ok=True)
        return _write(engine, watchlist, now, folder)
    except OSError as exc:
        raise SiteError(f"cannot write the site in {folder}: {exc.strerror or exc}") from None


def _write(engine: Engine, watchlist: Watchlist, now: datetime, folder: Path) -> Written:
    context = {"searches": state.search_lines(engine, watchlist), "monitor": state.monitor_state(engine, watchlist),
               "next_check": None, "public": True, "editable": False, "csrf": None, "notice": "",
               "changed_days": (), "signed_in": False}
    first = read.dashboard(engine, watchlist, now, per_page=PER_PAGE)
    pages = max(1, first.pages)
    ids: list[str] = []
    for number in range(1, pages + 1):
        board = first if number == 1 else read.dashboard(engine, watchlist, now, page=number, per_page=PER_PAGE)
        ids += [row.line.trial_id for row in board.rows]
        name = "index.html" if number == 1 else f"index-{number}.html"
        _save(folder / name, page("dashboard.html", links=Links(static=True), board=board, **context))
    home = about(DEFAULT).home
    entries = timeline.recent(engine, now, days=30, limit=200)
    _save(folder / "feed.atom", render([replace(e, link=f"trials/{e.trial_id}.html") for e in entries], "atom",
                                       now=now, home=home, title="trial-monitor: changes to watched trials"))
    links = Links(static=True, depth=1)
    for trial_id in ids:
        found = read.trial_page(engine, watchlist, trial_id, now)
        if found is None:
            continue
        _save(folder / "trials" / f"{trial_id}.html",
              page("trial.html", links=links, trial=found, editable=False, csrf=None, signed_in=False))
        entries = [c.entry for c in found.timeline if c.entry.level != "info"]
        _save(folder / "trials" / f"{trial_id}.atom",
              render([replace(e, link=f"{trial_id}.html") for e in entries], "atom", now=now, home=home,
                     title=f"trial-monitor: {trial_id}"))
    style = resources.files("monitor.web") / "static" / "style.css"
    _save(folder / "static" / "style.css", style.read_text(encoding="utf-8"))
    return Written(pages, len(ids), _tidy(folder, pages, set(ids)))


def _tidy(folder: Path, pages: int, ids: set[str]) -> int:
    """Remove what an earlier run wrote that is gone now: later index pages, trials no longer watched."""
    removed = 0
    for path in folder.iterdir():
        number = re.fullmatch(r"index-(\d+)\.html", path.name)
        if number and int(number.group(1)) > pages:
            path.unlink()
            removed += 1
    for path in (folder / "trials").iterdir():
        found = TRIAL_FILE.match(path.name)
        if found and found.group(1) not in ids and re.fullmatch(r"[A-Z0-9-]+", found.group(1)):
            path.unlink()
            removed += 1
    return removed


def _save(path: Path, text: str) -> None:
    """Replace the file in one step: a reader (or a sync to the host) never sees half a page."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
