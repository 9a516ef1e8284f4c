"""The package as a user installs it: built without deprecation warnings (issue 12 B7), and carrying
what runs from it — the templates, the web face's files, and the stand-in's real records that
``trial-monitor demo`` serves."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_wheel_builds_without_deprecation_warnings_and_carries_its_files(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(tmp_path), str(REPO)],
                           capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    said = [line for line in (built.stdout + built.stderr).splitlines() if "deprecat" in line.lower()]
    assert said == []
    (wheel,) = tmp_path.glob("trial_monitor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("monitor/delivery/templates/chat.md", "monitor/delivery/templates/chat.txt",
                   "monitor/delivery/templates/email.html", "monitor/web/templates/dashboard.html",
                   "monitor/web/static/style.css", "monitor/registry/ctgov/standin/records/SOURCES.md",
                   "monitor/registry/ctgov/standin/records/NCT06171568.json",
                   "monitor/store/migrations/versions/0009_trial_identity.py"):
        assert needed in names, needed
    assert not any(name.startswith("tests/") for name in names)  # the test-only fixtures do not ship
