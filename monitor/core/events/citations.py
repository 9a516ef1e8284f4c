"""A publication's citation read into its parts, and the line that tells of a newly linked one.

Registries cite papers the way PubMed (NLM) does: ``Authors. Title. Journal. Year Mon;Vol(Issue):pages.
doi: … Epub …`` with journal abbreviations that carry no full stops (``Lancet Oncol``, ``J Clin Oncol``).
The date after the journal anchors the parse; a citation written otherwise is shown as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from monitor.core.words import clip, inline, md_escape, quoted, unescape_markdown

# ". 2021 Feb;22(2)", ". 2019 Apr 1;111(4)", ". 2026;97(3)", ". 2022 Mar-Apr;…", ". 2024." (an ahead-of-print)
_JOURNAL_DATE = re.compile(
    r"\.\s+([^.\d]{2,80}?)\.?\s+((?:19|20)\d{2})(?:\s+[A-Z][a-z]{2}(?:-[A-Z][a-z]{2})?(?:\s+\d{1,2})?)?\s*(?:[;:]|\.(?:\s|$)|$)"
)
# The types of a reference that is the trial's own publication (its results, or a paper derived from it).
RESULTS_TYPES = frozenset({"RESULT", "DERIVED"})
AUTHORS_SHOWN = 3


@dataclass(frozen=True)
class Citation:
    """A citation's parts (plain text, unescaped)."""

    authors: str
    title: str
    journal: str
    year: str


def parse_citation(text: str | None) -> Citation | None:
    """``Authors. Title. Journal. Year…`` → its parts; None when the citation is not written so."""
    if not text:
        return None
    flat = " ".join(unescape_markdown(text).split())
    for found in _JOURNAL_DATE.finditer(flat):
        head = flat[: found.start()]
        authors, sep, title = head.partition(". ")
        if sep and len(title) >= 3 and len(authors) <= 2000:
            return Citation(authors.strip(), title.strip().rstrip("."), found.group(1).strip(), found.group(2))
    return None


def authors_words(authors: str) -> str:
    """The first authors, then "et al.": ``Mayer EL, Dueck AC, Martin M, et al.``."""
    names = [name.strip() for name in authors.split(",") if name.strip()]
    if len(names) > AUTHORS_SHOWN:
        names = names[:AUTHORS_SHOWN] + ([] if names[AUTHORS_SHOWN - 1] == "et al" else ["et al"])
    shown = ", ".join(names)
    return clip(shown + "." if shown.endswith("et al") else shown, 80)


def publication_words(key: str, entry: dict[str, Any] | None) -> str:
    """A linked publication for people: ``“Title” — Journal Year; PMID 123; Authors, et al.``, or
    ``PMID 123 — citation…`` when its citation does not parse."""
    citation = (entry or {}).get("citation")
    parsed = parse_citation(citation)
    pmid = f"PMID {md_escape(key)}" if key.isdigit() else ""
    if parsed is None:
        shown = inline(unescape_markdown(citation) if citation else "no citation", 120)
        return f"{pmid} — {shown}" if pmid else shown
    where = inline(f"{parsed.journal} {parsed.year}", 60)
    return "; ".join(part for part in (f"{quoted(parsed.title, 160)} — {where}", pmid,
                                      md_escape(authors_words(parsed.authors))) if part)


def is_results(entry: dict[str, Any] | None) -> bool:
    """Is this reference the trial's own publication (results, or derived from the trial)?"""
    return (entry or {}).get("type") in RESULTS_TYPES


def added_words(key: str, entry: dict[str, Any] | None) -> str:
    """The line for one newly linked publication."""
    label = "New results publication" if is_results(entry) else "New linked publication"
    return f"{label}: {publication_words(key, entry)}"
