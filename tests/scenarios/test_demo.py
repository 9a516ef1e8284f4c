"""`trial-monitor demo` as a newcomer runs it: offline, real alerts after the registry's scripted
change, a clean stop (exit 0) and no folder left behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.scenarios.harness import MONITOR, wait_until

FOLDER = re.compile(r"demo: a throwaway folder for the watchlist and the database: (\S+)")


def demo_env(tmp_path: Path) -> dict[str, str]:
    """The throwaway folder under ``tmp_path``; a registry URL and a database the demo must ignore."""
    return {**os.environ, "TMPDIR": str(tmp_path), "MONITOR_CTGOV_URL": "http://127.0.0.1:9/api/v2",
            "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'mine' / 'monitor.db'}", "NO_COLOR": "1"}


def test_the_demo_shows_real_alerts_offline_then_ends_and_cleans_up(tmp_path: Path) -> None:
    started = time.monotonic()
    done = subprocess.run([*MONITOR, "demo", "--interval", "2", "--change-after", "3", "--duration", "25"],
                          cwd=tmp_path, env=demo_env(tmp_path), capture_output=True, text=True, timeout=120)
    took = time.monotonic() - started
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "Traceback" not in out and took < 120
    assert "demo: in ~3 s the registry will change 3 records:" in done.stdout

    before, changed, after = done.stdout.partition("demo: the registry has refreshed: 3 records changed")
    assert changed, done.stdout
    assert "=====" not in before  # the baseline sends no alert: every alert comes from the change
    assert "NCT03281889 · Proton Craniospinal Irradiation" in after
    assert "- Overall status: Recruiting → Active, not recruiting" in after
    assert "- Primary completion slipped 6 months: 2027-01-16 → 2027-07-16 (estimated), 1st slip" in after
    assert re.search(r"NCT00763412 · .*: results posted on \d{4}-\d{2}-\d{2}\n", after)
    assert "demo: the daemon's check after the change found them" in after
    assert re.search(r"Checked 3 of 5 trials against registry data of \S+: 3 changed", done.stderr)
    assert "trial-monitor web: sign in at http://127.0.0.1:" in done.stderr
    assert "127.0.0.1:9/" not in out  # never the environment's registry, nor its database
    assert not (tmp_path / "mine").exists()

    assert "demo: 25 s are up (--duration): stopping" in done.stdout
    assert done.stdout.rstrip().endswith("demo: throwaway folder removed")
    (folder,) = FOLDER.findall(done.stdout)
    assert Path(folder).parent == tmp_path and not Path(folder).exists()
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize(("sig", "keep"), [(signal.SIGINT, False), (signal.SIGTERM, True)])
def test_ctrl_c_or_sigterm_ends_the_demo_cleanly(tmp_path: Path, sig: signal.Signals, keep: bool) -> None:
    log = tmp_path / "demo.log"
    args = [*MONITOR, "demo", "--interval", "2", "--change-after", "600", *(["--keep"] if keep else [])]
    with log.open("w") as output:
        process = subprocess.Popen(args, cwd=tmp_path, env=demo_env(tmp_path), stdout=output,
                                   stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        assert wait_until(lambda: "recorded its baseline" in log.read_text(), timeout=60), log.read_text()
        process.send_signal(sig)
        assert process.wait(timeout=15) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
    text = log.read_text()
    assert "Traceback" not in text and "INFO stopped" in text
    (folder,) = map(Path, FOLDER.findall(text))
    if keep:
        assert f"demo: kept {folder}" in text
        assert (folder / "watchlist.yaml").is_file() and (folder / "snapshots" / "monitor.db").is_file()
    else:
        assert text.rstrip().endswith("demo: throwaway folder removed") and not folder.exists()
