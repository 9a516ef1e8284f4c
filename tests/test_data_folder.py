"""The data folder: created when missing; unwritable or full → one clear line, non-zero exit."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.registry.ctgov.standin.registry import StandInRegistry, fixture_studies
from tests.scenarios.harness import Home

BIG = ["NCT02513394", "NCT04431453", "NCT02552212"]


@pytest.fixture
def registry() -> Iterator[StandInRegistry]:
    with StandInRegistry(fixture_studies()) as stand_in:
        yield stand_in


def test_a_missing_folder_is_created(tmp_path: Path, registry: StandInRegistry) -> None:
    home = Home(tmp_path, registry.base_url, MONITOR_DATABASE_URL=f"sqlite:///{tmp_path}/deep/er/monitor.db")
    home.write_watchlist(["NCT06171568"])
    assert home.run("check").code == 0
    assert (tmp_path / "deep/er/monitor.db").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_an_unwritable_folder_is_one_line(tmp_path: Path, registry: StandInRegistry) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    home = Home(tmp_path, registry.base_url, MONITOR_DATABASE_URL=f"sqlite:///{locked}/monitor.db")
    home.write_watchlist(["NCT06171568"])
    result = home.run("check")
    assert result.code == 2 and "not writable" in result.err and len(result.err.strip().splitlines()) == 1


def test_a_full_disk_is_one_line_and_nothing_half_written(tmp_path: Path, registry: StandInRegistry) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tiny tmpfs")
    tiny = tmp_path / "tiny"
    tiny.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(tiny)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        home = Home(tmp_path, registry.base_url, MONITOR_DATABASE_URL=f"sqlite:///{tiny}/monitor.db")
        home.write_watchlist(["NCT06171568"])
        assert home.run("check").code == 0  # the database made, with its schema (snapshots are small, packed)
        free = os.statvfs(tiny)
        (tiny / "filler").write_bytes(b"\0" * max(0, free.f_bavail * free.f_frsize - 8192))  # 8 KB left
        home.write_watchlist(BIG)
        result = home.run("check")
        assert result.code == 1 and "database or disk is full" in result.err, result.text
        assert len(result.err.strip().splitlines()) == 1
        listing = home.run("list")  # what was stored is whole and readable
        assert listing.code == 0 and "awaiting its first check" in listing.out
    finally:
        subprocess.run(["umount", "-l", str(tiny)], check=False)
