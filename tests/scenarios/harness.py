"""Run trial-monitor exactly as a user does: a subprocess in its own folder, configured by MONITOR_*."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

MONITOR = [sys.executable, "-m", "monitor"]


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Home:
    """A user's folder: a watchlist, a database under snapshots/, a registry URL."""

    def __init__(self, folder: Path, registry_url: str, **env: str) -> None:
        self.folder = folder
        self.watchlist = folder / "watchlist.yaml"
        self.database = folder / "snapshots" / "monitor.db"
        self.env = {
            **os.environ,
            "MONITOR_WATCHLIST": str(self.watchlist),
            "MONITOR_DATABASE_URL": f"sqlite:///{self.database}",
            "MONITOR_CTGOV_URL": registry_url,
            "MONITOR_HEARTBEAT": str(folder / "snapshots" / "heartbeat.json"),
            "MONITOR_HTTP_TIMEOUT": "3",
            "MONITOR_RETRY_BUDGET": "20",
            "MONITOR_DELIVERY_TIMEOUT": "5",
            "MONITOR_WEB_LISTEN": f"127.0.0.1:{free_port()}",  # `run` serves the web face: a port of its own
            **env,
        }

    def write_watchlist(
        self, trials: Sequence[str], notify: Sequence[str] = (), *, interval: str = "6h", extra: str = ""
    ) -> None:
        lines = ["# my trials", f"interval: {interval}", "request_pause: 0s"]
        lines += ["notify:"] + [f"  - {url}" for url in notify] if notify else ["notify: []"]
        lines += ["trials:"] + [f"  - {nct_id}" for nct_id in trials] if trials else ["trials: []"]
        self.watchlist.write_text("\n".join(lines) + "\n" + extra)

    def run(self, *args: str, timeout: float = 120) -> Result:
        done = subprocess.run(
            [*MONITOR, *args], cwd=self.folder, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        result = Result(done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in result.text, result.text
        return result

    def start(self, *args: str, log: Path | None = None) -> subprocess.Popen[str]:
        """Start a command in the background; its output goes to a pipe, or to ``log`` (readable while it runs)."""
        output = log.open("w") if log is not None else subprocess.PIPE
        try:
            return subprocess.Popen(
                [*MONITOR, *args], cwd=self.folder, env=self.env, stdout=output, stderr=subprocess.STDOUT,
                text=True, start_new_session=True,
            )
        finally:
            if log is not None:
                output.close()  # type: ignore[union-attr]


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM, timeout: float = 10.0) -> tuple[int, str]:
    process.send_signal(sig)
    out, _ = process.communicate(timeout=timeout)
    return process.returncode, out


def sponsor_edit(registry: Any, nct_id: str, edit: Callable[[dict], Any]) -> None:
    """Edit a record as a sponsor does: the registry posts it with the next refresh's date.

    The real registry moves "last update posted" whenever a record changes, which is what the
    incremental sync lists; an edit that did not move it would be one the registry never makes.
    """
    posted = (date.fromisoformat(registry.data_timestamp[:10]) + timedelta(days=1)).isoformat()

    def apply(study: dict) -> Any:
        result = edit(study)
        target = result if isinstance(result, dict) else study
        target["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": posted, "type": "ACTUAL"}
        return result

    registry.update(nct_id, apply)
