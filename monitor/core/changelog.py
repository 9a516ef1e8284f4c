"""Changelogs people can publish: a trial's dated events as text, Markdown, JSON or an Atom feed.

Pure renderers over :class:`Entry` values (the read model makes them from the store; each entry
carries the link to its trial's public page and its title). Event texts are stored Markdown-safe
(record text backslash-escaped); the Markdown renderer keeps them so, the others show them as plain
text. A change to the record is dated as the registry dates it (its "last update posted"), with the
day trial-monitor detected it beside that where the two differ: as a blogger dates an update.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from monitor.core.events.context import PastVersion
from monitor.core.model import Level
from monitor.core.status import HIGH_STATUSES, status_words
from monitor.core.words import clip, md_escape
from monitor.core.words import md_unescape as plain  # stored text as people read it

FORMATS = ("text", "markdown", "json", "atom")
ATOM = "http://www.w3.org/2005/Atom"
# the namespace the first release derived from the registry's site URL (uuid5 of NAMESPACE_URL):
# feed entry ids are derived from it, and must never change (feed readers would see every entry anew).
_FEED_NAMESPACE = uuid.UUID("0935c22a-8058-5719-9a56-ae13d5c43d61")
# kinds that are not an edit the registry posted: dated by when they were detected
NOT_POSTED = frozenset({"baseline", "registered", "not_found", "found_again", "expectation", "new_trial",
                        "no_longer_matches", "outage"})
TITLE_WIDTH = 60  # characters of a trial's title inside a feed entry's title
# kinds a changelog marks so they stand out and can be listed (`history --kind`, `feed --kind`, a feed's
# `?kind=`): kind → (the Atom category term, the words a line is marked with)
MARKS: dict[str, tuple[str, str]] = {"outcome_switch": ("outcome-switching", "outcome switching")}


@dataclass(frozen=True)
class Entry:
    """One dated event of one trial, as a changelog shows it."""

    trial_id: str
    kind: str
    level: str
    when: datetime  # when trial-monitor saw it (or, for the registry's history, when it was posted)
    text: str  # Markdown-safe
    old: Any = None
    new: Any = None
    ref: str = ""  # a stable identity (the stored event's number), for feed ids
    source: str = "trial-monitor"  # or "registry history" (backfilled)
    link: str = ""  # the trial's public page on its registry
    field: str = ""  # the field or group it concerns (``overall_status``, ``primary_completion`` …)
    posted: str | None = None  # the record's "last update posted" when it was seen
    title: str = ""  # the trial's title (record text, as the registry wrote it)

    @property
    def mark(self) -> str:
        """``"outcome switching"`` for a kind the changelogs mark (:data:`MARKS`); else ""."""
        return MARKS[self.kind][1] if self.kind in MARKS else ""

    @property
    def posted_day(self) -> date | None:
        """The registry's date of this change (its "last update posted"), when it is an edit the
        registry posted and that date reads; else None."""
        if self.source != "trial-monitor" or self.kind in NOT_POSTED or not self.posted:
            return None
        try:
            return date.fromisoformat(self.posted[:10])
        except ValueError:
            return None

    @property
    def day(self) -> date:
        """The change's date: the registry's, else the day it was detected."""
        return self.posted_day or self.when.date()

    @property
    def detected_apart(self) -> str:
        """``" (detected 2026-11-23)"`` when that day is not the change's date; else ""."""
        return f" (detected {self.when:%Y-%m-%d})" if self.day != self.when.date() else ""


def of_kinds(entries: Iterable[Entry], kinds: Sequence[str]) -> list[Entry]:
    """The entries of these kinds (all of them when ``kinds`` is empty), in their order."""
    return [e for e in entries if not kinds or e.kind in kinds]


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """By day, newest first; the events of one day keep the order they were found in."""
    return sorted(entries, key=lambda e: e.when.date(), reverse=True)


def version_entries(trial_id: str, versions: Sequence[PastVersion], *, registry: str, link: str = "") -> list[Entry]:
    """The status moves in the registry's own version history (backfilled), as changelog entries."""
    entries, previous = [], None
    for version in sorted(versions, key=lambda v: v.version):
        when = datetime.fromisoformat(version.posted).replace(tzinfo=timezone.utc)
        ref = f"v{version.version}"
        if previous is None:
            text = f"First posted on {registry}: {status_words(version.status)} (registry history, version {version.version})"
            entries.append(Entry(trial_id, "registered", Level.INFO.value, when, text, None, version.status, ref,
                                 "registry history", link))
        elif version.status and version.status != previous:
            level = Level.HIGH if version.status in HIGH_STATUSES else Level.MEDIUM
            text = (f"Overall status: {status_words(previous)} → {status_words(version.status)} "
                    f"(registry history, version {version.version})")
            entries.append(Entry(trial_id, "status", level.value, when, text, previous, version.status, ref,
                                 "registry history", link))
        previous = version.status or previous
    return entries


def render(entries: Sequence[Entry], fmt: str, *, now: datetime, title: str = "", home: str = "") -> str:
    """Entries (already newest first) in one of :data:`FORMATS`; ``now`` dates an empty feed, ``home``
    is the registry's site (the feed's own link)."""
    if fmt == "text":
        return render_text(entries)
    if fmt == "markdown":
        return render_markdown(entries, title)
    if fmt == "json":
        return render_json(entries)
    if fmt == "atom":
        return render_atom(entries, title=title or "trial-monitor: changes to watched trials", now=now, home=home)
    raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def render_text(entries: Sequence[Entry]) -> str:
    """``2026-11-22  Overall status: Not yet recruiting → Recruiting``, one line each; a marked kind
    says so first (``[outcome switching] Primary outcome changed …``)."""
    many = len({e.trial_id for e in entries}) > 1
    return "".join(f"{e.day:%Y-%m-%d}  {e.trial_id + '  ' if many else ''}{_marked(e)}{plain(e.text)}"
                   f"{e.detected_apart}\n" for e in entries)


def _marked(entry: Entry) -> str:
    return f"[{entry.mark}] " if entry.mark else ""


def render_markdown(entries: Sequence[Entry], title: str = "") -> str:
    """A Markdown changelog: a heading per trial, a bullet per event, the level in bold when high."""
    lines: list[str] = []
    for trial_id in dict.fromkeys(e.trial_id for e in entries):
        mine = [e for e in entries if e.trial_id == trial_id]
        named = title or next((e.title for e in mine if e.title), "")
        heading = f"{md_escape(trial_id)} · {md_escape(clip(named, 200))}" if named.strip() else md_escape(trial_id)
        lines += [f"## {heading}", "", f"<{mine[0].link}>", ""] if mine[0].link else [f"## {heading}", ""]
        for e in mine:
            mark = f"**{e.level}** · " if e.level == Level.HIGH.value else f"{e.level} · " if e.level != Level.INFO.value else ""
            mark += f"**{e.mark}** · " if e.mark else ""
            lines.append(f"- **{e.day:%Y-%m-%d}**{e.detected_apart} · {mark}{e.text}")
        lines.append("")
    return "\n".join(lines)


def render_json(entries: Sequence[Entry]) -> str:
    """A JSON list of events: ``kind``, ``level``, ``date`` (the change's: the registry's where it dates it,
    YYYY-MM-DD), ``detected`` (the day trial-monitor saw it), ``text``, ``old``, ``new`` (and the trial)."""
    return json.dumps([
        {"nct_id": e.trial_id, "title": e.title, "kind": e.kind, "level": e.level, "date": f"{e.day:%Y-%m-%d}",
         "detected": f"{e.when:%Y-%m-%d}", "text": plain(e.text), "old": e.old, "new": e.new, "source": e.source}
        for e in entries
    ], ensure_ascii=False, indent=2, default=str) + "\n"


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def _stamp(moment: datetime) -> str:
    """RFC 3339 in UTC, as Atom wants it."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_id(entry: Entry) -> str:
    """A stable, unique id for a feed entry (the same event keeps it across runs)."""
    return f"urn:uuid:{uuid.uuid5(_FEED_NAMESPACE, f'{entry.trial_id}/{entry.source}/{entry.ref or entry.text}')}"


def render_atom(entries: Sequence[Entry], *, title: str, now: datetime, home: str = "") -> str:
    """A valid Atom 1.0 feed: one entry per event, each with id, title, updated, a link to the trial and content."""
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", f"urn:uuid:{uuid.uuid5(_FEED_NAMESPACE, 'feed/' + title)}")
    sub(feed, "title", title)
    newest = max((e.when for e in entries), default=now)
    sub(feed, "updated", _stamp(newest))
    if home:
        sub(feed, "link", rel="alternate", href=home)
    sub(sub(feed, "author"), "name", "trial-monitor")
    sub(feed, "generator", "trial-monitor")
    for e in entries:
        item = sub(feed, "entry")
        sub(item, "id", entry_id(e))
        named = f"{e.trial_id} ({clip(e.title, TITLE_WIDTH)})" if e.title.strip() else e.trial_id
        sub(item, "title", clip(f"{named}: {_marked(e)}{plain(e.text)}", 200))
        # dated as the registry dates the change (a blogger's dated update); the time it was seen when that day
        sub(item, "updated", _stamp(e.when if e.day == e.when.date() else _midnight(e.day)))
        if e.link:
            sub(item, "link", rel="alternate", type="text/html", href=e.link)
        sub(item, "category", term=e.kind, label=f"{e.kind} ({e.level})")
        if e.kind in MARKS:  # a second category, the one a reader's filter or a researcher looks for
            term, words = MARKS[e.kind]
            sub(item, "category", term=term, label=words[:1].upper() + words[1:])
        about = f"{e.trial_id} · {' '.join(e.title.split())}" if e.title.strip() else e.trial_id
        sub(item, "content", f"{about} ({e.level}): {_marked(e)}{plain(e.text)}{e.detected_apart}", type="text")
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
