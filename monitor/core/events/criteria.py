"""Eligibility criteria compared criterion by criterion: which criteria were added, removed or edited.

Registries write criteria as Markdown-ish text: headings (``Inclusion Criteria:``, ``Key Exclusion
Criteria:``), then one criterion a line, as bullets (``* …``, ``1. …``) with nested bullets indented
beneath. Each non-empty line is one unit; a heading naming inclusion or exclusion sets the section of
the lines under it. The units are aligned (difflib) on their text made blind to case, spacing and
Markdown escapes; a removed and an added unit that share most of their words are one edited criterion.
Only inside one edited criterion too long to quote whole do the words say what moved.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from monitor.core.words import listing, quoted, text_key, unescape_markdown

_BULLET = re.compile(r"^(?:[*\-+•]|\d{1,3}[.)]|[A-Za-z][.)])\s+")
_SECTION = re.compile(r"\b(inclusion|exclusion)\b", re.IGNORECASE)
SIMILAR = 0.5  # a removed and an added criterion sharing this much of their words are one edited criterion
QUOTED = 120  # a criterion is quoted whole up to this length (then clipped)
SHOWN = 3  # criteria named in one sentence, then "and N more"


@dataclass(frozen=True)
class Criterion:
    """One line of the criteria: its text (bullet marker taken off, escapes kept as written)."""

    text: str
    section: str | None  # "inclusion", "exclusion", or None when no heading said
    heading: bool = False

    @property
    def key(self) -> str:
        return text_key(self.text)

    @property
    def label(self) -> str:
        if self.heading:
            return "heading"
        return f"{self.section} criterion" if self.section else "criterion"


@dataclass(frozen=True)
class CriterionChange:
    """A criterion added (``before`` None), removed (``after`` None) or edited."""

    before: Criterion | None
    after: Criterion | None


def criteria_of(text: str) -> list[Criterion]:
    """The criteria text as its lines, each with the section it sits in."""
    section: str | None = None
    found = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        body = _BULLET.sub("", stripped, count=1)
        named = _SECTION.search(body)
        heading = body == stripped and named is not None and len(body) <= 60 and (body.endswith(":") or len(body) <= 30)
        if heading and named:
            section = named.group(1).lower()
        found.append(Criterion(body, section, heading))
    return found


def _words(criterion: Criterion) -> list[str]:
    return criterion.key.split()


def _similar(before: Criterion, after: Criterion) -> bool:
    return difflib.SequenceMatcher(None, _words(before), _words(after), autojunk=False).ratio() >= SIMILAR


def _pair(olds: list[Criterion], news: list[Criterion]) -> list[CriterionChange]:
    """A replaced stretch: one criterion for one is an edit; otherwise each removed criterion is paired,
    in order, with the next added one like it."""
    if len(olds) == len(news) == 1:
        return [CriterionChange(olds[0], news[0])]
    changes, start = [], 0
    for before in olds:
        match = next((j for j in range(start, len(news)) if _similar(before, news[j])), None)
        if match is None:
            changes.append(CriterionChange(before, None))
            continue
        changes += [CriterionChange(None, after) for after in news[start:match]]
        changes.append(CriterionChange(before, news[match]))
        start = match + 1
    return changes + [CriterionChange(None, after) for after in news[start:]]


def criteria_changes(before: str, after: str) -> list[CriterionChange]:
    """The criteria added, removed and edited between two criteria texts (nothing when only layout,
    case, spacing or escaping moved), in the order of the texts."""
    old, new = criteria_of(before), criteria_of(after)
    matcher = difflib.SequenceMatcher(None, [c.key for c in old], [c.key for c in new], autojunk=False)
    changes: list[CriterionChange] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changes += _pair(old[i1:i2], new[j1:j2])
    return changes


def criteria_edits(before: str, after: str, most: int = 3) -> str:
    """Word-level summary of an edit: ``added “…”, removed “…”`` (at most ``most`` fragments, then "…")."""
    old_words, new_words = unescape_markdown(before).split(), unescape_markdown(after).split()
    # Edits are usually local: set the shared head and tail aside so the matcher sees little.
    head = 0
    while head < min(len(old_words), len(new_words)) and old_words[head] == new_words[head]:
        head += 1
    tail = 0
    while tail < min(len(old_words), len(new_words)) - head and old_words[-1 - tail] == new_words[-1 - tail]:
        tail += 1
    old_words = old_words[head : len(old_words) - tail]
    new_words = new_words[head : len(new_words) - tail]
    large = len(old_words) * len(new_words) > 1_000_000  # a rewrite: a rougher, bounded diff is fine
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=large)
    fragments = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            fragments.append(f"added {quoted(' '.join(new_words[j1:j2]), 80)}")
        if tag in ("replace", "delete"):
            fragments.append(f"removed {quoted(' '.join(old_words[i1:i2]), 80)}")
    if not fragments:
        return "layout only"
    return ", ".join(fragments[:most]) + (", …" if len(fragments) > most else "")


def _shown(criterion: Criterion, limit: int = QUOTED) -> str:
    return quoted(unescape_markdown(criterion.text), limit)


def change_words(change: CriterionChange) -> str:
    """One criterion change in words: ``added exclusion criterion “…”``, ``edited … “…” → “…”``."""
    before, after = change.before, change.after
    if before is None and after is not None:
        return f"added {after.label} {_shown(after)}"
    if after is None and before is not None:
        return f"removed {before.label} {_shown(before)}"
    assert before is not None and after is not None
    if max(len(unescape_markdown(before.text)), len(unescape_markdown(after.text))) <= QUOTED:
        return f"edited {after.label} {_shown(before)} → {_shown(after)}"
    return f"edited {after.label} {_shown(after, 60)}: {criteria_edits(before.text, after.text, most=2)}"


def criteria_words(changes: list[CriterionChange]) -> str:
    """The sentence: ``Eligibility criteria: added …; removed …; and 2 more``."""
    return "Eligibility criteria: " + listing([change_words(change) for change in changes], most=SHOWN)
