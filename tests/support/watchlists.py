"""Watchlist files for the watchlist tests: the bundled one, a minimal one, writing one, and its error."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from monitor.watchlist import WatchlistError, load_watchlist

BUNDLED = Path(__file__).resolve().parents[2] / "watchlist.yaml"

MINIMAL = """\
# comments are the user's and must survive CLI edits
interval: 6h            # 30s, 15m, 6h, 1d … (also plain integer seconds)
notify:                 # apprise URLs (or a path to an apprise config file)
  - mailto://user:pass@example.org?to=me@example.org
  - json://127.0.0.1:8080/hook
trials:
  - NCT06764329
  - NCT06646146
"""


def write(tmp_path: Path, text: str, name: str = "watchlist.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(path: Path, env: dict[str, str] | None = None) -> str:
    with pytest.raises(WatchlistError) as info:
        load_watchlist(path, env={} if env is None else env)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(str(path))
    return message
