"""Shared pieces: the error type, durations, trial ids and YAML reading with line numbers."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from monitor.registry.catalogue import DEFAULT, about


class WatchlistError(Exception):
    """A problem with the watchlist file, as one line for the user: ``file:line: what is wrong``."""

    def __init__(self, path: Path | str, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.message = " ".join(str(message).split())  # always one line
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {self.message}")


# ---------------------------------------------------------------- trial ids


def normalise_trial_id(text: str, registry: str = DEFAULT) -> str:
    """``" nct06764329 "`` -> ``"NCT06764329"``; ValueError (one line) unless it is an id of ``registry``."""
    return about(registry).normalise(text)


# ---------------------------------------------------------------- durations

_UNITS = {
    "ms": 0.001, "msec": 0.001,
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
}  # fmt: skip
_PART_RE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-z]+)\s*")
_MAX_INTERVAL = 366 * 86400
_HINT = "use e.g. 30s, 15m, 6h, 6 hours, 1d, 1h30m or a number of seconds"


def _duration(value: Any) -> float:
    """Seconds from a number or a text like ``1h30m``; ValueError when it is not a duration."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"{value!r} is not a duration ({_HINT})")
    if isinstance(value, (int, float)):
        try:
            seconds = float(value)
        except OverflowError:  # an int too large for a float: as long (or as negative) as a float goes
            seconds = sys.float_info.max if value > 0 else -sys.float_info.max
    else:
        text = value.strip().lower()
        if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", text):
            seconds = float(text)
        else:
            pos, seconds = 0, 0.0
            while pos < len(text) and (m := _PART_RE.match(text, pos)) and m.group(2) in _UNITS:
                seconds += float(m.group(1)) * _UNITS[m.group(2)]
                pos = m.end()
            if not text or pos != len(text):
                raise ValueError(f"'{value.strip()}' is not a duration ({_HINT})")
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(f"'{value}' is not a duration ({_HINT})")
    return seconds


def parse_interval(text: str | int) -> int:
    """Whole seconds between checks: ``"30s"``, ``"15m"``, ``"6h"``, ``"1d"``, ``"1h30m"`` or an int."""
    seconds = _duration(text)
    shown = text.strip() if isinstance(text, str) else text
    if seconds < 1:
        raise ValueError(f"'{shown}' is too short: the interval must be at least 1 second")
    if seconds != int(seconds):
        raise ValueError(f"'{shown}' is not a whole number of seconds")
    if seconds > _MAX_INTERVAL:
        raise ValueError(f"'{shown}' is too long: the interval must be at most 366 days")
    return int(seconds)


def parse_pause(text: str | float) -> float:
    """Seconds (may be 0 or fractional) for ``request_pause``: ``"1s"``, ``"500ms"``, ``0``."""
    seconds = _duration(text)
    if seconds > 3600:
        raise ValueError(f"'{text}' is too long: the pause must be at most 1h")
    return seconds


# ---------------------------------------------------------------- YAML with line numbers


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise WatchlistError(path, "file not found (make one with `trial-monitor init`, or name yours with "
                                   "--watchlist or MONITOR_WATCHLIST)") from None
    except IsADirectoryError:
        raise WatchlistError(path, "is a directory, not a watchlist file") from None
    except OSError as e:
        raise WatchlistError(path, f"cannot read the file ({e.strerror or e})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise WatchlistError(path, "the file is not UTF-8 text", line) from None


def rt_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long URLs
    return yaml


# what an unclosed construct means, by the parser's context: the culprit is where it started
_UNCLOSED = {
    "while scanning a quoted scalar": "a quoted text starts on this line and is never closed",
    "while parsing a flow sequence": "the list opened with '[' on this line is never closed with ']'",
    "while parsing a flow mapping": "the mapping opened with '{' on this line is never closed with '}'",
    "while scanning a simple key": "a key on this line has no ':' after it",
}


def load_yaml(path: Path, text: str) -> Any:
    """Round-trip load (comments and line numbers kept); malformed YAML -> WatchlistError."""
    try:
        data = rt_yaml().load(text)
    except RecursionError:
        raise WatchlistError(path, "malformed YAML: lists or mappings nested too deeply to read", _deep_line(text)) from None
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = str(e.problem or e.context or "cannot be parsed")
        dup = re.match(r'found duplicate key "(.*?)" with value', problem)
        if "another document" in problem:
            raise WatchlistError(path, "only one YAML document is allowed (remove the second '---')", line) from None
        if dup:  # ruamel quotes both values here: they may be secrets
            first = e.context_mark.line + 1 if e.context_mark is not None else None
            msg = f"duplicate key '{dup.group(1)}'" + (f" (the mapping starts on line {first})" if first else "")
            raise WatchlistError(path, msg, line) from None
        if "\\t" in problem or "\t" in problem:
            problem += " (indent with spaces, not tabs)"
        elif e.context in _UNCLOSED and e.context_mark is not None and e.context_mark.line + 1 != line:
            ended = "end of stream" in problem or "stream end" in problem
            met = "the end of the file came first" if ended else f"on line {line}: {problem}"
            raise WatchlistError(path, f"malformed YAML: {_UNCLOSED[e.context]} ({met})",
                                 e.context_mark.line + 1) from None
        elif e.context and e.context_mark is not None and e.context_mark.line + 1 != line:
            problem += f" ({e.context} started on line {e.context_mark.line + 1})"
        raise WatchlistError(path, f"malformed YAML: {problem}", line) from None
    except YAMLError as e:
        first = (str(e).strip().splitlines() or ["cannot be parsed"])[0]
        raise WatchlistError(path, f"malformed YAML: {first}") from None
    except Exception as e:  # noqa: BLE001 - a scalar ruamel.yaml cannot make a value of ("2026-02-30", "0x_", a huge int)
        digits = re.search(r"[0-9_]{4300,}", text)  # Python's int() reads at most 4,300 digits
        problem = "a number of more than 4,300 digits" if digits else f"a value ({' '.join(str(e).split()[:12])})"
        raise WatchlistError(path, f"malformed YAML: {problem} cannot be read", _unmade_line(text)) from None
    if (escape := _SURROGATE.search(text)) and _holds_surrogate(data):
        line = text[: escape.start()].count("\n") + 1
        raise WatchlistError(path, "an escape such as \\ud800 (a lone UTF-16 surrogate) is not a character: "
                                   "write the character itself", line)
    return data


# a double-quoted "\ud800" … "\udfff" (or "\U0000d800"): Python keeps it as a lone surrogate, which no
# file, URL or terminal can encode
_SURROGATE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F][0-9a-fA-F]{2}")


def _holds_surrogate(data: Any) -> bool:
    """Whether any text in the loaded data (a key or a value, at any depth) holds a lone surrogate."""
    stack, seen = [data], set()
    while stack:
        value = stack.pop()
        if isinstance(value, (dict, list)):
            if id(value) in seen:  # an alias: already looked at (or containing itself)
                continue
            seen.add(id(value))
        if isinstance(value, str):
            if any("\ud800" <= c <= "\udfff" for c in value):
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _unmade_line(text: str) -> int | None:
    """The line of the first scalar ruamel.yaml cannot make a value of (the loader's error does not say)."""
    yaml = rt_yaml()
    try:
        stack = [yaml.compose(text)]
    except Exception:  # noqa: BLE001 - only a line for the message: without it, the message has none
        return None
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode):
            try:
                yaml.constructor.construct_object(node, deep=True)
            except Exception:  # noqa: BLE001 - the culprit
                return node.start_mark.line + 1
        elif isinstance(node, MappingNode):
            stack.extend(part for pair in reversed(node.value) for part in reversed(pair))
        elif isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))
    return None


def _deep_line(text: str) -> int | None:
    """The line where brackets first nest 200 deep, else the most indented line: where a nesting too
    deep to read is."""
    depth, line = 0, 1
    for character in text:
        if character == "\n":
            line += 1
        elif character in "[{":
            depth += 1
            if depth >= 200:
                return line
        elif character in "]}":
            depth -= 1
    lines = text.split("\n")
    indents = [len(row) - len(row.lstrip(" ")) for row in lines]
    return indents.index(max(indents)) + 1 if lines else None


def key_line(mapping: Any, key: str) -> int | None:
    try:
        return mapping.lc.key(key)[0] + 1 if isinstance(mapping, CommentedMap) else None
    except (KeyError, AttributeError, TypeError):
        return None


def value_line(mapping: Any, key: str) -> int | None:
    try:
        return mapping.lc.value(key)[0] + 1 if isinstance(mapping, CommentedMap) else None
    except (KeyError, AttributeError, TypeError):
        return key_line(mapping, key)


def item_line(seq: Any, index: int) -> int | None:
    try:
        return seq.lc.item(index)[0] + 1 if isinstance(seq, CommentedSeq) else None
    except (KeyError, AttributeError, TypeError, IndexError):
        return None


def kind(value: Any) -> str:
    """How a YAML value reads to a user, for 'must be …, not …' messages."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
