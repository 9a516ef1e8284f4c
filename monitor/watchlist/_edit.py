"""``add_trials`` / ``remove_trials``: edit the trials list and nothing else.

Every comment and the layout must survive. The file is loaded with ruamel's round-trip
loader, which tells where each item sits; the edit is then made on the text itself
(insert or delete exactly the item's lines), so nothing else can move. The result is
re-parsed and must equal the intended data. The rare layouts the text edit does not handle
(flow lists such as ``trials: [A, B]``, odd indentation) fall back to a ruamel round-trip dump
with the file's own sequence indentation. The file is replaced atomically.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ._base import WatchlistError, kind, load_yaml, normalise_trial_id, read_text, rt_yaml

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_KEY_RE = re.compile(  # a "trials:" line holding no items: "trials:", "trials: []", "trials: ~  # note"
    r"(?P<head>\s*(?:trials|\"trials\"|'trials')\s*:)"
    r"(?P<value>[ \t]*(?:\[[ \t]*\]|~|null|Null|NULL)?)"
    r"(?P<rest>[ \t]*(?:#.*)?)"
)


def add_trials(path: Path, ids: Sequence[str], labels: Mapping[str, str] | None = None) -> list[tuple[str, bool]]:
    """Append the ids not yet watched (with a label where ``labels`` gives one, as ``{id: …, label: …}``);
    returns ``(id, added?)`` in the order given."""
    wanted = [normalise_trial_id(i) for i in ids]  # ValueError before the file is touched
    named = {normalise_trial_id(k): v for k, v in (labels or {}).items() if v}

    def change(items: list[Any]) -> tuple[list[Any], list[tuple[str, bool]]]:
        present = {_entry_id(e) for e in items}
        result, new = [], list(items)
        for trial_id in wanted:
            result.append((trial_id, trial_id not in present))
            if trial_id not in present:
                present.add(trial_id)
                new.append(CommentedMap(id=trial_id, label=named[trial_id]) if trial_id in named else trial_id)
        return new, result

    return _edit(Path(path), change)


def remove_trials(path: Path, ids: Sequence[str]) -> list[tuple[str, bool]]:
    """Remove the given ids (every entry for each); returns ``(id, removed?)`` in the order given."""
    wanted = [normalise_trial_id(i) for i in ids]

    def change(items: list[Any]) -> tuple[list[Any], list[tuple[str, bool]]]:
        present = {_entry_id(e) for e in items}
        result, gone = [], set()
        for trial_id in wanted:
            result.append((trial_id, trial_id in present and trial_id not in gone))
            gone.add(trial_id)
        return [e for e in items if _entry_id(e) not in gone], result

    return _edit(Path(path), change)


def _entry_id(entry: Any) -> str | None:
    raw = entry.get("id") if isinstance(entry, dict) else entry
    return raw.strip().upper() if isinstance(raw, str) else None


Change = Callable[[list[Any]], tuple[list[Any], list[tuple[str, bool]]]]


def _edit(path: Path, change: Change) -> list[tuple[str, bool]]:
    text = read_text(path)
    data = load_yaml(path, text)
    if data is None:  # empty file, or only comments
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise WatchlistError(path, f"the top level must be a mapping, not {kind(data)}", 1)
    trials = data.get("trials")
    if trials is not None and not isinstance(trials, CommentedSeq):
        line = data.lc.key("trials")[0] + 1
        raise WatchlistError(path, f"trials must be a list of NCT ids, not {kind(trials)}", line)
    items = list(trials or [])
    new_items, result = change(items)
    kept = {id(e) for e in new_items}
    removed = [i for i, e in enumerate(items) if id(e) not in kept]
    added = new_items[len(items) - len(removed) :]
    if not removed and not added:
        return result  # nothing to do: the file is left alone
    expected = _plain(data)
    expected["trials"] = _plain(new_items)
    try:
        lines = _LINE_RE.findall(text)
        ok = _text_remove(lines, data, removed) if removed else _text_add(lines, text, data, added)
        new_text = "".join(lines) if ok else None
    except (IndexError, KeyError, AttributeError, TypeError, ValueError):
        new_text = None
    if new_text is None or not _same(path, new_text, expected):
        new_text = _dump_edit(text, data, removed, added)
        if not _same(path, new_text, expected):
            raise WatchlistError(path, "could not edit the trials list safely; please edit the file by hand")
    _atomic_write(path.resolve(), new_text)  # resolve(): a symlinked watchlist stays a symlink
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _same(path: Path, text: str, expected: Any) -> bool:
    try:
        return _plain(load_yaml(path, text)) == expected
    except WatchlistError:
        return False


# ---------------------------------------------------------------- text edit


def _newline(lines: list[str]) -> str:
    return next((ln[len(ln.rstrip("\r\n")) :] for ln in lines if ln.endswith(("\n", "\r"))), "\n")


def _text_remove(lines: list[str], data: CommentedMap, removed: list[int]) -> bool:
    """Delete exactly the lines of each removed item; an emptied list becomes ``trials: []``."""
    trials = data["trials"]
    if trials.fa.flow_style():
        return False
    for i in reversed(removed):
        start, end, _, _ = _item_span(lines, trials, i)
        del lines[start : end + 1]
    if len(removed) == len(trials):
        row = data.lc.key("trials")[0]
        body = lines[row].rstrip("\r\n")
        m = _KEY_RE.fullmatch(body)
        if m is None or m.group("value").strip():
            return False
        lines[row] = m.group("head") + " []" + m.group("rest") + lines[row][len(body) :]
    return True


def _text_add(lines: list[str], text: str, data: CommentedMap, added: list[Any]) -> bool:
    """Insert one ``- NCT…`` line per id (``- {id: NCT…, label: "…"}`` for a labelled one) after the
    last item, with that item's indentation."""
    nl = _newline(lines)
    trials = data.get("trials")
    if isinstance(trials, CommentedSeq) and len(trials):
        if trials.fa.flow_style():
            return False
        start, end, dash_col, gap = _item_span(lines, trials, len(trials) - 1)
        indent, at = lines[start][:dash_col], end + 1
    elif "trials" in data:  # "trials:", "trials: []" or "trials: ~" becomes a block list
        row, col = data.lc.key("trials")
        body = lines[row].rstrip("\r\n")
        m = _KEY_RE.fullmatch(body)
        if m is None:
            return False
        lines[row] = m.group("head") + m.group("rest") + (lines[row][len(body) :] or nl)
        indent, gap, at = " " * (col + _seq_offset(lines, data)), 1, row + 1
    else:  # no trials key yet: append one at the end of the file
        if data.lc.col not in (0, None) or data.fa.flow_style():
            return False
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += nl
        lines.append("trials:" + nl)
        indent, gap, at = " " * _seq_offset(lines, data), 1, len(lines)
    if indent.strip():
        return False
    if 0 < at == len(lines) and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += nl
    lines[at:at] = [f"{indent}-{' ' * gap}{_item_text(item)}{nl}" for item in added]
    return True


def _item_text(item: Any) -> str:
    """An added item as one line of YAML; a label as a double-quoted scalar (JSON's escapes are YAML's)."""
    if isinstance(item, dict):
        return f"{{id: {item['id']}, label: {json.dumps(item['label'], ensure_ascii=False)}}}"
    return str(item)


def _item_span(lines: list[str], seq: CommentedSeq, index: int) -> tuple[int, int, int, int]:
    """(dash line, last line, dash column, spaces after the dash) of one block-sequence item."""
    row, col = seq.lc.item(index)
    dash_row, dash_col = row, col - 1
    while True:  # walk back from the item's start to its dash
        while dash_col >= 0 and lines[dash_row][dash_col] in " \t":
            dash_col -= 1
        if dash_col >= 0:
            break
        dash_row -= 1
        dash_col = len(lines[dash_row].rstrip("\r\n")) - 1
    if lines[dash_row][dash_col] != "-" or lines[dash_row][:dash_col].strip():
        raise ValueError("unexpected layout before the item")
    gap = col - dash_col - 1 if dash_row == row else 1
    bound = seq.lc.item(index + 1)[0] if index + 1 < len(seq) else len(lines)
    end = row
    for r in range(row + 1, bound):  # continuation lines sit deeper than the dash
        body = lines[r].strip()
        if not body or body.startswith("#"):
            continue
        if len(lines[r]) - len(lines[r].lstrip(" ")) <= dash_col:
            break
        end = r
    return dash_row, end, dash_col, max(gap, 1)


def _seq_offset(lines: list[str], data: CommentedMap) -> int:
    """Columns from a key to its block sequence's dash in this file (``  - x`` -> 2); default 2."""
    for key, value in data.items():
        if isinstance(value, CommentedSeq) and len(value) and not value.fa.flow_style():
            try:
                return max(_item_span(lines, value, 0)[2] - data.lc.key(key)[1], 0)
            except (IndexError, KeyError, TypeError, ValueError):
                continue
    return 2


# ---------------------------------------------------------------- fallback: ruamel round-trip dump


def _dump_edit(text: str, data: CommentedMap, removed: list[int], added: list[Any]) -> str:
    """The same edit through ruamel's round-trip dumper, indented like the file's sequences."""
    offset = _seq_offset(_LINE_RE.findall(text), data)
    trials = data.get("trials")
    if isinstance(trials, CommentedSeq) and (len(trials) - len(removed) or added):
        for i in reversed(removed):
            del trials[i]  # CommentedSeq shifts the item comments along
        trials.extend(added)
    else:
        trials = CommentedSeq(added)
        trials.fa.set_block_style() if added else trials.fa.set_flow_style()
        data["trials"] = trials
    yaml = rt_yaml()
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


# ---------------------------------------------------------------- atomic save


def _atomic_write(path: Path, text: str) -> None:
    """Write a temp file next to ``path``, keep its mode, then os.replace it in one step."""
    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
