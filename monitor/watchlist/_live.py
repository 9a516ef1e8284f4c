"""A watchlist that follows its file: re-read when the file changes, the last good one kept in force
when an edit is bad (said once per bad edit)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ._base import WatchlistError
from ._load import Watchlist, load_watchlist


def file_state(path: Path) -> tuple[int, int, str] | None:
    """What identifies a version of the file (mtime, size, content hash); None when it cannot be read."""
    try:
        data = path.read_bytes()
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, hashlib.sha256(data).hexdigest())


class LiveWatchlist:
    """The watchlist in force: the file's last good version."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.current = watchlist
        self._state = file_state(watchlist.path)
        self._bad: str | None = None

    def poll(self) -> tuple[Watchlist | None, WatchlistError | None]:
        """(the new watchlist, None) when the file changed and loads; (None, the error) once per bad
        edit; (None, None) when nothing changed (or the same bad edit is still there)."""
        state = file_state(self.current.path)
        if state == self._state:
            return None, None
        self._state = state
        try:
            new = load_watchlist(self.current.path)
        except WatchlistError as exc:
            if str(exc) == self._bad:
                return None, None
            self._bad = str(exc)
            return None, exc
        self._bad = None
        self.current = new
        return new, None

    def latest(self) -> Watchlist:
        """The watchlist in force after taking any edit of the file."""
        self.poll()
        return self.current
