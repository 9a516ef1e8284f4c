"""The registry seam: what a check asks of a trial registry, and the registry-neutral answers.

A check only ever talks to a :class:`Registry`; everything it gets back is the core's vocabulary
(:class:`~monitor.core.model.Record` with the neutral view, search hits, past versions). Adding a
registry is a sibling folder of ``ctgov/`` implementing this protocol, plus its :class:`About`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Protocol, Self

from monitor.core.events.context import PastVersion
from monitor.core.model import Record
from monitor.core.searches import SearchHit
from monitor.core.words import md_escape


class RegistryUnavailable(Exception):
    """The registry could not be reached, or answered garbage, after every retry."""

    status: int | None = None  # the HTTP status when the registry refused the request (e.g. 404)


class HistoryUnavailable(Exception):
    """A record's version history could not be had; ``for_good`` when asking again will not help."""

    def __init__(self, message: str, *, for_good: bool) -> None:
        super().__init__(message)
        self.for_good = for_good


@dataclass(frozen=True)
class About:
    """What is known of a registry without asking it: its names, its ids, its pages, its rhythm."""

    key: str  # how the database names it (the ``registry`` column): never changes
    name: str  # how people name it: "ClinicalTrials.gov"
    home: str  # its public site
    study_page: str  # a trial's public page, with ``{id}``
    id_name: str  # "NCT id"
    id_form: str  # "NCT followed by 8 digits"
    id_pattern: re.Pattern[str] = field(repr=False)
    refreshes_per_week: int = 7  # how often its data moves (the sweep is spread over them)

    def normalise(self, text: object) -> str:
        """A trial id as the registry writes it; ValueError (one line) when it is not one."""
        shown = text.strip() if isinstance(text, str) else str(text)
        if not isinstance(text, str) or not self.id_pattern.fullmatch(shown.upper()):
            raise ValueError(f"{shown} is not a valid {self.id_name} ({self.id_form})")
        return shown.upper()

    def is_id(self, text: str) -> bool:
        return bool(self.id_pattern.fullmatch(text))

    def study_url(self, trial_id: str) -> str:
        """The public page of a trial (an id that is not one is escaped, never trusted into a link)."""
        return self.study_page.format(id=trial_id if self.is_id(trial_id) else md_escape(trial_id))


@dataclass(frozen=True)
class Stamp:
    """A listed record's identity and its "last update posted" date (the cheap "what moved" answer)."""

    ids: tuple[str, ...]  # the id it is served under, then its aliases
    updated: str | None


@dataclass(frozen=True)
class Moved:
    """What a "what changed since" listing found: whole records it brought, or stamps of what moved."""

    records: tuple[Record, ...] = ()
    stamps: tuple[Stamp, ...] = ()


@dataclass(frozen=True)
class VersionHistory:
    """A record's versions in the registry's own history, oldest first, and what each changed."""

    versions: list[PastVersion]
    modules: dict[int, list[str]]  # version → the registry's labels of the parts it changed


class Registry(Protocol):
    """One conversation with a registry (``async with``); counts every request it sends."""

    about: About

    @property
    def requests(self) -> int: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def version(self) -> str:
        """The registry's data timestamp: it moves when, and only when, the registry refreshes."""
        ...

    def since(self, last_good: str | None, seen: Sequence[str] = ()) -> str | None:
        """The registry date to list updates from, after a good check that saw data of ``last_good``;
        ``seen``: the data timestamps read since (the new one, and those of checks that failed)."""
        ...

    def changed_since(self, since: str, served: Sequence[str]) -> AsyncIterator[Moved]:
        """What moved among these records (ids as served) on or after ``since``: the registry picks
        the cheaper of bringing them whole or listing their stamps."""
        ...

    def fetch(self, ids: Sequence[str]) -> AsyncIterator[list[Record]]:
        """Whole records by id, a page at a time; an id the registry does not know is left out."""
        ...

    def everything(self, since: str | None) -> AsyncIterator[tuple[list[Record], int | None]]:
        """Whole records of the entire registry (or those updated since), with the listing's total."""
        ...

    def search(self, criteria: Sequence[tuple[str, str]]) -> AsyncIterator[list[SearchHit]]:
        """Every match of a search (neutral criteria: condition, intervention, term, sponsor, status)."""
        ...

    async def history(self, trial_id: str) -> VersionHistory:
        """A record's version history; HistoryUnavailable when it cannot be had."""
        ...
