"""Words for codes, dates and untrusted text, shared by events and rendering.

Everything here is a pure string function. Record text (titles, site names, reasons for
stopping, criteria fragments) comes from the registry and is untrusted: it always passes
through :func:`md_escape` before it lands in a message, so Markdown→HTML conversion (apprise,
for email) can never turn it into markup, links or HTML.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# Characters that mean something to Markdown (or to the HTML it becomes).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#])|&(?=#?[0-9A-Za-z]{1,32};)")
_WHITESPACE = re.compile(r"\s+")
_MD_ESCAPED = re.compile(r"\\([\\`*_\[\]<>#&])")  # what md_escape escapes
# A Markdown backslash escape (CommonMark: a backslash before any ASCII punctuation), as the
# registry's own text carries them (``\>``, ``\[``, ``\*``).
_MARKDOWN_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_NOT_ALNUM = re.compile(r"[\W_]+")
# what comes before an "@" in a URL ("scheme://user:password@host"), also when the URL is too odd to
# parse ("http:/u:pw@h", "@://u:pw@h"): each run of characters up to an "@" that holds no "/"
_USERINFO = re.compile(r"[^/]*@")


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


def md_unescape(text: str) -> str:
    """The inverse of :func:`md_escape`: stored (Markdown-safe) text as people read it."""
    return _MD_ESCAPED.sub(r"\1", text)


def clip(text: str, limit: int) -> str:
    """Collapse whitespace to single spaces and cut to at most ``limit`` characters, ending in "…":
    after the last whole word that fits (a single word longer than that is cut inside it)."""
    flat = _WHITESPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    head = flat[: max(limit - 1, 1)]
    if flat[len(head)] != " " and " " in head:  # the cut falls inside a word: end before it
        head = head[: head.rindex(" ")]
    return (head.rstrip(" ,;:–-") or head) + "…"


def shown_url(url: str) -> str:
    """A URL fit to be shown: its user name and password (if any) replaced by ``***``."""
    return _USERINFO.sub("***@", url)


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


# ── comparing registry text ─────────────────────────────────────────────────────────────


def unescape_markdown(text: str) -> str:
    """Registry text with its Markdown backslash escapes taken out: ``"\\>= 18"`` → ``">= 18"``."""
    return _MARKDOWN_ESCAPED.sub(r"\1", text)


def text_key(value: Any) -> Any:
    """What a text is, for comparing: unescaped, whitespace collapsed, case folded (recursively
    through lists and dicts; lists of texts sorted). Two texts with the same key differ only in
    case, spacing or Markdown escaping, which is not a change worth telling."""
    if isinstance(value, str):
        return _WHITESPACE.sub(" ", unescape_markdown(value)).strip().casefold()
    if isinstance(value, dict):
        return {key: text_key(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        items = [text_key(item) for item in value]
        return sorted(items) if all(isinstance(item, str) for item in items) else items
    return value


def same_text(before: Any, after: Any) -> bool:
    """Do two values differ only in case, spacing or Markdown escaping?"""
    return before == after or text_key(before) == text_key(after)


def folded(text: str | None) -> str:
    """A name as it identifies something: accents, case and punctuation gone (``"Hôpital  Saint-Louis"``
    → ``"hopital saint louis"``)."""
    if not text:
        return ""
    plain = unicodedata.normalize("NFKD", unescape_markdown(text))
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    return _NOT_ALNUM.sub(" ", plain.casefold()).strip()


def ascii_skeleton(text: str | None) -> str:
    """A name's ASCII letters and digits only, case folded: what survives a re-encoding of its accented
    letters (``"HÃ´pital"``, ``"Hă\"Pitaux"`` and ``"Hôpital"``, ``"Hôpitaux"`` share ``"hpital"``, ``"hpitaux"``)."""
    return "".join(char for char in (text or "").casefold() if char.isascii() and char.isalnum())
