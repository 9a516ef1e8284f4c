"""The chaos soak's daemons: ``trial-monitor run`` as subprocesses, SIGKILLed at a random moment every
2 to 8 s and started again (one daemon, or a leader and a stand-by on one database, the leader
killed); a daemon that is never killed, for its memory; and what the bench reads of their store."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import statistics
import subprocess
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from bench.soak import rss_kib
from tests.scenarios.harness import Home, free_port

LEADING = ("trial-monitor running", "taking over the schedule")  # what a daemon says when it runs the schedule


def watchlist_text(trials: list[str], url: str) -> str:
    """A 1 s schedule, every event level pushed to ``url`` (sites added are low)."""
    return ("interval: 1s\nrequest_pause: 0s\nnotify:\n  - url: " + url + "\n    min_level: low\ntrials:\n"
            + "".join(f"  - {trial}\n" for trial in trials))


def home_for(folder: Path, registry_url: str, database_url: str | None = None) -> Home:
    folder.mkdir(parents=True, exist_ok=True)
    extra = {"MONITOR_DATABASE_URL": database_url} if database_url else {}
    home = Home(folder, registry_url, MONITOR_HTTP_TIMEOUT="2", MONITOR_RETRY_BUDGET="10",
                MONITOR_DELIVERY_TIMEOUT="3", **extra)
    (folder / "snapshots").mkdir(exist_ok=True)
    (folder / "logs").mkdir(exist_ok=True)
    return home


RESTART_AFTER = 3.0  # seconds before a killed leader is started again, when a stand-by is there to take over


class Daemons:
    """``count`` daemons on one home's database; every 2 to 8 s (``every``) the one running the schedule
    is SIGKILLed and started again: at once when alone; with two, ``RESTART_AFTER`` later (the other
    takes over meanwhile, and it stands by)."""

    def __init__(self, home: Home, count: int, rng: random.Random, every: tuple[float, float] = (2.0, 8.0)) -> None:
        self.home, self.rng, self.every = home, rng, every
        self.procs: list[subprocess.Popen[str] | None] = [None] * count
        self.logs: list[Path] = []  # every incarnation's output, in order
        self.current: list[Path | None] = [None] * count
        self.kills = 0
        self.exit_codes: list[int | None] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> Daemons:
        for slot in range(len(self.procs)):
            self._spawn(slot)
        self._thread = threading.Thread(target=self._kill_loop, name="chaos-killer", daemon=True)
        self._thread.start()
        return self

    def _spawn(self, slot: int) -> None:
        log = self.home.folder / "logs" / f"daemon-{slot}-{len(self.logs):04d}.log"
        self.logs.append(log)
        self.current[slot] = log
        self.procs[slot] = self.home.start("run", "--listen", f"127.0.0.1:{free_port()}", log=log)

    def leader(self) -> int | None:
        """The slot whose daemon says it runs the schedule (one daemon: that one, whatever it is doing)."""
        if len(self.procs) == 1:
            return 0
        for slot, log in enumerate(self.current):
            proc = self.procs[slot]
            if log is not None and proc is not None and proc.poll() is None and _says(log, LEADING):
                return slot
        return None

    def _kill_loop(self) -> None:
        while not self._stop.wait(self.rng.uniform(*self.every)):
            with self._lock:
                if self._stop.is_set():
                    return
                slot = self.leader()
                proc = self.procs[slot] if slot is not None else None
                if slot is None or proc is None:
                    continue
                os.killpg(proc.pid, signal.SIGKILL)  # its own session (start_new_session)
                self.exit_codes.append(proc.wait())
                self.kills += 1
            if len(self.procs) > 1:  # as a supervisor would, a moment later: the stand-by (asking every
                self._stop.wait(RESTART_AFTER)  # 2 s) takes over first, and the restarted one stands by
            with self._lock:
                self._spawn(slot)

    def calm(self) -> None:
        """No more kills; the daemons running now go on."""
        with self._lock:
            self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def stop(self) -> list[int | None]:
        """SIGTERM each daemon running now; their exit codes (None: had to be killed after 20 s)."""
        self.calm()
        codes: list[int | None] = []
        for proc in self.procs:
            if proc is None:
                continue
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                codes.append(proc.wait(timeout=20))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                codes.append(None)
        return codes

    def count_in_logs(self, needle: str) -> int:
        return sum(log.read_text(errors="replace").count(needle) for log in self.logs if log.exists())


def _says(log: Path, needles: tuple[str, ...]) -> bool:
    try:
        content = log.read_text(errors="replace")
    except OSError:
        return False
    return any(needle in content for needle in needles)


class Observer:
    """A daemon on a database of its own, never killed, for its resident memory (sampled every second)."""

    def __init__(self, home: Home) -> None:
        self.home = home
        self.log = home.folder / "logs" / "observer.log"
        self.samples: list[tuple[float, int]] = []  # (monotonic, KiB)
        self.proc: subprocess.Popen[str] | None = None
        self.exit_code: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Observer:
        self.proc = self.home.start("run", "--listen", f"127.0.0.1:{free_port()}", log=self.log)
        self._thread = threading.Thread(target=self._sample, name="chaos-rss", daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(1.0):
            if self.proc is None or self.proc.poll() is not None:
                return
            try:
                self.samples.append((time.monotonic(), rss_kib(self.proc.pid)))
            except OSError:
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.exit_code = self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.exit_code = self.proc.wait()

    @property
    def alive_throughout(self) -> bool:
        return self.exit_code == 0

    def rss(self, warm_up: float = 0.25) -> tuple[int, int, int]:
        """(KiB at the end of the warm-up, KiB at the end, KiB at the highest after the warm-up): medians
        of ten samples around each point; the warm-up is the first ``warm_up`` of the run."""
        values = [kib for _, kib in self.samples]
        if len(values) < 8:
            return (0, 0, 0)
        cut = max(1, int(len(values) * warm_up))
        window = max(1, min(10, len(values) // 8))
        after = values[cut:]
        return (int(statistics.median(values[cut:cut + window])), int(statistics.median(values[-window:])),
                max(after))


# ------------------------------------------------------------------ the store, read by the bench
class Store:
    """What the bench reads of the daemons' database: events stored, trials with a baseline, the outbox."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._after = 0
        self.events: dict[str, list[str]] = {}  # trial -> the texts of its events stored so far

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(self.url, connect_args={"timeout": 5} if self.url.startswith("sqlite") else {})
        return self._engine

    def _ready(self) -> bool:
        if self.url.startswith("sqlite:///"):
            return Path(self.url.removeprefix("sqlite:///")).exists()
        return True

    def _rows(self, statement: str, **values: object) -> list[tuple[object, ...]]:
        if not self._ready():
            return []
        try:
            with self.engine.connect() as conn:
                return [tuple(row) for row in conn.execute(text(statement), values).all()]
        except SQLAlchemyError:  # not made yet, or migrating, or locked a moment: ask again later
            return []

    def baselines(self) -> int:
        rows = self._rows("SELECT count(*) FROM trial WHERE snapshot_hash IS NOT NULL")
        return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]

    def new_events(self) -> None:
        for event_id, trial, words in self._rows(
                "SELECT id, trial_id, text FROM change_event WHERE id > :after ORDER BY id", after=self._after):
            self.events.setdefault(str(trial), []).append(str(words))
            self._after = max(self._after, int(event_id))  # type: ignore[call-overload]

    def outbox(self) -> dict[str, int]:
        return {str(state): int(n) for state, n in  # type: ignore[call-overload]
                self._rows("SELECT state, count(*) FROM delivery GROUP BY state")}

    def waiting(self, most: int = 5) -> list[str]:
        """The oldest deliveries still pending: attempts, when next tried, the last error (what a stuck outbox is)."""
        return [f"delivery {d} (alert {a}): {n} attempts, next {at}, last error {e}" for d, a, n, at, e in self._rows(
            "SELECT id, alert_id, attempts, next_attempt_at, last_error FROM delivery WHERE state = 'pending'"
            " ORDER BY alert_id LIMIT :most", most=most)]

    def integrity(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` (``n/a`` on PostgreSQL)."""
        if not self.url.startswith("sqlite:///"):
            return "n/a"
        with sqlite3.connect(self.url.removeprefix("sqlite:///")) as conn:
            return "; ".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchall())

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
