"""The registries there are, and how to open one. Adding a registry is one line here and its folder."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.registry.base import About, Registry
from monitor.registry.ctgov.facts import CTGOV

REGISTRIES: dict[str, About] = {CTGOV.key: CTGOV}
DEFAULT = CTGOV.key


def about(key: str) -> About:
    """A registry's facts by its key (as the database names it)."""
    return REGISTRIES[key]


def search_key(criteria: Sequence[tuple[str, str]], registry: str = DEFAULT) -> str:
    """A search's stable name in the database (its stored matches and baseline hang on it)."""
    if registry == CTGOV.key:
        from monitor.registry.ctgov.search import search_key as ctgov_key

        return ctgov_key(criteria)
    raise KeyError(f"no registry named {registry!r}")


def open_registry(key: str, *, api_url: str, pause: float, timeout: float, attempts: int, budget: float) -> Registry:
    """A conversation with the registry ``key`` at ``api_url`` (use as ``async with``)."""
    if key == CTGOV.key:
        from monitor.registry.ctgov.adapter import ClinicalTrialsGov  # httpx and friends, only when needed

        return ClinicalTrialsGov(api_url, pause=pause, timeout=timeout, attempts=attempts, budget=budget)
    raise KeyError(f"no registry named {key!r}")
