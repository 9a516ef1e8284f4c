"""Build and run the project's image with podman, through ``../shared/tools/container-check``.

container-check builds the Dockerfile on a stand-in Debian base (no image registry is reachable
from our machines) and knows this machine's podman quirks. Its ``run`` always adds ``--rm``, so a
container whose exit code we want to read after ``podman stop`` is started here directly, with the
same flags container-check uses.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTAINER_CHECK = REPO_ROOT.parent / "shared" / "tools" / "container-check"
IMAGE = "localhost/trial-monitor:test"

# What `container-check run` passes to podman (runc, cgroupfs, host network, low ulimits), minus --rm.
RUN_FLAGS = ["--network=host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def build(tag: str = IMAGE, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """``container-check build TAG`` from the repo root (installs podman, makes the base on first use)."""
    return subprocess.run([str(CONTAINER_CHECK), "build", tag], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=timeout)


def podman(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)


def unique_name(prefix: str = "trial-monitor-test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Container:
    """A detached container of ``image``; ``remove()`` (idempotent) always cleans it up."""

    def __init__(self, image: str = IMAGE, *, name: str | None = None, volumes: Mapping[Path, str] | None = None,
                 env: Mapping[str, str] | None = None, command: Sequence[str] = ()) -> None:
        self.image, self.name = image, name or unique_name()
        self.volumes, self.env, self.command = dict(volumes or {}), dict(env or {}), list(command)

    def start(self) -> Container:
        opts = ["--name", self.name]
        for host, inside in self.volumes.items():
            opts += ["-v", f"{host}:{inside}"]
        for key, value in self.env.items():
            opts += ["-e", f"{key}={value}"]
        # Global flags before `run`, as in container-check: the OCI runtime that works here.
        done = subprocess.run(["podman", "--runtime=runc", "run", "-d", "--cgroup-manager=cgroupfs", *RUN_FLAGS,
                               *opts, self.image, *self.command], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            self.remove()  # it may have been created before failing to start
            raise RuntimeError(f"podman run failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return self

    def exec(self, *args: str, env: Mapping[str, str] | None = None,
             timeout: float = 60) -> subprocess.CompletedProcess[str]:
        flags = [arg for key, value in (env or {}).items() for arg in ("-e", f"{key}={value}")]
        return podman("exec", *flags, self.name, *args, timeout=timeout)

    def inspect(self, template: str) -> str:
        done = podman("inspect", self.name, "--format", template)
        if done.returncode != 0:
            raise RuntimeError(f"podman inspect failed: {done.stderr}")
        return done.stdout.strip()

    def running(self) -> bool:
        return self.inspect("{{.State.Running}}") == "true"

    def logs(self) -> str:
        done = podman("logs", self.name)
        return done.stdout + done.stderr

    def stop(self, grace: int = 10) -> subprocess.CompletedProcess[str]:
        return podman("stop", "-t", str(grace), self.name, timeout=grace + 30)

    def remove(self) -> None:
        podman("rm", "-f", "-t", "0", self.name, timeout=60)

    def __enter__(self) -> Container:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.remove()
