"""The web face as a user reaches it: ``trial-monitor run`` (or ``serve``) started in a user's folder,
its port known, and an HTTP client with the token (Bearer) or signed in (the session cookie)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import Home, sponsor_edit, stop, wait_until

TOKEN = "test-token-4f9c2b7d1e8a6c3f5b0d9e2a7c4f1b8e"


@dataclass
class Web:
    """A running daemon with its web face."""

    base: str
    token: str
    process: subprocess.Popen[str]
    log: Path
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, *, bearer: bool = True) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if bearer else {}
        made = httpx.Client(base_url=self.base, headers=headers, follow_redirects=False, timeout=20)
        self.clients.append(made)
        return made

    def signed_in(self) -> httpx.Client:
        """A browser-like client: signed in at /login, so it carries the session cookie (no Bearer)."""
        made = self.client(bearer=False)
        answer = made.get("/login", params={"token": self.token})
        assert answer.status_code == 303, answer.text
        return made

    def csrf(self, client: httpx.Client) -> str:
        """The CSRF token a signed-in page carries in its forms."""
        found = re.search(r'name="csrf" value="([0-9a-f]{64})"', client.get("/").text)
        assert found, "no form on the dashboard"
        return found.group(1)

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


@contextmanager
def running(home: Home, *args: str, command: str = "run") -> Iterator[Web]:
    """``trial-monitor run`` (or ``serve``) in ``home``, until the web face answers; stopped with SIGTERM."""
    log = home.folder / f"{command}.log"
    process = home.start(command, *args, log=log)
    host, port = home.env["MONITOR_WEB_LISTEN"].rsplit(":", 1)
    web = Web(f"http://{host}:{port}", home.env.get("MONITOR_WEB_TOKEN") or "", process, log)
    try:
        assert wait_until(lambda: _answers(web.base) or process.poll() is not None, timeout=30), web.output()
        assert process.poll() is None, web.output()
        if not web.token:
            web.token = (home.folder / "snapshots" / "web-token").read_text().strip()
        yield web
    finally:
        for client in web.clients:
            client.close()
        if process.poll() is None:
            code, _ = stop(process)
            assert code == 0, web.output()
        assert "Traceback" not in web.output(), web.output()


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code in (200, 503)
    except httpx.HTTPError:
        return False


def checked(home: Home, trial_id: str, timeout: float = 30) -> bool:
    """Wait until ``list`` shows the trial with its baseline recorded."""
    return wait_until(lambda: any(line.startswith(trial_id) and "awaiting" not in line
                                  for line in home.run("list").out.splitlines()), timeout=timeout)


def start_recruiting(home: Home, registry: StandInRegistry) -> None:
    """After its baseline, NCT06171568 starts recruiting, recorded by a check (a daemon on ``interval: 1h``
    would see it only in an hour)."""
    assert checked(home, "NCT06171568")
    sponsor_edit(registry, "NCT06171568", lambda s: s["protocolSection"]["statusModule"].update(overallStatus="RECRUITING"))
    registry.refresh()
    assert home.run("check").code == 0
