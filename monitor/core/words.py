"""Words for codes, dates and untrusted text, shared by events and rendering.

Everything here is a pure string function. Record text (titles, site names, reasons for
stopping, criteria fragments) comes from the registry and is untrusted: it always passes
through :func:`md_escape` before it lands in a message, so Markdown→HTML conversion (apprise,
for email) can never turn it into markup, links or HTML.
"""

from __future__ import annotations

import re
from typing import Any

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# Characters that mean something to Markdown (or to the HTML it becomes).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#])|&(?=#?[0-9A-Za-z]{1,32};)")
_WHITESPACE = re.compile(r"\s+")


def code_words(code: str | None) -> str:
    """A registry enum in plain words: ``"PRINCIPAL_INVESTIGATOR"`` → ``"Principal investigator"``."""
    if not code:
        return "not given"
    text = clip(code.replace("_", " "), 60).lower()
    return md_escape(text[:1].upper() + text[1:])  # real codes have nothing to escape; junk does


def date_words(struct: dict[str, Any] | None) -> str:
    """A view date ``{"date": "2026-12", "type": "ESTIMATED"}`` → ``"2026-12 (estimated)"``."""
    if not struct or not struct.get("date"):
        return "not given"
    kind = struct.get("type")
    day = md_escape(str(struct["date"]))
    return f"{day} ({md_escape(kind.lower())})" if kind else day


def parse_partial_date(text: str | None) -> tuple[int, int | None, int | None] | None:
    """``"2026"`` / ``"2026-12"`` / ``"2026-12-15"`` → ``(year, month, day)``; None when it does not parse."""
    if not text:
        return None
    found = _PARTIAL_DATE.match(text.strip())
    if not found:
        return None
    year, month, day = found.groups()
    return int(year), int(month) if month else None, int(day) if day else None


def day_words(text: str | None) -> str:
    """A registry date string as written (escaped, since it is still registry text)."""
    return md_escape(text) if text else "not given"


def yes_no(value: bool | None) -> str:
    """A true/false registry flag in words."""
    if value is None:
        return "not given"
    return "yes" if value else "no"


def md_escape(text: str) -> str:
    """Escape untrusted record text so Markdown shows it literally and never produces HTML.

    Backslash-escapes ``\\ ` * _ [ ] < > #`` and an ``&`` that would start an entity
    (a lone ``&`` is harmless and stays readable: ``AT&T``).
    """
    return _MARKDOWN_SPECIAL.sub(lambda m: "\\" + (m.group(1) or "&"), text)


def clip(text: str, limit: int) -> str:
    """Collapse whitespace to single spaces and cut to ``limit`` characters, ending in "…"."""
    flat = _WHITESPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    return flat[: max(limit - 1, 1)].rstrip() + "…"


def inline(text: str | None, limit: int = 120) -> str:
    """Untrusted record text made fit for one Markdown line: flattened, clipped, escaped."""
    if text is None:
        return "not given"
    return md_escape(clip(str(text), limit))


def quoted(text: str | None, limit: int = 80) -> str:
    """Untrusted record text in typographic quotes: ``“…”``."""
    return f"“{inline(text, limit)}”"


def count_words(count: int, singular: str, plural: str | None = None) -> str:
    """``count_words(3, "site")`` → ``"3 sites"``."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def listing(items: list[str], most: int = 5, sep: str = "; ") -> str:
    """Join at most ``most`` items, then "and N more"."""
    shown = sep.join(items[:most])
    rest = len(items) - most
    return f"{shown}{sep}and {rest} more" if rest > 0 else shown
