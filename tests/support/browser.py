"""A real browser for the web face's tests: Debian's Chromium (installed by ``scripts/chromium.sh ensure``
when missing, as PostgreSQL is), driven by Playwright with ``executable_path`` — never a browser
download. Screenshots are kept in ``.artifacts/screenshots/`` (``MONITOR_TEST_ARTIFACTS`` to choose).

When Chromium cannot be had, the browser tests are skipped with the reason, or fail with it under CI.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ENSURE = REPO / "scripts" / "chromium.sh"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

__all__ = ["browser", "chromium", "screenshots"]


def _unavailable(reason: str) -> None:
    reason = f"Chromium unavailable: {reason}"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        done = subprocess.run([str(ENSURE), "ensure"], capture_output=True, text=True, timeout=1200)
        if not CHROMIUM.exists():
            detail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or [f"exit {done.returncode}"]
            _unavailable(f"{ENSURE.relative_to(REPO)} ensure failed: {detail[0]}")
    return CHROMIUM


@pytest.fixture
def browser(chromium: Path) -> Iterator[Any]:
    """A fresh headless Chromium (its own empty profile), closed after the test."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            profile, executable_path=str(chromium), args=FLAGS, headless=True, viewport={"width": 1400, "height": 900})
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def screenshots() -> Path:
    folder = Path(os.environ.get("MONITOR_TEST_ARTIFACTS") or REPO / ".artifacts") / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
