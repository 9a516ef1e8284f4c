"""Comment-keeping edits of the watchlist (`trial-monitor add` / `remove`): only the intended line changes."""

from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path

import pytest

from monitor.watchlist import WatchlistError, add_trials, load_watchlist, remove_trials
from tests.support.watchlists import BUNDLED, MINIMAL, load_error, write


def changed_lines(before: str, after: str) -> list[str]:
    """The +/- lines of a diff, without headers."""
    diff = difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
    return [ln for ln in diff if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


# ---------------------------------------------------------------- edits keep everything else byte for byte

EDITABLE = """\
# comments are the user's and must survive CLI edits
interval: 6h            # 30s, 15m, 6h, 1d … (also plain integer seconds)
notify:                 # apprise URLs (or a path to an apprise config file)
  - mailto://user:pass@example.org?to=me@example.org
  - json://127.0.0.1:8080/hook
trials:
  - NCT06764329   # hair loss
  # a comment between items
  - NCT06646146
  - id: NCT05659095
    label: "my note"    # kept
  - NCT06326359   # last one

# trailing section comment
# compare: [status]
outage_after: 3
"""


def test_add_changes_only_the_added_line(tmp_path: Path) -> None:
    path = write(tmp_path, EDITABLE)
    assert add_trials(path, ["nct02865421"]) == [("NCT02865421", True)]
    after = path.read_text(encoding="utf-8")
    assert changed_lines(EDITABLE, after) == ["+  - NCT02865421\n"]
    assert after.index("NCT02865421") < after.index("# trailing section comment")
    assert load_watchlist(path, env={}).trial_ids[-1] == "NCT02865421"


def test_add_to_bundled_file(tmp_path: Path) -> None:
    before = BUNDLED.read_text(encoding="utf-8")
    path = write(tmp_path, before)
    assert add_trials(path, ["NCT01234567", "NCT06764329"]) == [("NCT01234567", True), ("NCT06764329", False)]
    assert changed_lines(before, path.read_text(encoding="utf-8")) == ["+  - NCT01234567\n"]


def test_add_existing_returns_false_and_leaves_file(tmp_path: Path) -> None:
    path = write(tmp_path, EDITABLE)
    mtime = path.stat().st_mtime_ns
    assert add_trials(path, ["NCT06764329", "NCT05659095"]) == [("NCT06764329", False), ("NCT05659095", False)]
    assert path.read_text(encoding="utf-8") == EDITABLE and path.stat().st_mtime_ns == mtime


def test_add_same_id_twice_in_one_call(tmp_path: Path) -> None:
    path = write(tmp_path, EDITABLE)
    assert add_trials(path, ["NCT02865421", "nct02865421"]) == [("NCT02865421", True), ("NCT02865421", False)]
    assert changed_lines(EDITABLE, path.read_text(encoding="utf-8")) == ["+  - NCT02865421\n"]


def test_add_invalid_id_raises_before_touching(tmp_path: Path) -> None:
    path = write(tmp_path, EDITABLE)
    with pytest.raises(ValueError, match="NCT123 is not a valid NCT id"):
        add_trials(path, ["NCT02865421", "NCT123"])
    with pytest.raises(ValueError):
        remove_trials(path, ["NCT123"])
    assert path.read_text(encoding="utf-8") == EDITABLE


def test_remove_changes_only_the_removed_line(tmp_path: Path) -> None:
    path = write(tmp_path, EDITABLE)
    assert remove_trials(path, ["NCT06764329"]) == [("NCT06764329", True)]
    assert changed_lines(EDITABLE, path.read_text(encoding="utf-8")) == ["-  - NCT06764329   # hair loss\n"]


def test_remove_mapping_entry_and_last_item(tmp_path: Path) -> None:
    path = write(tmp_path, EDITABLE)
    assert remove_trials(path, ["NCT05659095", "NCT06326359"]) == [("NCT05659095", True), ("NCT06326359", True)]
    assert changed_lines(EDITABLE, path.read_text(encoding="utf-8")) == [
        "-  - id: NCT05659095\n",
        '-    label: "my note"    # kept\n',
        "-  - NCT06326359   # last one\n",
    ]
    assert load_watchlist(path, env={}).trial_ids == ("NCT06764329", "NCT06646146")


def test_remove_missing_returns_false(tmp_path: Path) -> None:
    path = write(tmp_path, EDITABLE)
    assert remove_trials(path, ["NCT00000001"]) == [("NCT00000001", False)]
    assert path.read_text(encoding="utf-8") == EDITABLE


def test_remove_every_trial_leaves_an_empty_list(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    assert remove_trials(path, ["NCT06764329", "NCT06646146"]) == [("NCT06764329", True), ("NCT06646146", True)]
    after = path.read_text(encoding="utf-8")
    assert changed_lines(MINIMAL, after) == ["-trials:\n", "-  - NCT06764329\n", "-  - NCT06646146\n", "+trials: []\n"]
    assert load_watchlist(path, env={}).trials == ()
    add_trials(path, ["NCT06764329", "NCT06646146"])
    assert path.read_text(encoding="utf-8") == MINIMAL


def test_add_to_file_without_trials_key(tmp_path: Path) -> None:
    before = "# my watchlist\ninterval: 6h   # every six hours\nnotify:\n- json://127.0.0.1:8080/hook\n"
    path = write(tmp_path, before)
    assert add_trials(path, ["NCT06764329"]) == [("NCT06764329", True)]
    after = path.read_text(encoding="utf-8")
    assert after == before + "trials:\n- NCT06764329\n"  # the file's own "- item" style
    assert load_watchlist(path, env={}).trial_ids == ("NCT06764329",)


@pytest.mark.parametrize(
    ("line", "becomes"),
    [("trials:", "trials:"), ("trials: []", "trials:"), ("trials: ~", "trials:"),
     ("trials:    # none yet", "trials:    # none yet"), ("trials: []  # none yet", "trials:  # none yet")],
)  # fmt: skip
def test_add_to_empty_trials(tmp_path: Path, line: str, becomes: str) -> None:
    before = f"interval: 6h\nnotify:\n- json://127.0.0.1:8080/hook\n{line}\noutage_after: 3\n"
    path = write(tmp_path, before)
    add_trials(path, ["NCT06764329", "NCT06646146"])
    after = path.read_text(encoding="utf-8")
    assert after == before.replace(line, f"{becomes}\n- NCT06764329\n- NCT06646146")
    assert load_watchlist(path, env={}).trial_ids == ("NCT06764329", "NCT06646146")


def test_add_to_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    add_trials(path, ["NCT06764329"])
    assert load_watchlist(path, env={}).trial_ids == ("NCT06764329",)


def test_column_zero_style_is_kept(tmp_path: Path) -> None:
    before = "interval: 6h\nnotify:\n- json://127.0.0.1:8080/hook\ntrials:\n- NCT06764329  # one\n- NCT06646146\n"
    path = write(tmp_path, before)
    add_trials(path, ["NCT05659095"])
    assert changed_lines(before, path.read_text(encoding="utf-8")) == ["+- NCT05659095\n"]
    remove_trials(path, ["NCT06764329"])
    assert changed_lines(before, path.read_text(encoding="utf-8")) == ["-- NCT06764329  # one\n", "+- NCT05659095\n"]


def test_flow_style_list(tmp_path: Path) -> None:
    path = write(tmp_path, "# keep me\ninterval: 6h  # and me\ntrials: [NCT06764329, NCT06646146]\n")
    add_trials(path, ["NCT05659095"])
    remove_trials(path, ["NCT06764329"])
    after = path.read_text(encoding="utf-8")
    assert after.startswith("# keep me\ninterval: 6h  # and me\n")
    assert load_watchlist(path, env={}).trial_ids == ("NCT06646146", "NCT05659095")


def test_crlf_and_file_mode_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    path.write_bytes(MINIMAL.replace("\n", "\r\n").encode())
    os.chmod(path, 0o640)
    add_trials(path, ["NCT05659095"])
    assert path.read_bytes() == (MINIMAL + "  - NCT05659095\n").replace("\n", "\r\n").encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["watchlist.yaml"]  # no temp file left behind


def test_edit_follows_a_symlink(tmp_path: Path) -> None:
    real = write(tmp_path, MINIMAL, "real.yaml")
    link = tmp_path / "watchlist.yaml"
    link.symlink_to(real)
    add_trials(link, ["NCT05659095"])
    assert link.is_symlink() and "NCT05659095" in real.read_text(encoding="utf-8")


def test_edit_errors(tmp_path: Path) -> None:
    with pytest.raises(WatchlistError, match="file not found"):
        add_trials(tmp_path / "nope.yaml", ["NCT06764329"])
    path = write(tmp_path, "trials: NCT06764329\n")
    with pytest.raises(WatchlistError, match=r":1: trials must be a list"):
        add_trials(path, ["NCT06646146"])
    path = write(tmp_path, "trials: [\n")
    with pytest.raises(WatchlistError, match="malformed YAML"):
        remove_trials(path, ["NCT06646146"])


def test_block_lists_are_edited_as_text_not_redumped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ruamel re-dump is only a fallback (flow lists, odd layouts); block lists never need it."""
    import monitor.watchlist._edit as edit

    def no_dump(*args: object) -> str:
        raise AssertionError("fell back to a ruamel dump")

    monkeypatch.setattr(edit, "_dump_edit", no_dump)
    path = write(tmp_path, EDITABLE)
    add_trials(path, ["NCT02865421"])
    remove_trials(path, ["NCT06764329", "NCT05659095", "NCT06646146", "NCT06326359", "NCT02865421"])
    assert "trials: []\n" in path.read_text(encoding="utf-8")
    assert "# a comment between items" in path.read_text(encoding="utf-8")


def test_multi_document_file(tmp_path: Path) -> None:
    path = write(tmp_path, "interval: 6h\n---\ntrials: []\n")
    assert load_error(path) == f"{path}:2: only one YAML document is allowed (remove the second '---')"
