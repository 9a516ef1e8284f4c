"""What is known of ClinicalTrials.gov without asking it: names, ids, pages, rhythm, statuses."""

from __future__ import annotations

import re

from monitor.core.status import STATUSES
from monitor.registry.base import About

CTGOV = About(
    key="ctgov",
    name="ClinicalTrials.gov",
    home="https://clinicaltrials.gov/",
    study_page="https://clinicaltrials.gov/study/{id}",
    id_name="NCT id",
    id_form="NCT followed by 8 digits",
    id_pattern=re.compile(r"NCT[0-9]{8}"),
    refreshes_per_week=5,  # the registry refreshes Monday to Friday
)
DEFAULT_API_URL = "https://clinicaltrials.gov/api/v2"

# The registry's overallStatus codes (the legacy spelling /studies/enums returns) and the neutral
# status each one is. ClinicalTrials.gov's vocabulary is the neutral one, so this is the identity;
# a code it adds later passes through unchanged (and is worded from its spelling).
STATUS_OF: dict[str, str] = {code: code for code in STATUSES}


def neutral_status(code: str) -> str:
    """The neutral status of one of the registry's status codes."""
    return STATUS_OF.get(code, code)
