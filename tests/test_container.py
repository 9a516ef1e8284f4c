"""The container image: built with podman from the Dockerfile, run as a user would run it.

Needs ``../shared/tools/container-check`` beside the repo (our machines and CI have it; it installs
podman itself and builds on a stand-in Debian base). Without it — e.g. on a user's clone — the
tests skip. The first build takes a few minutes (debootstrap of the base, then pip from PyPI).

The stand-in registry and the JSON webhook receiver run in this process on 127.0.0.1; the
container shares the host network, so it reaches both.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from monitor.registry.ctgov.standin.registry import StandInRegistry
from tests.scenarios.harness import free_port, sponsor_edit, wait_until
from tests.support.container import CONTAINER_CHECK, IMAGE, REPO_ROOT, Container, build, podman
from tests.support.receivers import JsonReceiver

pytestmark = [pytest.mark.container, pytest.mark.timeout(1500)]

TRIALS = ["NCT06171568", "NCT00973089"]  # Not yet recruiting, Withdrawn
CONTAINER_UID = 10001


@pytest.fixture(scope="module")
def image() -> str:
    if not CONTAINER_CHECK.is_file():
        pytest.skip(f"{CONTAINER_CHECK} is absent: the container tests need it to build and run the image")
    started = time.monotonic()
    done = build(IMAGE, timeout=900)
    if done.returncode != 0:
        pytest.fail(f"container-check build failed ({done.returncode}):\n"
                    f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}", pytrace=False)
    print(f"\n[container] image {IMAGE} built in {time.monotonic() - started:.0f} s")
    return IMAGE


def data_volume(folder: Path) -> Path:
    """An empty host folder for /data that the container's non-root user can write to."""
    folder.mkdir()
    folder.chmod(0o777)
    return folder


def write_watchlist(data: Path, notify: str) -> None:
    lines = ["interval: 5s", "request_pause: 0s", "notify:", f"  - {notify}", "trials:"]
    (data / "watchlist.yaml").write_text("\n".join(lines + [f"  - {t}" for t in TRIALS]) + "\n")


def stop_and_exit_code(container: Container, grace: int = 10) -> tuple[float, int]:
    """``podman stop -t GRACE``: how long it took, and the container's exit code."""
    started = time.monotonic()
    done = container.stop(grace)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert wait_until(lambda: not container.running(), timeout=10)
    return elapsed, int(container.inspect("{{.State.ExitCode}}"))


@pytest.fixture
def daemon(image: str, tmp_path: Path, registry: StandInRegistry,
           json_receiver: JsonReceiver) -> Iterator[tuple[Container, Path, int]]:
    data = data_volume(tmp_path / "data")
    write_watchlist(data, json_receiver.url())
    port = free_port()
    container = Container(image, volumes={data: "/data"},
                          env={"MONITOR_CTGOV_URL": registry.base_url, "MONITOR_WEB_LISTEN": f"0.0.0.0:{port}"})
    with container:
        yield container, data, port  # the host network: the web face is on this port


def test_image_config(image: str) -> None:
    done = podman("image", "inspect", image)
    assert done.returncode == 0, done.stderr
    [info] = json.loads(done.stdout)
    config = info["Config"]
    assert config["User"] == f"{CONTAINER_UID}:{CONTAINER_UID}"
    assert "/data" in config["Volumes"]
    healthcheck = info.get("Healthcheck") or config.get("Healthcheck")  # podman lists it beside Config
    assert healthcheck["Test"] == ["CMD", "trial-monitor", "health"], info
    assert config["Cmd"] == ["trial-monitor", "run"]
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["MONITOR_WATCHLIST"] == "/data/watchlist.yaml"
    assert env["MONITOR_DATABASE_URL"] == "sqlite:////data/snapshots/monitor.db"
    assert env["MONITOR_HEARTBEAT"] == "/data/snapshots/heartbeat.json"
    assert env["MONITOR_WEB_LISTEN"] == "0.0.0.0:8321" and "8321/tcp" in config["ExposedPorts"]


def test_daemon_in_container_checks_alerts_is_healthy_and_stops_cleanly(
    daemon: tuple[Container, Path, int], registry: StandInRegistry, json_receiver: JsonReceiver
) -> None:
    container, data, port = daemon

    # the check at start fetched both trials from the stand-in
    def fetched_both() -> bool:
        asked = {i for r in registry.requests if r.path.endswith("/studies")
                 for i in r.params.get("filter.ids", "").split("|")}
        return set(TRIALS) <= asked
    assert wait_until(fetched_both, timeout=60), container.logs()

    # the image's PATH has the CLI; `list` reads the same /data the daemon writes
    def listed() -> str:
        done = container.exec("trial-monitor", "list")
        return done.stdout if done.returncode == 0 else ""
    assert wait_until(lambda: "Not yet recruiting" in listed() and "Withdrawn" in listed(), timeout=60), \
        (listed(), container.logs())
    assert all(t in listed() for t in TRIALS)
    assert "NCT06171568" in (data / "watchlist.yaml").read_text()  # our watchlist was not replaced by the seed

    # non-root, and PID 1 is the daemon itself (so `podman stop` signals it directly)
    uid = container.exec("id", "-u")
    assert uid.returncode == 0 and uid.stdout.strip() not in ("", "0"), uid
    assert int(uid.stdout) == CONTAINER_UID
    pid1 = container.exec("cat", "/proc/1/cmdline").stdout.split("\0")  # python …/trial-monitor run
    assert pid1[-3].endswith("/trial-monitor") and pid1[-2] == "run", pid1

    # the database lives in the mounted folder
    assert (data / "snapshots" / "monitor.db").is_file()

    # the HEALTHCHECK passes once the daemon has checked...
    assert wait_until(lambda: podman("healthcheck", "run", container.name).returncode == 0, timeout=60), \
        podman("healthcheck", "run", container.name)
    assert container.inspect("{{.State.Health.Status}}") == "healthy"
    # ...and its command fails on a heartbeat from a scheduler that has stopped beating
    stale = {"pid": 1, "beat_at": (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat(timespec="seconds"),
             "interval": 5}
    (data / "stale-heartbeat.json").write_text(json.dumps(stale))
    unhealthy = container.exec("trial-monitor", "health", env={"MONITOR_HEARTBEAT": "/data/stale-heartbeat.json"})
    assert unhealthy.returncode == 1 and "stalled" in unhealthy.stderr, unhealthy

    # the web face: its token kept on the volume (0600), its sign-in URL said once, its pages behind it
    token_file = data / "snapshots" / "web-token"
    assert token_file.is_file() and token_file.stat().st_mode & 0o777 == 0o600
    token = token_file.read_text().strip()
    base = f"http://127.0.0.1:{port}"
    assert container.logs().count(f"/login?token={token}") == 1
    assert httpx.get(f"{base}/healthz").status_code == 200
    assert httpx.get(f"{base}/api/v1/status").status_code == 401
    status = httpx.get(f"{base}/api/v1/status", headers={"Authorization": f"Bearer {token}"}).json()
    assert status["watched"] == len(TRIALS) and status["last_check"]["outcome"] in ("checked", "quiet")

    # a change in the registry reaches the webhook, exactly once
    assert json_receiver.messages == []
    sponsor_edit(registry, "NCT06171568", lambda s: s["protocolSection"]["statusModule"].update(overallStatus="RECRUITING"))
    registry.refresh()
    [message] = json_receiver.wait_for(1, timeout=60)
    assert "Not yet recruiting → Recruiting" in message.message, message.message
    checks = registry.count("/version")
    assert wait_until(lambda: registry.count("/version") >= checks + 2, timeout=30), "the daemon stopped checking"
    assert len(json_receiver.messages) == 1, [m.message for m in json_receiver.messages]
    assert wait_until(lambda: "Recruiting " in listed(), timeout=30), listed()

    # `podman stop` → SIGTERM to the daemon → exit 0 well within the grace period
    elapsed, code = stop_and_exit_code(container, grace=10)
    logs = container.logs()
    print(f"\n[container] podman stop took {elapsed:.1f} s")
    assert code == 0, logs
    assert elapsed < 10, logs
    assert "stopped" in logs and "Traceback" not in logs, logs


def test_empty_volume_is_seeded_with_the_bundled_watchlist(
    image: str, tmp_path: Path, registry: StandInRegistry
) -> None:
    data = data_volume(tmp_path / "empty")
    env = {"MONITOR_CTGOV_URL": registry.base_url, "MONITOR_WEB_LISTEN": f"127.0.0.1:{free_port()}"}
    with Container(image, volumes={data: "/data"}, env=env) as container:
        assert wait_until(lambda: "trial-monitor running" in container.logs(), timeout=60), container.logs()
        seeded = data / "watchlist.yaml"
        assert seeded.read_bytes() == (REPO_ROOT / "watchlist.yaml").read_bytes()
        assert seeded.stat().st_uid == CONTAINER_UID  # the daemon's user owns (and can edit) it
        assert wait_until(lambda: registry.count("/version") >= 1, timeout=60), container.logs()
        elapsed, code = stop_and_exit_code(container, grace=10)
        assert code == 0, container.logs()
        assert elapsed < 10
