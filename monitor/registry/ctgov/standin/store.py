"""Where the stand-in keeps its studies: the :class:`StudyStore` interface and :class:`DictStore`.

The registry only talks to a store through this interface, so a store may keep full records
(:class:`DictStore`, the default: a dict of study JSON) or build them on demand
(:class:`monitor.registry.ctgov.standin.synthetic.SyntheticStudies`, for 100k+ trials).

Contract (the registry holds its lock around every call):

- keys are canonical ids (``NCT`` + 8 digits);
- :meth:`StudyStore.get` returns the stored or freshly built record, which callers must
  treat as read-only (the registry deep-copies before anything may mutate it);
- :meth:`StudyStore.select` returns the sorted keys matching a ``/studies`` query, as a
  sequence whose slices are cheap (the registry only materialises the page it serves);
- ``generation`` changes on every mutation, so a selection can be cached between pages.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from monitor.registry.ctgov.standin import query as q


@runtime_checkable
class StudyStore(Protocol):
    generation: int

    def __len__(self) -> int: ...

    def __contains__(self, key: object) -> bool: ...

    def keys(self) -> list[str]:
        """Every key, sorted."""
        ...

    def get(self, key: str) -> dict[str, Any] | None:
        """The record stored under ``key`` (read-only), or None."""
        ...

    def by_alias(self, key: str) -> dict[str, Any] | None:
        """The record carrying ``key`` in its ``nctIdAliases``, or None."""
        ...

    def put(self, study: dict[str, Any]) -> None:
        """Store a deep copy of ``study`` under its (valid) nctId, replacing any previous one."""
        ...

    def remove(self, key: str) -> None:
        """Forget ``key``; KeyError if it is not stored."""
        ...

    def select(self, params: Mapping[str, str]) -> Sequence[str]:
        """Sorted keys of the studies matching the query (raises :class:`q.BadRequest`)."""
        ...


def key_of(study: Any) -> str:
    key = q.canonical_key(q.nct_id_of(study))
    if key is None:
        raise ValueError("study has no valid protocolSection.identificationModule.nctId")
    return key


class DictStore:
    """Full records in a dict: exact, any shape (tests put malformed records on purpose)."""

    def __init__(self) -> None:
        self.generation = 0
        self._studies: dict[str, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self._studies)

    def __contains__(self, key: object) -> bool:
        return key in self._studies

    def keys(self) -> list[str]:
        return sorted(self._studies)

    def get(self, key: str) -> dict[str, Any] | None:
        return self._studies.get(key)

    def by_alias(self, key: str) -> dict[str, Any] | None:
        return next((s for s in self._studies.values()
                     if key in {q.canonical_key(a) for a in q.aliases_of(s)}), None)

    def put(self, study: dict[str, Any]) -> None:
        self._studies[key_of(study)] = copy.deepcopy(study)
        self.generation += 1

    def remove(self, key: str) -> None:
        del self._studies[key]
        self.generation += 1

    def select(self, params: Mapping[str, str]) -> Sequence[str]:
        return [key_of(s) for s in q.select(self._studies.values(), params)]
