"""The script of ``trial-monitor demo``: which bundled records are watched, and what the registry
changes in them a minute later, made as ClinicalTrials.gov would make it.

    NCT03281889  Recruiting → Active, not recruiting (the sponsor closed enrollment)
    NCT06388018  primary completion (and completion) 6 months later
    NCT00763412  results posted (served without them at first: the real record has them)
    NCT06171568, NCT00973089  unchanged

The stand-in starts at yesterday's data (``dataTimestamp`` yesterday, every record last updated
before); the change is today's refresh. Nothing here runs a daemon: ``monitor/cli/demo.py`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from monitor.registry.ctgov.standin import edits
from monitor.registry.ctgov.standin.fixtures import fixture_studies, nct_id
from monitor.registry.ctgov.standin.registry import StandInRegistry


@dataclass(frozen=True)
class Change:
    """One change the registry will make, and how the demo says it beforehand."""

    trial: str
    words: str
    edit: edits.Edit


WATCHED = ("NCT03281889", "NCT06388018", "NCT00763412", "NCT06171568", "NCT00973089")
WITH_RESULTS_LATER = "NCT00763412"


def titles() -> dict[str, str]:
    """The watched trials' brief titles, as the registry serves them."""
    return {nct_id(s): s["protocolSection"]["identificationModule"].get("briefTitle", "") for s in fixture_studies()
            if nct_id(s) in WATCHED}


def stand_in(today: date, *, host: str = "127.0.0.1", port: int = 0) -> StandInRegistry:
    """The bundled records as the registry served them yesterday; not started."""
    studies = [edits.without_results(s) if nct_id(s) == WITH_RESULTS_LATER else s for s in fixture_studies()]
    return StandInRegistry(studies, f"{today - timedelta(days=1)}T09:00:05", host=host, port=port, histories={})


def script(today: date) -> list[Change]:
    """Today's changes: a status change, a slip, results posted."""
    (with_results,) = [s for s in fixture_studies() if nct_id(s) == WITH_RESULTS_LATER]
    return [
        Change("NCT03281889", "stops recruiting: Recruiting → Active, not recruiting",
               edits.new_status("ACTIVE_NOT_RECRUITING", verified=today)),
        Change("NCT06388018", "its primary completion slips by 6 months", edits.slip(6)),
        Change(WITH_RESULTS_LATER, "posts its results", edits.results_posted(with_results, on=today)),
    ]


def play(registry: StandInRegistry, changes: list[Change]) -> str:
    """Make the changes as today's refresh of the registry; returns its new ``dataTimestamp``."""
    return registry.revise({change.trial: change.edit for change in changes})
