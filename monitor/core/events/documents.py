"""Documents posted with a trial's record (a study protocol, a statistical analysis plan, an informed
consent form): posted (one event each, with the link to the document), replaced or removed.

Views carry ``documents`` only when a record has some, and views stored before they carried them have
none at all: a trial's documents then all look new at the first check after the upgrade. A document
uploaded before the previous version was posted was already in it; seeing it now is the view catching
up, not news, and is said nothing of (``posted_before``).
"""

from __future__ import annotations

import re
from typing import Any

from monitor.core.events.base import Changes, earlier, event
from monitor.core.model import ChangeEvent, Level
from monitor.core.words import count_words, day_words, inline, listing, md_escape, quoted, same_text

__all__ = ["document_events", "document_words"]

MOST = 5  # documents told one by one in one change; beyond, one line for the rest
# what a document holds (its flags), in the order a reader names them
CONTENTS = (("protocol", "study protocol"), ("sap", "statistical analysis plan"), ("icf", "informed consent form"))
# a link the registry adapter made, fit to quote as it is (anything else is left out, never trusted into a message)
_LINK = re.compile(r"https://[A-Za-z0-9._~:/%-]{1,500}")


def document_words(doc: dict[str, Any]) -> str:
    """What a document is, capitalised: ``"Study protocol and statistical analysis plan"``; from its
    label (``Document “…”``) when it says nothing of its contents."""
    parts = [words for flag, words in CONTENTS if doc.get(flag)]
    if parts:
        said = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    else:
        said = f"document {quoted(doc['label'])}" if doc.get("label") else "document"
    return said[:1].upper() + said[1:]


def _lowered(words: str) -> str:
    return words[:1].lower() + words[1:]


def _day(doc: dict[str, Any], name: str) -> str | None:
    value = doc.get(name)
    return value[:10] if isinstance(value, str) and value.strip() else None


def _dated(doc: dict[str, Any]) -> str:
    """`` (dated 2020-01-07)``, else `` (uploaded 2022-10-27)``, else nothing."""
    if _day(doc, "date"):
        return f" (dated {day_words(_day(doc, 'date'))})"
    return f" (uploaded {day_words(_day(doc, 'uploaded'))})" if _day(doc, "uploaded") else ""


def _link(doc: dict[str, Any]) -> str:
    """``". Document: https://…"``: a second sentence, so a message title (its first sentence) stays short."""
    url = doc.get("url")
    return f". Document: {md_escape(url)}" if isinstance(url, str) and _LINK.fullmatch(url) else ""


def _catching_up(doc: dict[str, Any], posted_before: str | None) -> bool:
    """Was the document already in the previous version (uploaded, by day, before it was posted)?"""
    return posted_before is not None and earlier(_day(doc, "uploaded") or _day(doc, "date"), posted_before)


def _replaced(before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """How a document kept under its file name changed (its date, its upload); None for relabelling only."""
    parts = []
    if not same_text(before.get("date"), after.get("date")):
        parts.append(f"dated {day_words(_day(before, 'date'))} → {day_words(_day(after, 'date'))}")
    if not same_text(before.get("uploaded"), after.get("uploaded")):
        parts.append(f"uploaded {day_words(_day(after, 'uploaded'))}")
    return ", ".join(parts) or None


def document_events(
    old: dict[str, Any], new: dict[str, Any], changes: Changes, posted_before: str | None = None
) -> list[ChangeEvent]:
    """MEDIUM: a document posted (one event each, up to five, with its link); LOW: a document replaced
    under the same file name (a new date or upload), or removed. ``posted_before`` is the previous
    version's "last update posted" when the previous view could not have had documents (it has none):
    a document uploaded before that day was in it already, and is not announced.

    Documents are few: they are compared whole, not through deepdiff's paths (``changes`` is unused).
    """
    events: list[ChangeEvent] = []
    added = [name for name in sorted(set(new) - set(old)) if not _catching_up(new[name], posted_before)]
    for name in added[:MOST]:
        doc = new[name]
        events.append(event("document", "document_posted", None, {name: doc},
                            f"{document_words(doc)} posted{_dated(doc)}{_link(doc)}", Level.MEDIUM))
    if len(added) > MOST:
        more = added[MOST:]
        text = f"{count_words(len(more), 'more document')} posted: " + listing(
            [f"{_lowered(document_words(new[name]))}{_dated(new[name])}" for name in more], 3)
        events.append(event("document", "document_posted", None, {name: new[name] for name in more}, text,
                            Level.MEDIUM))
    for name in sorted(set(old) & set(new)):
        how = _replaced(old[name], new[name])
        if how:
            events.append(event("document", "document_replaced", {name: old[name]}, {name: new[name]},
                                f"{document_words(new[name])} replaced: {how}{_link(new[name])}", Level.LOW))
    for name in sorted(set(old) - set(new)):
        doc = old[name]
        dated = f", dated {day_words(_day(doc, 'date'))}" if _day(doc, "date") else ""
        events.append(event("document", "document_removed", {name: doc}, None,
                            f"{document_words(doc)} removed ({inline(name, 80)}{dated})", Level.LOW))
    return events
