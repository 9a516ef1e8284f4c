"""What is known of ClinicalTrials.gov without asking it: names, ids, pages, rhythm, statuses."""

from __future__ import annotations

import re
from urllib.parse import quote

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
# Where a study's large documents (protocol, statistical analysis plan, consent form) are served:
# by the last two digits of its NCT number, its NCT number and the document's file name.
LARGE_DOCS = "https://cdn.clinicaltrials.gov/large-docs/{shard}/{id}/{filename}"


def document_url(nct_id: str, filename: str) -> str | None:
    """The public address of one of a study's large documents (``Prot_SAP_000.pdf``); None when the
    id is not an NCT number or the file name is empty. The file name is the registry's (untrusted):
    it is percent-encoded, so it stays one path segment."""
    name = filename.strip()
    if not CTGOV.is_id(nct_id) or not name:
        return None
    return LARGE_DOCS.format(shard=nct_id[-2:], id=nct_id, filename=quote(name, safe=""))

# The registry's overallStatus codes (the legacy spelling /studies/enums returns) and the neutral
# status each one is. ClinicalTrials.gov's vocabulary is the neutral one, so this is the identity;
# a code it adds later passes through unchanged (and is worded from its spelling).
STATUS_OF: dict[str, str] = {code: code for code in STATUSES}


def neutral_status(code: str) -> str:
    """The neutral status of one of the registry's status codes."""
    return STATUS_OF.get(code, code)
