"""Any watchlist text either loads or fails with the watchlist's own one-line error naming the file
(and the line, where there is one); the command line says that line and exits 2; a running daemon's
live watchlist keeps its last good version. Never any other exception, never a traceback."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor.watchlist import KNOWN_KEYS, LiveWatchlist, Watchlist, WatchlistError, load_watchlist
from monitor.watchlist._load import TRIAL_KEYS
from monitor.watchlist._notify import NOTIFY_KEYS
from monitor.watchlist._searches import CRITERIA, OTHER_KEYS

SECRET = "s3cr3t-fuzz-pass"  # in a notify URL and in the environment: never in a message
ENV = {"HOOK_TOKEN": "t0ken-fuzz-value"}
GOOD = {
    "interval": "6h", "timezone": "Europe/Paris", "request_pause": "1s", "outage_after": 3, "sweep": "7d",
    "keep_snapshots": 10, "keep_days": 30, "backfill": True, "compare": ["status", "dates"],
    "expectations": {"milestone_days": 30, "unverified": False},
    "near": ["Paris, France", "California, United States"],
    "notify": [
        "json://127.0.0.1:9/hook?token=${HOOK_TOKEN}",
        {"url": f"mailto://me:{SECRET}@example.org?to=a@example.org", "min_level": "high", "kinds": ["status"],
         "digest": "daily at 08:00"},
    ],
    "searches": [{"condition": "alopecia", "status": ["recruiting"], "name": "hair loss", "add": True}],
    "trials": ["NCT06764329", {"id": "NCT06646146", "label": "my note", "near": ["Lyon, France"]}],
}  # fmt: skip

# ---------------------------------------------------------------- what is generated

KEYS = sorted({*KNOWN_KEYS, *TRIAL_KEYS, *NOTIFY_KEYS, *CRITERIA, *OTHER_KEYS, "milestone_days", "overdue"})
WORDS = [
    "NCT06764329", "nct0676432", "6h", "0s", "1h30m", "-5m", "off", "on", "all", "yes", "~", "", " ", "UTC",
    "Europe/Nowhere", "daily at 08:00", "weekly on funday at 25:00", "recruiting", "high", "info", "Paris, France",
    ",,", "x.md", "x.html", "../../etc/passwd", "json://127.0.0.1:9/x", "mailto://:@", "json://[::1", "${UNSET}",
    "${", "%", "a" * 5000, "\u00e9\u65e5\u672c\U0001f600", "\u202e\u200b", "\x00", "\x85\u2028",
]  # fmt: skip
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**18, max_value=10**4000),
    st.floats(), st.text(max_size=40), st.sampled_from(WORDS),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12), st.integers(), st.none(), st.booleans())
values = st.recursive(
    scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=12,
)
top_levels = st.dictionaries(st.sampled_from(KNOWN_KEYS), values, max_size=6)


def dumped(data: Any, flow: bool | None = False) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=flow, width=10**6)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield from _paths(child, (*prefix, key))


PLACES = list(_paths(GOOD))


@st.composite
def good_with_parts_replaced(draw: st.DrawFn) -> dict[str, Any]:
    """The good watchlist with one to three of its parts (any depth) replaced by anything."""
    data = copy.deepcopy(GOOD)
    for place in draw(st.lists(st.sampled_from(PLACES), min_size=1, max_size=3)):
        parent = data
        try:
            for step in place[:-1]:
                parent = parent[step]
            parent[place[-1]] = draw(values)
        except (KeyError, IndexError, TypeError):  # an earlier replacement took this part away
            pass
    return data


@st.composite
def good_text_edited(draw: st.DrawFn) -> str:
    """The good watchlist's text with a few characters inserted, deleted or replaced anywhere."""
    text = dumped(GOOD)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 3))
        text = text[:at] + "".join(draw(st.lists(YAML_CHARACTERS, max_size=3))) + text[at + cut:]
    return text


YAML_CHARACTERS = st.sampled_from(list(":-[]{}&*!|>'\"#%@`,?\\\n\t ") + ["  ", "\n  ", "\n- ", "- ", ": ", "NCT",
                                                                          "<<", "---", "!!", "\ufeff", "0x"])
yaml_like_texts = st.lists(st.one_of(YAML_CHARACTERS, st.sampled_from(KEYS), st.sampled_from(WORDS[:20])),
                           max_size=40).map("".join)

# What the fuzzers found (each was a traceback before its fix), kept as explicit examples.
FOUND = [
    "interval: " + "9" * 400 + "\n",  # OverflowError: int too large for a float (_base._duration)
    "keep_days: " + "9" * 5000 + "\n",  # ValueError: Python's int() reads at most 4,300 digits
    "trials: " + "[" * 400 + "]" * 400 + "\n",  # RecursionError in ruamel.yaml
    "".join(" " * depth + "a:\n" for depth in range(400)),  # the same, by indentation
    "interval: 2026-02-30\n",  # ValueError: ruamel.yaml's date (day is out of range for month)
    "near: 0x_\n",  # IndexError inside ruamel.yaml's int()
    'trials: ["\\ud800"]\nnotify: ["json://127.0.0.1/\\ud800"]\n',  # UnicodeEncodeError: a lone surrogate
    'searches: [{condition: "\\udfff"}]\n',  # the same, in a search's key
    'notify:\n  - url: json://127.0.0.1:9/x\n    template: "a\\0.md"\n',  # ValueError: NUL in a path
    "notify: [" + "a" * 5000 + "]\n",  # OSError: file name too long (an apprise config path)
]


# ---------------------------------------------------------------- the property


@pytest.fixture(scope="module", autouse=True)
def hook_token() -> Iterator[None]:
    """The variable the good watchlist's notify URL uses, for what reads os.environ (the CLI, the live watchlist)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOOK_TOKEN", ENV["HOOK_TOKEN"])
        yield


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = tmp_path_factory.mktemp("watchlist-fuzz")
    (made / "x.md").write_text("{{ trials }}\n")  # a template the generated entries may name
    return made


def outcome(path: Path, text: str) -> Watchlist | WatchlistError:
    """The watchlist ``text`` makes, or its error: one line, starting with the file's name, no secret."""
    path.write_text(text, encoding="utf-8")
    try:
        return load_watchlist(path, env=ENV)
    except WatchlistError as error:
        message = str(error)
        assert len(message.splitlines()) == 1, message
        assert message.startswith(f"{path}:"), message
        assert error.line is None or 1 <= error.line <= text.count("\n") + 1, message
        assert SECRET not in message and ENV["HOOK_TOKEN"] not in message, message
        return error


def test_the_good_watchlist_loads(folder: Path) -> None:
    loaded = outcome(folder / "watchlist.yaml", dumped(GOOD))
    assert isinstance(loaded, Watchlist) and not loaded.warnings
    assert len(loaded.targets) == 2 and len(loaded.trials) == 2 and len(loaded.searches) == 1


@given(st.one_of(top_levels, values), st.sampled_from([False, True, None]))
def test_any_yaml_data_loads_or_says_what_is_wrong_in_one_line(folder: Path, data: Any, flow: bool | None) -> None:
    outcome(folder / "watchlist.yaml", dumped(data, flow))


@given(good_with_parts_replaced())
def test_a_good_watchlist_with_any_part_replaced(folder: Path, data: dict[str, Any]) -> None:
    outcome(folder / "watchlist.yaml", dumped(data))


@given(st.one_of(st.text(), yaml_like_texts, good_text_edited()))
@example("\n".join(FOUND))
def test_any_text_loads_or_says_what_is_wrong_in_one_line(folder: Path, text: str) -> None:
    outcome(folder / "watchlist.yaml", text)


@pytest.mark.parametrize("text", FOUND, ids=range(len(FOUND)))
def test_what_the_fuzzers_found_is_one_line_naming_the_line(folder: Path, text: str) -> None:
    error = outcome(folder / "watchlist.yaml", text)
    assert isinstance(error, WatchlistError)
    assert error.line is not None


def test_a_100000_entry_list_of_anything_is_one_line_naming_the_entry(folder: Path) -> None:
    entries = [f"NCT{n:08d}" for n in range(100_000)]
    path = folder / "watchlist.yaml"
    good = outcome(path, "trials:\n" + "".join(f"  - {entry}\n" for entry in entries))
    assert isinstance(good, Watchlist) and len(good.trials) == 100_000
    junk = [12, None, "x" * 300, {"id": 5}, [1], "NCT1", 10**30, "\u00e9", True, {"label": "no id"}]
    entries[99_990:] = junk  # the first wrong one is entry 99,991, on line 99,992
    error = outcome(path, "trials:\n" + "".join(f"  - {yaml.safe_dump(e, default_flow_style=True).split(chr(10))[0]}\n"
                                                for e in entries))
    assert isinstance(error, WatchlistError) and error.line == 99_992, error


# ---------------------------------------------------------------- the command line


def run_check(folder: Path, path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MONITOR_WATCHLIST": str(path), "MONITOR_DATABASE_URL": f"sqlite:///{folder}/db/monitor.db",
           "MONITOR_CTGOV_URL": "http://127.0.0.1:9", "MONITOR_HEARTBEAT": str(folder / "db" / "heartbeat.json"),
           **ENV}
    return subprocess.run([sys.executable, "-m", "monitor", "check"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@settings(max_examples=3)  # a process each: the in-process tests above do the fuzzing
@given(st.one_of(good_with_parts_replaced().map(dumped), good_text_edited()))
@example(FOUND[0])
@example(FOUND[6])
def test_a_bad_watchlist_is_one_line_on_stderr_and_exit_2(folder: Path, text: str) -> None:
    path = folder / "cli.yaml"
    error = outcome(path, text)
    if not isinstance(error, WatchlistError):
        return  # it loads: the check would go on to the registry
    done = run_check(folder, path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"trial-monitor: {error}\n" and done.stdout == ""
    assert not (folder / "db").exists()  # nothing made, nothing touched


# ---------------------------------------------------------------- a running daemon's watchlist


@settings(max_examples=40)
@given(st.one_of(good_with_parts_replaced().map(dumped), good_text_edited(), yaml_like_texts))
@example(FOUND[1])
def test_a_live_watchlist_keeps_its_last_good_version_when_the_file_goes_bad(folder: Path, text: str) -> None:
    path = folder / "live.yaml"
    path.write_text(dumped(GOOD), encoding="utf-8")
    live = LiveWatchlist(load_watchlist(path, env=ENV))
    before = live.current
    path.write_text(text + "\n# edited\n", encoding="utf-8")  # a new size and hash: seen as an edit
    os.utime(path, ns=(os.stat(path).st_mtime_ns + 10**9,) * 2)
    try:
        expected: Watchlist | WatchlistError = load_watchlist(path)
    except WatchlistError as error:
        expected = error
    new, error = live.poll()
    if isinstance(expected, WatchlistError):
        assert new is None and str(error) == str(expected)
        assert live.current is before and live.latest() is before  # told once; the last good one in force
    else:
        assert error is None and new is not None and live.current is new
