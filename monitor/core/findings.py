"""What posted results say, in a careful reader's words: the summary of a trial's ``findings``.

:func:`summary` turns the view's ``results.findings`` (see :mod:`monitor.registry.ctgov.results`)
into plain values a template lays out: each primary outcome's value per group, with its spread or
interval as the record states it and the number analysed; the first analysis that compares groups
(estimate, interval, p-value, method); who started and completed; serious adverse events and
deaths. At most 3 primary outcomes, 4 groups and 4 rows are kept, with counts of the rest; ``short``
is the few lines chat and webhook targets get. Numbers stay as the record gives them. Pure: the
values come in, words come out; texts are plain (a template escapes them for its style).
"""

from __future__ import annotations

import re
from typing import Any

from monitor.core.words import clip, count_words

MOST_OUTCOMES, MOST_GROUPS, MOST_ROWS = 3, 4, 4

# How the record states a value ("paramType"), as words before the number ("" for a plain number).
PARAM_WORDS = {
    "MEAN": "mean", "MEDIAN": "median", "LEAST_SQUARES_MEAN": "least squares mean", "GEOMETRIC_MEAN": "geometric mean",
    "GEOMETRIC_LEAST_SQUARES_MEAN": "geometric least squares mean", "LOG_MEAN": "log mean", "NUMBER": "",
    "COUNT_OF_PARTICIPANTS": "", "COUNT_OF_UNITS": "",
}
_SUPERSCRIPTS = {"^2": "²", "^3": "³"}


def _key(text: str | None) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", (text or "").upper()).strip("_")


def unit_words(unit: str | None) -> tuple[str, str]:
    """(what follows the number, its separator): ``percentage of participants`` → ``("% of participants", " ")``."""
    shown = (unit or "").strip()
    for caret, sign in _SUPERSCRIPTS.items():
        shown = shown.replace(caret, sign)
    found = re.match(r"(?i)^(percentage|percent|%)(\s+of\s+.*)?$", shown)
    if found:
        return "%" + (found.group(2) or ""), " "
    return shown, " " if shown else ""


def spread_words(dispersion: str | None, cell: dict[str, Any]) -> str:
    """``(95 % CI 15.6 to 22.6)``, ``(SD 11)``, ``(full range 12 to 37.8)``: the spread as the record states it."""
    key = _key(dispersion)
    lower, upper, spread = cell.get("lower"), cell.get("upper"), cell.get("spread")
    if "CONFIDENCE" in key:
        level = re.search(r"\d+(?:\.\d+)?", (dispersion or "").replace("_", "."))
        name = f"{level.group(0)} % CI" if level else "CI"
    else:
        name = {"FULL_RANGE": "full range", "INTER_QUARTILE_RANGE": "IQR", "STANDARD_DEVIATION": "SD",
                "STANDARD_ERROR": "SE", "GEOMETRIC_COEFFICIENT_OF_VARIATION": "geometric CV",
                "GEOMETRIC_COEFFICIENT": "geometric CV"}.get(key, (dispersion or "").strip())
    if lower is not None or upper is not None:
        if lower in (None, "NA") and upper in (None, "NA"):
            return ""
        return f" ({name} {lower or '…'} to {upper or '…'})" if name else f" ({lower or '…'} to {upper or '…'})"
    if spread is not None and spread != "NA":
        return f" ({name} {spread})" if name and key != "NA" else f" (± {spread})"
    return ""


def value_words(outcome: dict[str, Any], cell: dict[str, Any] | None) -> str:
    """One group's value: ``mean 19.63 Kg/m² (full range 15.56 to 22.64)``, ``83.7 % of participants``."""
    if not cell or cell.get("value") in (None, ""):
        return "not reported"
    value = cell["value"]
    if value == "NA":
        comment = cell.get("comment")
        return "not available" + (f" ({clip(comment, 80)})" if comment else "")
    param = PARAM_WORDS.get(_key(outcome.get("param_type")), (outcome.get("param_type") or "").replace("_", " ").lower())
    unit, sep = unit_words(outcome.get("unit"))
    if unit.startswith("%"):
        sep = "" if unit == "%" else " "
    number = f"{value}{sep}{unit}" if unit else value
    return " ".join(part for part in (param, number) if part) + spread_words(outcome.get("dispersion"), cell)


def _estimate_name(param_type: str | None) -> str:
    """``Hazard Ratio (HR)`` → ``hazard ratio``: lower case for capitalised words, a trailing abbreviation dropped."""
    name = re.sub(r"\s*\([A-Za-z]{1,6}\)\s*$", "", (param_type or "").strip())
    words = [w.lower() if w[:1].isupper() and w[1:].islower() else w for w in name.split()]
    return " ".join(words) or "estimate"


def p_words(p: str | None) -> str:
    """``p = 0.65``; ``p < 0.001`` (a p-value the record gives with its own sign keeps it)."""
    if not p:
        return ""
    text = p.strip()
    found = re.match(r"^(<=|>=|≤|≥|<|>|=)\s*(.*)$", text)
    return f"p {found.group(1)} {found.group(2)}" if found else f"p = {text}"


def comparison(analysis: dict[str, Any]) -> dict[str, Any]:
    """An analysis in words: its estimate with the interval, the p-value and the method."""
    estimate = ""
    if analysis.get("value") not in (None, ""):
        estimate = f"{_estimate_name(analysis.get('param_type'))} {analysis['value']}"
        lower, upper = analysis.get("lower"), analysis.get("upper")
        if lower not in (None, "NA") or upper not in (None, "NA"):
            sided = " one-sided" if _key(analysis.get("ci_sides")) == "ONE_SIDED" else ""
            level = f"{analysis['ci_pct']} %{sided} CI" if analysis.get("ci_pct") else f"{sided.strip()} CI".strip()
            estimate += f" ({level} {lower if lower not in (None, 'NA') else '…'} to "
            estimate += f"{upper if upper not in (None, 'NA') else '…'})"
    p = p_words(analysis.get("p"))
    method = (analysis.get("method") or "").strip()
    text = ", ".join(part for part in (estimate, p, method) if part)
    return {"groups": list(analysis.get("groups") or []), "estimate": estimate, "p": p, "method": method, "text": text}


def _first_comparison(outcome: dict[str, Any]) -> dict[str, Any] | None:
    for analysis in outcome.get("analyses") or []:
        shown = comparison(analysis)
        if len(analysis.get("groups") or []) >= 2 and shown["text"]:
            return shown
    return None


def outcome_summary(title: str, outcome: dict[str, Any]) -> dict[str, Any]:
    """One primary outcome: its title, time frame, rows of values per group (4 groups, 4 rows at most)."""
    groups = [g for g in outcome.get("groups") or [] if any(g in (row.get("values") or {}) for row in outcome.get("rows") or [])]
    groups = groups or list(outcome.get("groups") or [])
    analysed = outcome.get("analysed") or {}
    rows = []
    for row in (outcome.get("rows") or [])[:MOST_ROWS]:
        cells = row.get("values") or {}
        rows.append({"label": row.get("label") or "", "values": [
            {"group": g, "value": value_words(outcome, cells.get(g)), "analysed": analysed.get(g)} for g in groups[:MOST_GROUPS]
        ]})
    return {
        "title": title, "time_frame": outcome.get("time_frame") or "", "unit": unit_words(outcome.get("unit"))[0],
        "groups": [{"title": g, "analysed": analysed.get(g)} for g in groups[:MOST_GROUPS]],
        "rows": rows, "comparison": _first_comparison(outcome),
        "more_groups": max(len(groups) - MOST_GROUPS, 0), "more_rows": max(len(outcome.get("rows") or []) - MOST_ROWS, 0),
    }


def _participants(flow: dict[str, Any]) -> list[dict[str, Any]]:
    started, completed = flow.get("started") or {}, flow.get("completed") or {}
    return [{"group": g, "started": started.get(g), "completed": completed.get(g)} for g in flow.get("groups") or []]


def _serious(adverse: dict[str, Any]) -> list[dict[str, Any]]:
    counts = adverse.get("counts") or {}
    return [{"group": g, "affected": counts[g].get("serious"), "at_risk": counts[g].get("at_risk"),
             "deaths": counts[g].get("deaths"), "deaths_at_risk": counts[g].get("deaths_at_risk")}
            for g in adverse.get("groups") or [] if g in counts]


def summary(findings: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the results say (see the module docstring); None when the record holds no findings to read."""
    if not findings or findings.get("unreadable"):
        return None
    primary = sorted((findings.get("primary") or {}).items(), key=lambda item: (item[1].get("rank") or 0, item[0]))
    outcomes = [outcome_summary(title, outcome) for title, outcome in primary[:MOST_OUTCOMES]]
    participants, serious = _participants(findings.get("flow") or {}), _serious(findings.get("adverse") or {})
    shown = {
        "link": findings.get("link") or "",
        "outcomes": outcomes, "more_outcomes": max(len(primary) - MOST_OUTCOMES, 0),
        "participants": participants[:MOST_GROUPS], "more_participant_groups": max(len(participants) - MOST_GROUPS, 0),
        "serious": serious[:MOST_GROUPS], "more_serious_groups": max(len(serious) - MOST_GROUPS, 0),
        "deaths_reported": any(row["deaths"] is not None for row in serious),
    }
    return {**shown, "short": short_lines(shown)}


def _group_values(row: dict[str, Any], title_limit: int = 70) -> str:
    return "; ".join(f"{clip(cell['group'], title_limit)}: {cell['value']}" for cell in row["values"])


def short_lines(shown: dict[str, Any]) -> list[str]:
    """The short form (chat, webhooks): the first primary outcome, each group's value, the comparison."""
    if not shown["outcomes"]:
        return []
    first = shown["outcomes"][0]
    lines = [f"{first['title']}" + (f" ({first['time_frame']})" if first["time_frame"] else "")]
    for row in first["rows"][:3]:
        more = f"; +{count_words(first['more_groups'], 'more group')}" if first["more_groups"] else ""
        lines.append((f"{row['label']}: " if row["label"] else "") + _group_values(row) + more)
    if len(first["rows"]) > 3 or first["more_rows"]:
        lines.append("+" + count_words(len(first["rows"]) - 3 + first["more_rows"], "more row"))
    if first["comparison"]:
        lines.append("Comparison: " + first["comparison"]["text"])
    if shown["more_outcomes"] or len(shown["outcomes"]) > 1:
        lines.append("+" + count_words(len(shown["outcomes"]) - 1 + shown["more_outcomes"], "more primary outcome"))
    return [clip(line, 400) for line in lines]
