"""Soak: the daemon on a 1-second schedule while a third of registry requests fail and changes keep coming.

Prints the figures (changes made, alerts received, duplicates, daemon memory start → end).
``python bench/soak.py --seconds 300`` for a long run; the test suite runs it for ~70 s.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.registry.ctgov.standin.registry import StandInRegistry, fixture_studies  # noqa: E402
from tests.scenarios.harness import free_port, sponsor_edit
from tests.support.receivers import JsonReceiver  # noqa: E402

TRIALS = ["NCT06171568", "NCT00973089", "NCT04207047", "NCT03418623", "NCT03630471", "NCT02210780"]


@dataclass
class SoakFigures:
    seconds: float = 0.0
    changes: int = 0
    alerts: int = 0
    duplicates: int = 0
    missed: list[str] = field(default_factory=list)
    registry_requests: int = 0
    rss_start_kib: int = 0
    rss_end_kib: int = 0
    rss_samples_kib: list[int] = field(default_factory=list)  # one per round
    exit_code: int | None = None
    tracebacks: int = 0
    alive: bool = True

    @property
    def second_half_growth_kib(self) -> int:
        """RSS growth over the second half of the run: warm-up excluded, a leak would show here."""
        samples = self.rss_samples_kib
        return samples[-1] - samples[len(samples) // 2] if len(samples) >= 2 else 0

    def lines(self) -> list[str]:
        return [
            f"soak: {self.seconds:.0f} s, 1 s schedule, a third of registry requests failing",
            f"  changes made        {self.changes}",
            f"  alerts received     {self.alerts}",
            f"  duplicates          {self.duplicates}",
            f"  missed              {len(self.missed)}",
            f"  registry requests   {self.registry_requests}",
            f"  daemon RSS          {self.rss_start_kib / 1024:.1f} MiB → {self.rss_end_kib / 1024:.1f} MiB"
            f" (second half: {self.second_half_growth_kib / 1024:+.1f} MiB)",
            f"  alive / exit code   {self.alive} / {self.exit_code}",
            f"  tracebacks          {self.tracebacks}",
        ]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def soak(seconds: float = 70.0, fail_share: float = 1 / 3) -> SoakFigures:
    figures = SoakFigures()
    with tempfile.TemporaryDirectory() as folder, StandInRegistry(fixture_studies()) as registry, JsonReceiver() as hook:
        home = Path(folder)
        (home / "watchlist.yaml").write_text(
            "interval: 1s\nrequest_pause: 0s\nnotify:\n  - " + hook.url() + "\ntrials:\n"
            + "".join(f"  - {t}\n" for t in TRIALS)
        )
        env = {**os.environ, "MONITOR_CTGOV_URL": registry.base_url, "MONITOR_HTTP_TIMEOUT": "2",
               "MONITOR_RETRY_BUDGET": "10", "MONITOR_WATCHLIST": str(home / "watchlist.yaml"),
               "MONITOR_DATABASE_URL": f"sqlite:///{home}/snapshots/monitor.db",
               "MONITOR_WEB_LISTEN": f"127.0.0.1:{free_port()}"}  # the web face too, on a port of its own
        log_path = home / "daemon.log"
        with log_path.open("w") as log:
            daemon = subprocess.Popen([sys.executable, "-m", "monitor", "run"], cwd=home, env=env,
                                      stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait(lambda: registry.count("/studies") >= 1, 30)
            time.sleep(3)  # baseline taken and warmed up
            registry.fail_rate(fail_share, seed=7)
            figures.rss_start_kib = rss_kib(daemon.pid)
            started = time.monotonic()
            expected: list[str] = []
            while time.monotonic() - started < seconds and daemon.poll() is None:
                round_values = []
                for index, trial in enumerate(TRIALS):  # every trial changes; one refresh per round
                    count = 1000 + len(expected) + index
                    sponsor_edit(registry, trial, lambda s, c=count: s["protocolSection"]["designModule"].update(
                        enrollmentInfo={"count": c, "type": "ESTIMATED"}))
                    round_values.append(str(count))
                registry.refresh()
                figures.rss_samples_kib.append(rss_kib(daemon.pid))
                expected += round_values
                _wait(lambda vs=round_values: all(any(f"→ {v}" in m.message for m in hook.messages) for v in vs), 90)
            figures.seconds = time.monotonic() - started
            registry.fail_rate(0)
            time.sleep(3)  # let any last retry land
            figures.alive = daemon.poll() is None
            figures.rss_end_kib = rss_kib(daemon.pid) if figures.alive else 0
            figures.changes = len(expected)
            figures.alerts = len(hook.messages)
            seen = [c for m in hook.messages for c in expected if f"→ {c}" in m.message]
            figures.duplicates = len(seen) - len(set(seen))
            figures.missed = [c for c in expected if c not in set(seen)]
            figures.registry_requests = registry.count()
        finally:
            if daemon.poll() is None:
                daemon.send_signal(signal.SIGTERM)
            try:
                figures.exit_code = daemon.wait(timeout=15)
            except subprocess.TimeoutExpired:
                daemon.kill()
                figures.exit_code = daemon.wait()
            figures.tracebacks = log_path.read_text().count("Traceback")
            if os.environ.get("SOAK_LOG"):
                print(log_path.read_text())
    return figures


def _wait(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=70.0)
    args = parser.parse_args()
    print("\n".join(soak(args.seconds).lines()))
