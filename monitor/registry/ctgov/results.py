"""The posted results of a ClinicalTrials.gov v2 study, read into the compact ``findings`` of the view.

Only what a results summary and its corrections need is kept (a real record's results run to
1.4 MB; its findings to a few KB): each primary outcome with its values per group, its number
analysed and its statistical analyses; the titles of the other outcomes; who started and completed;
serious adverse events and deaths per group. Values stay the strings the record gives
(``"19.63"``, ``"<0.001"``): no invented precision. Groups are named by their titles, not by the
record's ids (``OG000`` …), which the registry renumbers: a renumbering is no change.

A results section of an odd shape does not make the record unreadable: its findings say so
(``{"unreadable": why}``), and every other alert of the trial still comes.
"""

from __future__ import annotations

from typing import Any

from monitor.core.view import keyed_entries
from monitor.registry.reader import Reader, RecordShapeError

RESULTS_TAB = "https://clinicaltrials.gov/study/{id}?tab=results"
OUTCOMES = "outcomeMeasuresModule.outcomeMeasures"


def findings_of(read: Reader, section: dict[str, Any]) -> dict[str, Any]:
    """The findings of a results section (see the module docstring); never raises on its shape."""
    try:
        return _findings(read, section)
    except RecordShapeError as exc:
        return {"link": RESULTS_TAB.format(id=read.trial_id), "unreadable": exc.problem}


def _findings(read: Reader, section: dict[str, Any]) -> dict[str, Any]:
    measures = read.items(read.module(section, "outcomeMeasuresModule", "resultsSection"), "outcomeMeasures",
                          "outcomeMeasuresModule")
    primary = [m for m in measures if (read.text(m, "type", OUTCOMES) or "").upper() == "PRIMARY"]
    others = [m for m in measures if (read.text(m, "type", OUTCOMES) or "").upper() != "PRIMARY"]
    return {
        "link": RESULTS_TAB.format(id=read.trial_id),
        "primary": keyed_entries([(_title(read, m), {"rank": rank, **_outcome(read, m)})
                                  for rank, m in enumerate(primary, start=1)]),
        "other_outcomes": sorted({_title(read, m) for m in others if _title(read, m)}),
        "flow": _flow(read, read.module(section, "participantFlowModule", "resultsSection")),
        "adverse": _adverse(read, read.module(section, "adverseEventsModule", "resultsSection")),
    }


def _title(read: Reader, measure: dict[str, Any]) -> str:
    return (read.text(measure, "title", OUTCOMES) or "").strip()


def _group_names(read: Reader, groups: list[dict[str, Any]], where: str) -> dict[str, str]:
    """The record's group ids → their titles, made unique (``Placebo #2``) in record order."""
    names: dict[str, str] = {}
    seen: dict[str, int] = {}
    for group in groups:
        title = " ".join((read.text(group, "title", where) or read.text(group, "id", where) or "").split()) or "Group"
        seen[title] = seen.get(title, 0) + 1
        names[read.text(group, "id", where) or title] = title if seen[title] == 1 else f"{title} #{seen[title]}"
    return names


def _group(read: Reader, item: dict[str, Any], names: dict[str, str], where: str) -> str | None:
    """The title of the group ``item`` is about (its ``groupId``, when the record names no such group)."""
    group_id = read.text(item, "groupId", where)
    return names.get(group_id, group_id) if group_id is not None else None


def _outcome(read: Reader, measure: dict[str, Any]) -> dict[str, Any]:
    names = _group_names(read, read.items(measure, "groups", OUTCOMES), OUTCOMES)
    denoms = read.items(measure, "denoms", OUTCOMES)
    first = denoms[0] if denoms else {}
    analysed = {_group(read, c, names, f"{OUTCOMES}.denoms.counts"): read.text(c, "value", f"{OUTCOMES}.denoms")
                for c in read.items(first, "counts", f"{OUTCOMES}.denoms")}
    return {
        "time_frame": read.text(measure, "timeFrame", OUTCOMES),
        "param_type": read.text(measure, "paramType", OUTCOMES),
        "dispersion": read.text(measure, "dispersionType", OUTCOMES),
        "unit": read.text(measure, "unitOfMeasure", OUTCOMES),
        "groups": list(names.values()),
        "analysed": {k: v for k, v in analysed.items() if k},
        "analysed_units": read.text(first, "units", f"{OUTCOMES}.denoms"),
        "rows": _rows(read, measure, names),
        "analyses": [_analysis(read, item, names) for item in read.items(measure, "analyses", OUTCOMES)],
    }


def _rows(read: Reader, measure: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """One row per class and category (most outcomes have one): its label and a value per group."""
    rows = []
    for klass in read.items(measure, "classes", OUTCOMES):
        for category in read.items(klass, "categories", f"{OUTCOMES}.classes"):
            label = " — ".join(
                part for part in (read.text(klass, "title", f"{OUTCOMES}.classes"),
                                  read.text(category, "title", f"{OUTCOMES}.classes.categories")) if part
            )
            values = {}
            for cell in read.items(category, "measurements", f"{OUTCOMES}.classes.categories"):
                where = f"{OUTCOMES}.measurements"
                shown = {key: read.text(cell, field, where) for key, field in
                         (("value", "value"), ("spread", "spread"), ("lower", "lowerLimit"), ("upper", "upperLimit"),
                          ("comment", "comment"))}
                values[str(_group(read, cell, names, where))] = {k: v for k, v in shown.items() if v}
            rows.append({"label": label, "values": values})
    return rows


def _analysis(read: Reader, item: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    where = f"{OUTCOMES}.analyses"
    shown = {key: read.text(item, field, where) for key, field in (
        ("param_type", "paramType"), ("value", "paramValue"), ("ci_pct", "ciPctValue"), ("ci_sides", "ciNumSides"),
        ("lower", "ciLowerLimit"), ("upper", "ciUpperLimit"), ("p", "pValue"), ("method", "statisticalMethod"),
        ("dispersion", "dispersionType"), ("dispersion_value", "dispersionValue"),
    )}
    groups = [names.get(gid, gid) for gid in read.texts(item, "groupIds", where)]
    return {"groups": groups, **{k: v for k, v in shown.items() if v}}


def _count(value: Any) -> str | None:
    return None if value is None or isinstance(value, bool) else str(value).strip() or None


def _flow(read: Reader, flow: dict[str, Any]) -> dict[str, Any]:
    """Started and completed per group: each group from the first period it starts in to the end of
    the last period it is in (a trial with a blinded period and an extension has both)."""
    where = "participantFlowModule"
    names = _group_names(read, read.items(flow, "groups", where), where)
    started: dict[str, str] = {}
    completed: dict[str, str] = {}
    periods = read.items(flow, "periods", where)
    for period in periods:
        here: dict[str, dict[str, str]] = {"STARTED": {}, "COMPLETED": {}}
        for milestone in read.items(period, "milestones", f"{where}.periods"):
            kind = (read.text(milestone, "type", f"{where}.periods.milestones") or "").upper()
            for got in read.items(milestone, "achievements", f"{where}.periods.milestones") if kind in here else ():
                group = _group(read, got, names, f"{where}.periods.milestones.achievements")
                count = _count(got.get("numSubjects"))
                if group and count is not None:
                    here[kind][group] = count
        for group, count in here["STARTED"].items():
            if count == "0":
                continue  # not in this period
            started.setdefault(group, count)
            if group in here["COMPLETED"]:
                completed[group] = here["COMPLETED"][group]
    return {"groups": [name for name in names.values() if name in started], "started": started,
            "completed": completed, "periods": len(periods)}


def _adverse(read: Reader, adverse: dict[str, Any]) -> dict[str, Any]:
    where = "eventGroups"
    listed = read.items(adverse, "eventGroups", "adverseEventsModule")
    names = _group_names(read, listed, where)
    groups: dict[str, dict[str, Any]] = {}
    for group in listed:
        name = names.get(read.text(group, "id", where) or "", "")
        counts = {key: read.count(group, field, where) for key, field in (
            ("serious", "seriousNumAffected"), ("at_risk", "seriousNumAtRisk"),
            ("deaths", "deathsNumAffected"), ("deaths_at_risk", "deathsNumAtRisk"),
        )}
        if name:
            groups[name] = {k: v for k, v in counts.items() if v is not None}
    return {"groups": list(groups), "counts": groups}
