"""Typed access to an untrusted registry record: every complaint names the trial and the field.

Registry answers are untrusted: a value of the wrong type raises :class:`RecordShapeError`
rather than slipping into a view (and, from there, into an alert).
"""

from __future__ import annotations

from typing import Any


class RecordShapeError(ValueError):
    """The registry sent a record whose shape we cannot trust (wrong type, missing core field)."""

    def __init__(self, trial_id: str | None, problem: str, unnamed: str = "record without an id") -> None:
        super().__init__(f"{trial_id or unnamed}: {problem}")
        self.trial_id = trial_id
        self.problem = problem


def tidy(text: str) -> str:
    """Keep the registry's text (Markdown) as given, minus trailing whitespace on each line."""
    if "\n" not in text:  # most texts are one line (a site's city, a date): nothing to split
        return text.rstrip()
    return "\n".join(line.rstrip() for line in text.split("\n")).rstrip()


class Reader:
    """Typed reads of one record's JSON; ``fail`` makes the error that names the trial."""

    def __init__(self, trial_id: str | None, unnamed: str = "record without an id") -> None:
        self.trial_id = trial_id
        self.unnamed = unnamed

    def fail(self, problem: str) -> RecordShapeError:
        return RecordShapeError(self.trial_id, problem, self.unnamed)

    def module(self, parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected an object")
        return value

    def text(self, parent: dict[str, Any], key: str, where: str) -> str | None:
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected text")
        return tidy(value)

    def flag(self, parent: dict[str, Any], key: str, where: str) -> bool | None:
        value = parent.get(key)
        if value is None or isinstance(value, bool):
            return value
        raise self.fail(f"{where}.{key} is {type(value).__name__}, expected true/false")

    def count(self, parent: dict[str, Any], key: str, where: str) -> int | None:
        value = parent.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected a whole number")
        return value

    def items(self, parent: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        return self._list(parent, key, where, dict, "an object")

    def texts(self, parent: dict[str, Any], key: str, where: str) -> list[str]:
        return [tidy(item) for item in self._list(parent, key, where, str, "text")]

    def _list(self, parent: dict[str, Any], key: str, where: str, kind: type, expected: str) -> list[Any]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected a list")
        for index, item in enumerate(value):
            if not isinstance(item, kind):
                raise self.fail(f"{where}.{key}[{index}] is {type(item).__name__}, expected {expected}")
        return value

    def date(self, parent: dict[str, Any], key: str, where: str) -> dict[str, str | None] | None:
        struct = self.module(parent, key, where)
        day = self.text(struct, "date", f"{where}.{key}")
        if not day:
            return None
        return {"date": day, "type": self.text(struct, "type", f"{where}.{key}")}


def as_dict(value: Any) -> dict[str, Any]:
    """A lenient read for listings: the value when it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}
