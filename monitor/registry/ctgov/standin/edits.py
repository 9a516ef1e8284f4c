"""Changes to a served study, made as ClinicalTrials.gov makes them: the sponsor's edit, then the
record posted with the refresh's date (``lastUpdatePostDate``), which is what a check's "updated
since" listing finds. :meth:`StandInRegistry.revise <monitor.registry.ctgov.standin.registry.
StandInRegistry.revise>` applies them on the registry's next refresh; the demo and the tests use them.

Each builder returns an edit: a function that changes a study in place (the stand-in hands it a copy).
"""

from __future__ import annotations

import calendar
import copy
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

Study = dict[str, Any]
Edit = Callable[[Study], Study | None]

RESULTS_DATES = ("resultsFirstSubmitDate", "resultsFirstSubmitQcDate", "resultsFirstPostDateStruct")


def status_module(study: Study) -> dict[str, Any]:
    return study["protocolSection"]["statusModule"]


def posted(study: Study, day: date) -> Study:
    """``study`` as the registry posts an update on ``day``: submitted the day before, posted that day."""
    status = status_module(study)
    status["lastUpdateSubmitDate"] = (day - timedelta(days=1)).isoformat()
    status["lastUpdatePostDateStruct"] = {"date": day.isoformat(), "type": "ACTUAL"}
    return study


def applied(edit: Edit, study: Study) -> Study:
    """The study ``edit`` leaves: the one it changed in place, or the one it returned."""
    result = edit(study)
    return study if result is None else result


def later(text: str, months: int) -> str:
    """A registry date (``2027-01-16`` or ``2027-01``) ``months`` later, in the same precision."""
    year, month, *day = (int(part) for part in text.split("-"))
    total = year * 12 + month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    if not day:
        return f"{year:04d}-{month:02d}"
    return date(year, month, min(day[0], calendar.monthrange(year, month)[1])).isoformat()


def new_status(status: str, *, verified: date, why_stopped: str | None = None) -> Edit:
    """The overall status moves to ``status`` (e.g. ``ACTIVE_NOT_RECRUITING``), verified in
    ``verified``'s month; a reason why it stopped when given (TERMINATED, SUSPENDED, WITHDRAWN)."""
    def edit(study: Study) -> None:
        module = status_module(study)
        module["overallStatus"] = status
        module["statusVerifiedDate"] = verified.strftime("%Y-%m")
        if why_stopped:
            module["whyStopped"] = why_stopped

    return edit


def slip(months: int, *, completion_too: bool = True) -> Edit:
    """The primary completion (and, by default, the study completion) moves ``months`` later, still
    an estimate."""
    def edit(study: Study) -> None:
        module = status_module(study)
        names = ("primaryCompletionDateStruct", "completionDateStruct") if completion_too else ("primaryCompletionDateStruct",)
        for name in names:
            if name in module:
                module[name] = {"date": later(module[name]["date"], months), "type": "ESTIMATED"}

    return edit


def without_results(study: Study) -> Study:
    """The record as it was before its results were posted: no results section, no results dates,
    its last update the one before (the first posting's dates stand in for it)."""
    study = copy.deepcopy(study)
    study.pop("resultsSection", None)
    study.pop("documentSection", None)  # the protocol and analysis plan are posted with the results
    study["hasResults"] = False
    module = status_module(study)
    for name in RESULTS_DATES:
        module.pop(name, None)
    module["lastUpdateSubmitDate"] = module.get("studyFirstSubmitQcDate", module.get("lastUpdateSubmitDate"))
    if "studyFirstPostDateStruct" in module:
        module["lastUpdatePostDateStruct"] = copy.deepcopy(module["studyFirstPostDateStruct"])
    return study


def results_posted(source: Study, *, on: date) -> Edit:
    """The results of ``source`` (the real record that has them) are posted on ``on``, with its documents:
    first submitted 30 days before, quality review passed 3 days before."""
    results = copy.deepcopy(source["resultsSection"])
    documents = copy.deepcopy(source.get("documentSection"))

    def edit(study: Study) -> None:
        study["resultsSection"] = copy.deepcopy(results)
        if documents:
            study["documentSection"] = copy.deepcopy(documents)
        study["hasResults"] = True
        module = status_module(study)
        module["resultsFirstSubmitDate"] = (on - timedelta(days=30)).isoformat()
        module["resultsFirstSubmitQcDate"] = (on - timedelta(days=3)).isoformat()
        module["resultsFirstPostDateStruct"] = {"date": on.isoformat(), "type": "ACTUAL"}

    return edit
