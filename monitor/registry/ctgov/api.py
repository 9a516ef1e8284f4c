"""ClinicalTrials.gov API v2 endpoints: ``/version``, ``/studies`` by id, listings, searches, paging.

Every listing must arrive whole: one that ends with fewer records than its ``totalCount``
announced is a failure (:class:`~monitor.registry.base.RegistryUnavailable`), never a short answer.
A listing that cannot be trusted to end or to be whole fails too, in one line naming the registry:
a ``nextPageToken`` sent again after a page of records (it would page forever), more than
:data:`MAX_PAGES` pages, a ``totalCount`` that changes between pages (the registry moved under the
listing: records may have shifted past it). A trial listed twice on one page is kept once (the
first), with a warning. docs/operations.md#what-the-check-does-with-a-misbehaving-registry.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from monitor.registry.base import RegistryUnavailable, Stamp
from monitor.registry.http import JsonClient

# What a study fetch asks for: everything we compare, and of the (large) results section only what the
# results summary reads: the outcome measures, the participant flow and the adverse events' group
# totals, not the lists of every adverse event (a real record's results are 1.4 MB; this part is a third).
# The registry takes module paths and piece names, not dotted leaf paths; event-group pieces are
# named by their module (EventGroupSeriousNumAffected …), as verified against the live API.
RESULT_FIELDS = (
    "resultsSection.outcomeMeasuresModule", "resultsSection.participantFlowModule",
    "EventGroupId", "EventGroupTitle", "EventGroupSeriousNumAffected", "EventGroupSeriousNumAtRisk",
    "EventGroupDeathsNumAffected", "EventGroupDeathsNumAtRisk",
)
STUDY_FIELDS = "|".join(("ProtocolSection", "DerivedSection", "HasResults", *RESULT_FIELDS, "DocumentSection"))
# What the cheap "what was updated" listing asks for: identity and the last update date.
STAMP_FIELDS = "NCTId|NCTIdAlias|LastUpdatePostDate"
# What a search listing asks for: enough to say what a newly matching trial is.
SEARCH_FIELDS = "NCTId|NCTIdAlias|BriefTitle|Phase|LeadSponsorName|OverallStatus|LocationCountry"
MAX_IDS_PER_REQUEST = 500  # AACT sends 500 per request in production
MAX_QUERY_CHARS = 7_500  # keep URLs under ~8 KB
PAGE_SIZE = 1000  # the registry's maximum
WHOLE_PAGE_SIZE = 500  # whole records per page of a listing: a 1,000-record page peaks near 400 MiB
MAX_PAGES = 5_000  # pages of one listing, at most: the whole registry is ~1,150 pages of 500 (2026)
MAX_EMPTY_REPEATS = 3  # an empty page handing back the token it was asked with is followed this often

Study = dict[str, Any]
log = logging.getLogger("monitor.registry")


def id_batches(ids: Sequence[str], max_ids: int | None = None) -> Iterator[list[str]]:
    """Split ids into batches of at most ``max_ids`` (default :data:`MAX_IDS_PER_REQUEST`) that keep the
    request URL under ~8 KB."""
    max_ids = MAX_IDS_PER_REQUEST if max_ids is None else max_ids
    batch: list[str] = []
    length = 0
    for nct_id in ids:
        if batch and (len(batch) >= max_ids or length + len(nct_id) + 3 > MAX_QUERY_CHARS):
            yield batch
            batch, length = [], 0
        batch.append(nct_id)
        length += len(nct_id) + 3  # "%7C" between ids once encoded
    if batch:
        yield batch


def updated_since(since: str) -> str:
    """The listing filter for records whose "last update posted" is on or after ``since``."""
    return f"AREA[LastUpdatePostDate]RANGE[{since},MAX]"


def _stamp(study: Study) -> Stamp | None:
    """Read one listing entry defensively; None when it has no usable id."""
    protocol = study.get("protocolSection")
    ident = protocol.get("identificationModule") if isinstance(protocol, dict) else None
    status = protocol.get("statusModule") if isinstance(protocol, dict) else None
    nct_id = ident.get("nctId") if isinstance(ident, dict) else None
    if not isinstance(nct_id, str):
        return None
    aliases = ident.get("nctIdAliases") if isinstance(ident, dict) else None
    posted = status.get("lastUpdatePostDateStruct") if isinstance(status, dict) else None
    date = posted.get("date") if isinstance(posted, dict) else posted
    others = tuple(a.upper() for a in aliases if isinstance(a, str)) if isinstance(aliases, list) else ()
    return Stamp((nct_id.upper(), *others), date if isinstance(date, str) else None)


class StudiesApi:
    """The ``/studies`` and ``/version`` endpoints over one :class:`JsonClient`."""

    def __init__(self, client: JsonClient) -> None:
        self.client = client

    async def data_timestamp(self) -> str:
        try:
            data = await self.client.get("/version", {})
        except RegistryUnavailable as exc:
            if exc.status != 404:
                raise
            wrong = RegistryUnavailable(f"the registry at {self.client.shown} has no /version (HTTP 404): "
                                        "is MONITOR_CTGOV_URL right?")
            wrong.status = exc.status
            raise wrong from None
        if not isinstance(data, dict) or not isinstance(data.get("dataTimestamp"), str):
            raise RegistryUnavailable(f"the registry at {self.client.shown} answered /version without a "
                                      "dataTimestamp: is MONITOR_CTGOV_URL right?")
        return data["dataTimestamp"]

    async def by_id(self, ids: Sequence[str], since: str | None = None) -> AsyncIterator[list[Study]]:
        """Whole studies for ``ids`` (those updated on or after ``since``, when given), one list per page.

        The ids must already be valid (one malformed id makes the registry reject a batch).
        """
        for batch in id_batches(ids):
            params = {"filter.ids": "|".join(batch), "fields": STUDY_FIELDS, "pageSize": str(PAGE_SIZE)}
            if since is not None:
                params["filter.advanced"] = updated_since(since)
            async for page, _ in self._pages(params, max_pages=len(batch) + 5):
                yield page

    async def stamps(self, since: str, ids: Sequence[str] | None = None) -> AsyncIterator[tuple[list[Stamp], int | None]]:
        """(stamps, totalCount) per page of the records updated on or after ``since``.

        Registry-wide when ``ids`` is None, else only those ids (in URL-sized batches).
        """
        listings = [None] if ids is None else list(id_batches(ids))
        for batch in listings:
            params = {"filter.advanced": updated_since(since), "fields": STAMP_FIELDS, "pageSize": str(PAGE_SIZE),
                      "countTotal": "true"} | ({"filter.ids": "|".join(batch)} if batch else {})
            async for page, total in self.complete(params, "listing"):
                yield [stamp for stamp in map(_stamp, page) if stamp is not None], total

    async def search(self, params: dict[str, str]) -> AsyncIterator[list[Study]]:
        """Every match of a search (``query.cond`` …, ``filter.overallStatus``), one list per page."""
        params = params | {"fields": SEARCH_FIELDS, "pageSize": str(PAGE_SIZE), "countTotal": "true"}
        async for page, _ in self.complete(params, "search"):
            yield page

    async def everything(self, since: str | None) -> AsyncIterator[tuple[list[Study], int | None]]:
        """Whole studies of the entire registry (``since`` None), or of those updated on or after ``since``."""
        params = {"fields": STUDY_FIELDS, "pageSize": str(WHOLE_PAGE_SIZE), "countTotal": "true"}
        if since is not None:
            params["filter.advanced"] = updated_since(since)
        async for page, total in self.complete(params, "listing"):
            yield page, total

    async def complete(self, params: dict[str, str], what: str) -> AsyncIterator[tuple[list[Study], int | None]]:
        """Page through a listing; (page, the first page's totalCount); short of that count is a failure,
        and so is a later page announcing another count."""
        announced: int | None = None
        seen = 0
        async for page, total in self._pages(params, max_pages=MAX_PAGES):
            if announced is not None and total is not None and total != announced:
                raise RegistryUnavailable(f"the registry at {self.client.shown}: its {what} announced {announced} "
                                          f"records, then {total} after {seen} (it changed while being listed); "
                                          "the next check lists it again")
            announced = total if announced is None else announced
            seen += len(page)
            yield page, total
        if announced is not None and seen < announced:
            raise RegistryUnavailable(f"the registry at {self.client.shown}: its {what} ended after {seen} of "
                                      f"{announced} records")

    async def _pages(self, params: dict[str, str], *, max_pages: int) -> AsyncIterator[tuple[list[Study], int | None]]:
        token: str | None = None
        followed: set[str] = set()
        empty_repeats = 0
        for number in range(1, max_pages + 1):
            data = await self.client.get("/studies", params | ({"pageToken": token} if token else {}))
            studies = data.get("studies") if isinstance(data, dict) else None
            if not isinstance(studies, list) or not all(isinstance(s, dict) for s in studies):
                raise RegistryUnavailable(f"the registry at {self.client.shown} answered /studies without a list "
                                          "of studies")
            following = data.get("nextPageToken")
            if following and not isinstance(following, str):
                raise RegistryUnavailable(f"the registry at {self.client.shown} answered /studies with a malformed "
                                          "page token")
            if token:
                followed.add(token)
            if following in followed:  # an empty page may hand back its own token: followed again, a few times
                empty_repeats += 1
                if studies or empty_repeats > MAX_EMPTY_REPEATS:
                    raise RegistryUnavailable(f"the registry at {self.client.shown} sent a nextPageToken of /studies "
                                              f"again after page {number}: its listing would never end")
            total = data.get("totalCount")
            page = self._once(studies, number)
            del data, studies  # the page is its records' only holder: read_page lets each go once read
            yield page, total if isinstance(total, int) and not isinstance(total, bool) else None
            if not following:
                return
            token = following
        raise RegistryUnavailable(f"the registry at {self.client.shown} kept paging /studies past {max_pages} pages")

    def _once(self, studies: list[Study], number: int) -> list[Study]:
        """The page with each trial once (the first time it is listed); a trial listed twice is told."""
        kept: list[Study] = []
        ids: set[str] = set()
        twice: list[str] = []
        for study in studies:
            stamp = _stamp(study)  # no usable id: kept, for the record reader to name what it cannot read
            if stamp is not None and stamp.ids[0] in ids:
                twice.append(stamp.ids[0])
                continue
            if stamp is not None:
                ids.add(stamp.ids[0])
            kept.append(study)
        if twice:
            log.warning("the registry at %s listed %s twice on page %d of /studies: kept the first",
                        self.client.shown, ", ".join(dict.fromkeys(twice)), number)
        return kept
