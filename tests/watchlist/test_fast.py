"""The fast read of a watchlist (libyaml): the round-trip loader's values, or the round trip itself."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from monitor.watchlist import _load, load_watchlist
from monitor.watchlist._base import load_yaml
from monitor.watchlist._fast import Unsure, fast_load
from tests.support.watchlists import BUNDLED, MINIMAL, write


def plain(value: Any) -> Any:
    """The round-trip loader's values as plain dicts and lists (its scalars are str/int/float subclasses)."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def round_trip(text: str) -> Any:
    return plain(load_yaml(Path("watchlist.yaml"), text))


# every scalar that YAML 1.1 and 1.2 (and so libyaml and ruamel.yaml) might type apart
WORDS = [
    "yes", "Yes", "YES", "no", "No", "y", "Y", "n", "on", "On", "ON", "off", "Off", "OFF",
    "true", "True", "TRUE", "false", "False", "FALSE", "tRUE",
    "null", "Null", "NULL", "~", "nULL", "", "none", "None",
    "0", "-0", "+0", "1", "+5", "-12", "007", "08", "0o17", "0x1F", "0b101", "1_000", "1:30", "1:30:00", "190:20:30",
    "1.5", "-1.5", "+.5", ".5", "1.", "0.", "01.5", "1e3", "1.5e-3", "1E+2", ".inf", "-.Inf", "+.INF", ".nan", ".NaN",
    "1.2.3", "6h", "1h30m", "30s", "500ms", "0.5", "all", "ALL",
    "2024-01-01", "2024-1-1", "2024-01-01T10:00:00Z", "2024-01-01 10:00:00 +02:00", "12:30",
    "=", "<<", "NCT06764329", "nct06764329", " NCT06764329 ", "Europe/Paris",
    "mailto://user:pass@example.org?to=me@example.org&from=x", "json://127.0.0.1:8080/hook", "${SMTP_PASSWORD}",
    "a b", "é", "日本", "x # not a comment",
]  # fmt: skip


@pytest.mark.parametrize("word", WORDS)
@pytest.mark.parametrize("form", ["a: {}\n", "a: '{}'\n", 'a: "{}"\n', "- {}\n", "a: [{}]\n", "{}: x\n", "a: ! {}\n",
                                  "a: !!str {}\n", "a: !!int '{}'\n"])
def test_every_scalar_is_read_as_the_round_trip_reads_it_or_not_at_all(form: str, word: str) -> None:
    text = form.format(word)
    try:
        expected = round_trip(text)
    except Exception:  # noqa: BLE001 - what the round trip refuses, the fast read must refuse too
        with pytest.raises(Unsure):
            fast_load(text)
        return
    try:
        assert fast_load(text) == expected
    except Unsure:
        pass


FAST = [
    MINIMAL,
    "interval: 30s\nrequest_pause: 0.5\nbackfill: true\nsweep: off\nkeep_snapshots: 3\ntrials: all\n",
    "trials:\n  - NCT06764329\n  - {id: NCT06646146, label: my note}\n  - id: NCT05659095\n    label: 'quoted: yes'\n",
    "notify:\n  - url: json://h/x\n    min_level: high\n    digest: weekly on monday at 08:00\ncompare: [status, dates]\n",
    "searches:\n  - name: alopecia\n    condition: alopecia areata\n    status: [recruiting]\n    add: true\n",
    "expectations:\n  overdue: true\n  milestone_days: 30\n  unverified: false\nnear: [Lyon, 'Paris, France']\n",
    "label: &l shared\ntrials:\n  - {id: NCT06764329, label: *l}\n",
    "a: |\n  line one\n  line two\n\nb: >-\n  folded\n  text\nc: plain\n  continued\n",
    "---\na: 1\n...\n", "# only a comment\n", "", "a:\n", "a: {}\nb: []\n",
]  # fmt: skip


@pytest.mark.parametrize("text", FAST)
def test_a_usual_watchlist_is_read_fast_and_the_same(text: str) -> None:
    assert fast_load(text) == round_trip(text)


UNSURE = [
    "a: 2024-01-01\n", "a: 0o17\n", "a: 1_000\n", "a: 1e3\n", "a: .inf\n", "a: 007\n",  # the round trip's own types
    "base: &b {x: 1}\nc:\n  <<: *b\n",  # a merge key
    "a: 1\na: 2\n", "a: !!set {x}\n", "a: !!omap [x: 1]\n", "a: !custom x\n", "a: !!bool yes\n", "a: !!float 1\n",
    "a: !!str 12\n", "a: !!str x\n", "a: !!seq [x]\n", "a: ! [x]\n",
    "%YAML 1.1\n---\na: yes\n", "a: [\n", "a: 'open\n", "a: 1\n---\nb: 2\n", "a:\n\t- x\n", "a: b\x07\n",
    "x: &a [*a]\n", "? [a, b]\n: c\n",
]  # fmt: skip


@pytest.mark.parametrize("text", UNSURE)
def test_what_the_fast_read_cannot_vouch_for_is_left_to_the_round_trip(text: str) -> None:
    with pytest.raises(Unsure):
        fast_load(text)


def loaded_both_ways(path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> tuple[Any, Any]:
    fast = load_watchlist(path, env=env)

    def unsure(text: str) -> Any:
        raise Unsure

    with monkeypatch.context() as patch:
        patch.setattr(_load, "fast_load", unsure)
        slow = load_watchlist(path, env=env)
    return fast, slow


@pytest.mark.parametrize("text", [MINIMAL, *FAST[1:6]])
def test_the_watchlist_is_the_same_read_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    fast, slow = loaded_both_ways(write(tmp_path, text), monkeypatch, env={})
    assert fast == slow


def test_the_bundled_watchlist_is_the_same_read_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = loaded_both_ways(BUNDLED, monkeypatch, env={"SMTP_PASSWORD": "x"})
    assert fast == slow


def test_a_large_watchlist_is_the_same_read_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [f"NCT{10_000_000 + i}" for i in range(3000)]
    path = write(tmp_path, "# many\ninterval: 6h\ntrials:\n" + "".join(f"  - {i}\n" for i in ids))
    fast, slow = loaded_both_ways(path, monkeypatch, env={})
    assert fast == slow and fast.trial_ids == tuple(ids)


def test_a_bad_or_warned_watchlist_has_the_round_trip_messages(tmp_path: Path) -> None:
    """The fast read has no line numbers: the message of a wrong watchlist, and a warning's, name the
    line the round trip knows."""
    path = write(tmp_path, "interval: 6h\ntrials:\n  - NCT06764329\n  - NCT06646146\n  - NCT0664614\n")
    with pytest.raises(_load.WatchlistError) as info:
        load_watchlist(path, env={})
    assert str(info.value) == f"{path}:5: 'NCT0664614' is not a valid NCT id (NCT followed by 8 digits)"
    path = write(tmp_path, "trials:\n  - NCT06764329\n  - NCT06646146\n  - nct06764329\n")
    assert load_watchlist(path, env={}).warnings == (
        f"{path}:4: warning: NCT06764329 is listed twice (first on line 2); it is watched once",)


def test_a_usual_watchlist_is_not_read_the_round_trip_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path, text: str) -> Any:
        raise AssertionError("read the round-trip way")

    monkeypatch.setattr(_load, "load_yaml", refuse)
    assert load_watchlist(write(tmp_path, MINIMAL), env={}).trial_ids == ("NCT06764329", "NCT06646146")


# ---------------------------------------------------------------- a large watchlist's trials, kept


def large(count: int = 1500, extra: str = "") -> str:
    return ("# my trials\ninterval: 6h\nnotify:\n  - mailto://me:${SMTP_PASSWORD}@example.org\ntrials:\n"
            + "".join(f"  - NCT{10_000_000 + i}  # {i}\n" for i in range(count))
            + "  - {id: NCT20000000, label: my sister's trial}\n" + extra + "request_pause: 0.5  # after\n")


def test_a_large_watchlist_read_again_is_not_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, folder, env = write(tmp_path, large()), tmp_path / "data", {"SMTP_PASSWORD": "s3cret"}
    folder.mkdir()
    first = load_watchlist(path, env=env, cache=folder)
    kept = (folder / "watchlist-trials.json").read_text()
    assert "NCT10000000" in kept and "my sister's trial" in kept
    assert "mailto" not in kept and "s3cret" not in kept and "SMTP" not in kept  # no target, no secret

    def whole(text: str) -> Any:
        raise AssertionError("the whole file was parsed again")

    with monkeypatch.context() as patch:
        patch.setattr(_load, "fast_read", whole)
        again = load_watchlist(path, env=env, cache=folder)
    assert again == first == load_watchlist(path, env=env)
    assert len(again.trials) == 1501 and again.trials[-1].label == "my sister's trial" and again.request_pause == 0.5


def test_an_edited_large_watchlist_is_read_whole(tmp_path: Path) -> None:
    path, folder = write(tmp_path, large()), tmp_path
    load_watchlist(path, env={"SMTP_PASSWORD": "x"}, cache=folder)
    path.write_text(large(extra="  - NCT30000000\n"), encoding="utf-8")
    edited = load_watchlist(path, env={"SMTP_PASSWORD": "x"}, cache=folder)
    assert edited.trial_ids[-1] == "NCT30000000" and len(edited.trials) == 1502
    assert edited == load_watchlist(path, env={"SMTP_PASSWORD": "x"}, cache=folder)
    path.write_text(large(extra="  - NCT3000000\n"), encoding="utf-8")  # a bad edit: the round trip's message
    with pytest.raises(_load.WatchlistError, match=r":1507: 'NCT3000000' is not a valid NCT id"):
        load_watchlist(path, env={"SMTP_PASSWORD": "x"}, cache=folder)


@pytest.mark.parametrize("garbage", [
    "", "{", "[]", '{"format": 1}', '{"format": 1, "sha256": 3, "span": 1}', '{"format": 1, "sha256": "SHA", "span": [0]}',
    '{"format": 1, "sha256": "SHA", "span": [9, 2], "trials": []}', '{"format": 1, "sha256": "SHA", "span": [1, 2], "trials": [1]}',
    '{"format": 1, "sha256": "SHA", "span": [1, 2], "trials": [["NCT1", 2]]}',
])
def test_a_damaged_cache_is_no_cache(tmp_path: Path, garbage: str) -> None:
    path = write(tmp_path, large())
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    (tmp_path / "watchlist-trials.json").write_text(garbage.replace("SHA", sha))
    assert load_watchlist(path, env={"SMTP_PASSWORD": "x"}, cache=tmp_path) == load_watchlist(path, env={"SMTP_PASSWORD": "x"})


@pytest.mark.parametrize("text", [MINIMAL, large(extra="near: Lyon\n").replace("label: my", "near: Paris, label: my")])
def test_small_or_near_watchlists_are_not_kept(tmp_path: Path, text: str) -> None:
    load_watchlist(write(tmp_path, text), env={"SMTP_PASSWORD": "x"}, cache=tmp_path)
    assert not (tmp_path / "watchlist-trials.json").exists()


def test_no_data_folder_no_cache(tmp_path: Path) -> None:
    path = write(tmp_path, large())
    assert load_watchlist(path, env={"SMTP_PASSWORD": "x"}, cache=tmp_path / "missing").trial_ids[0] == "NCT10000000"
    assert not (tmp_path / "missing").exists()
