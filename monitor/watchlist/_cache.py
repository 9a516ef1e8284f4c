"""A large watchlist's trials, kept between reads and keyed on the file's content.

Even libyaml takes about half a second to read and check the trials of a 100,000-trial watchlist,
and a ``trial-monitor check`` run from cron reads the file every time. After a fast read (``_fast``)
of a watchlist with at least ``LEAST`` trials, none with ``near:``, and no warnings, its trial
entries are kept in the data folder (``FILE``), with the sha256 of the file's text and where the
trials' items lie in it. The next read of the same text reads only the rest: the text with those
items replaced by ``[]`` (a few lines, read fast), and takes the entries as kept. It is kept only
when that shorter text was read, there and then, into the same values as the whole one, so a hit
gives the very watchlist a full read gives; any edit of the file is a miss, and a miss is a full read.

Only trial ids and labels are kept (never a notify URL: no secret leaves the watchlist), the file is
written whole or not at all (a temporary file, then a rename), and a folder that is missing or not
writable just means no cache: nothing here ever makes a read fail.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

FILE = "watchlist-trials.json"
FORMAT = 1
LEAST = 1000  # trials: smaller watchlists read fast enough (and are not worth a file)
EMPTY = "[]"
_LABEL = (str, type(None))


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def without_trials(text: str, span: tuple[int, int]) -> str:
    """The text with the trials' items replaced by an empty list."""
    start, end = span
    return text[:start] + EMPTY + text[end:]


def recall(folder: Path | None, text: str) -> tuple[str, list[tuple[str, str | None]]] | None:
    """(the text without its trials, the trial entries as kept) when they were kept for this text."""
    if folder is None:
        return None
    try:
        kept = orjson.loads((folder / FILE).read_bytes())
        if kept["format"] != FORMAT or kept["sha256"] != digest(text):
            return None
        start, end = kept["span"]
        entries: list[tuple[str, str | None]] = kept["trials"]  # [id, label] pairs
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)) or not all(
                type(entry) is list and len(entry) == 2 and type(entry[0]) is str and type(entry[1]) in _LABEL
                for entry in entries):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return without_trials(text, (start, end)), entries


def keep(folder: Path | None, text: str, span: tuple[int, int], entries: Sequence[tuple[str, str | None]]) -> None:
    """Keep a watchlist's trial entries for the next read of the same text (the caller has checked
    that the text without them reads the same); never fails."""
    if folder is None or len(entries) < LEAST or not folder.is_dir():
        return
    record: dict[str, Any] = {"format": FORMAT, "sha256": digest(text), "span": list(span), "trials": entries}
    with contextlib.suppress(OSError):
        handle, name = tempfile.mkstemp(prefix=".watchlist-trials-", dir=folder)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(orjson.dumps(record))
            os.replace(name, folder / FILE)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
