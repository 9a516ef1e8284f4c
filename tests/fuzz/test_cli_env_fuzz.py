"""Bad environment for the command line: a database URL or registry URL of any text, an unreadable
watchlist, a read-only database. Each is one line on stderr and exit 2, never a traceback, and the
database a first check made is left exactly as it was."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from monitor.cli.common import readable
from monitor.registry.ctgov.standin.registry import StandInRegistry, fixture_studies
from monitor.settings import Settings, SettingsError
from tests.scenarios.harness import Home, Result

PASSWORD = "pw-never-shown"

# Hosts are loopback or unreadable: whatever the settings let through may be connected to (no DNS lookup
# of a generated name, no public address).
HOSTS = ["127.0.0.1", "[::1]", "localhost", "[::1", "::1]", "[zz]", "", " ", "\u2603\u2603", "\u200b", "a b",
         "127.0.0.1\x00", "127.0.0.1\t"]
PORTS = st.one_of(st.just(""), st.integers(-(10**6), 10**7).map(lambda n: f":{n}"),
                  st.sampled_from([":", ":abc", ":65536", ":99999", ":-1", ":0x50", ": 80", ":\u0668\u0660"]))
SCHEMES = st.one_of(st.sampled_from(["http", "https", "ftp", "postgresql", "sqlite", "mysql", "HTTP", "h\u00fcttp",
                                     "postgresql+psycopg", "", "://"]), st.text(max_size=8))
USERS = st.sampled_from(["", f"u:{PASSWORD}@", "u@", ":@", f"@{PASSWORD}@"])
PATHS = st.one_of(st.sampled_from(["", "/", "/api/v2", "/x?sslmode=bogus", "/\u00e9", "/%zz", "/a b", "//"]),
                  st.text(max_size=12))


@st.composite
def urls(draw: st.DrawFn) -> str:
    return (draw(SCHEMES) + draw(st.sampled_from(["://", ":", ":///", ""])) + draw(USERS) + draw(st.sampled_from(HOSTS))
            + draw(PORTS) + draw(PATHS))


def no_secret(text: str) -> None:
    assert PASSWORD not in text, text


# ---------------------------------------------------------------- in-process: the settings


@given(st.one_of(urls(), st.text()))
@example("http://[::1")  # ValueError: Invalid IPv6 URL, from the HTTP client (a traceback before the fix)
@example("http://127.0.0.1:99999")  # the HTTP client's port out of range, as an exception group
@example("http://127.0.0.1:abc")  # httpx.InvalidURL
@example("http://[zz]:80")  # ValueError: 'zz' does not appear to be an IPv4 or IPv6 address
@example("http://\u2603\u2603/")  # httpx.InvalidURL: Invalid IDNA hostname
@example(f"http:u:{PASSWORD}@127.0.0.1")  # the password shown (core.words.shown_url wanted "scheme://")
@example(f"@://u:{PASSWORD}@127.0.0.1")  # likewise
@example(f"#@{PASSWORD}@127.0.0.1")  # likewise
def test_a_registry_url_the_settings_take_is_one_the_http_client_takes(url: str) -> None:
    try:
        taken = Settings.from_env({"MONITOR_CTGOV_URL": url}).ctgov_url
    except SettingsError as error:
        assert len(str(error).splitlines()) == 1 and str(error).startswith("MONITOR_CTGOV_URL=")
        no_secret(str(error))
        return
    parsed = httpx.URL(taken)  # raises what the check would have raised (InvalidURL, ValueError)
    assert parsed.scheme in ("http", "https") and parsed.host


@given(st.one_of(urls(), st.text()))
@example(f"postgresql://u:{PASSWORD}@[::1/x")  # ValueError from SQLAlchemy's make_url (a traceback before the fix)
@example("postgresql://u@h:99x/x")
@example("~0/monitor.db")  # RuntimeError: Could not determine home directory (no user "0")
def test_a_database_url_is_taken_or_refused_in_one_line(url: str) -> None:
    try:
        readable(Settings.from_env({"MONITOR_DATABASE_URL": url}).database_url)
    except SettingsError as error:
        assert len(str(error).splitlines()) == 1
        no_secret(str(error))
        return
    try:
        make_url(Settings.from_env({"MONITOR_DATABASE_URL": url}).database_url)
    except ArgumentError:
        pass  # the store words it: "MONITOR_DATABASE_URL is not a database URL: …"


# ---------------------------------------------------------------- through the command line


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    """A user's folder whose database a first check against the stand-in registry made."""
    registry = StandInRegistry(fixture_studies()).start()
    try:
        made = Home(tmp_path_factory.mktemp("cli-env"), registry.base_url)
        made.write_watchlist(["NCT06171568", "NCT02513394"])
        first = made.run("check")
        assert first.code == 0, first.text
        yield made
    finally:
        registry.stop()


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and its content's hash: the database, and anything beside it."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def one_line_exit_2(result: Result) -> None:
    assert result.code == 2, result.text
    assert result.out == "" and len(result.err.splitlines()) == 1 and result.err.startswith("trial-monitor: "), result.err
    assert "Traceback" not in result.text
    no_secret(result.text)


def check_with(home: Home, **env: str) -> Result:
    before = fingerprint(home.folder / "snapshots")
    saved = dict(home.env)
    home.env.update(env)
    try:
        result = home.run("check", timeout=120)
    finally:
        home.env = saved
    assert fingerprint(home.folder / "snapshots") == before  # nothing written, nothing lost
    return result


# a few by hand through the command line (the in-process tests above fuzz the rest)
BAD_DATABASES = [f"postgresql://u:{PASSWORD}@[::1/x", "postgresql://u@127.0.0.1:99999/x", "foo://x", "sqlite:", "~0/m.db"]
BAD_REGISTRIES = ["http://[::1", f"http://u:{PASSWORD}@127.0.0.1:99999/api", "http://127.0.0.1:abc", "http://[zz]:80",
                  "http://\u2603\u2603/", f"http:u:{PASSWORD}@127.0.0.1"]


@pytest.mark.parametrize("url", BAD_DATABASES)
def test_a_bad_database_url_is_one_line_and_exit_2(home: Home, url: str) -> None:
    one_line_exit_2(check_with(home, MONITOR_DATABASE_URL=url))


@pytest.mark.parametrize("url", BAD_REGISTRIES)
def test_a_bad_registry_url_is_one_line_and_exit_2(home: Home, url: str) -> None:
    one_line_exit_2(check_with(home, MONITOR_CTGOV_URL=url))


@settings(max_examples=3)  # a process each: the in-process tests above do the fuzzing
@given(st.sampled_from(["MONITOR_DATABASE_URL", "MONITOR_CTGOV_URL"]), urls())
@example("MONITOR_DATABASE_URL", "://u:pw-never-shown@127.0.0.1")  # its password was in the one line
@example("MONITOR_DATABASE_URL", "http:127.0.0.1")  # was taken for a file name: a check ran on it
def test_generated_bad_urls_through_the_command_line(home: Home, name: str, url: str) -> None:
    url = url.replace("\x00", "")  # an environment variable cannot hold a NUL
    try:
        settings_now = Settings.from_env({name: url})
        readable(settings_now.database_url)
        make_url(settings_now.database_url)
        if name == "MONITOR_CTGOV_URL":
            return  # a registry URL it takes is loopback: the check would ask it (another test's matter)
    except (SettingsError, ArgumentError):
        pass
    if name == "MONITOR_DATABASE_URL" and url.strip().startswith(("postgresql", "sqlite")):
        return  # may be a database it can open: not bad input
    result = check_with(home, **{name: url})
    assert "Traceback" not in result.text and result.code in (1, 2), result.text
    no_secret(result.text)
    if result.code == 2:
        one_line_exit_2(result)


def test_an_unreadable_watchlist_is_one_line_and_exit_2(home: Home) -> None:
    folder = home.folder / "a-folder.yaml"
    folder.mkdir(exist_ok=True)
    one_line_exit_2(check_with(home, MONITOR_WATCHLIST=str(folder)))  # a directory in its place
    under_a_file = check_with(home, MONITOR_WATCHLIST=str(home.watchlist / "watchlist.yaml"))  # a path under a file
    one_line_exit_2(under_a_file)
    assert "Not a directory" in under_a_file.err


def chattr(flag: str, *paths: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", flag, *map(str, paths)], capture_output=True, check=False).returncode == 0


@pytest.mark.parametrize("which", ["the file", "its folder", "both"])
def test_a_read_only_database_is_one_line_and_exit_2(home: Home, which: str) -> None:
    database, folder = home.database, home.database.parent
    frozen = {"the file": [database], "its folder": [folder], "both": [database, folder]}[which]
    if not chattr("+i", *frozen):  # as root, chmod does not stop writes: an immutable file does
        pytest.skip("chattr +i does not work here")
    try:
        result = check_with(home)
    finally:
        chattr("-i", *frozen)
    one_line_exit_2(result)


def test_a_database_path_under_a_file_is_one_line_and_exit_2(home: Home) -> None:
    one_line_exit_2(check_with(home, MONITOR_DATABASE_URL=f"sqlite:///{home.watchlist / 'monitor.db'}"))
    one_line_exit_2(check_with(home, MONITOR_DATABASE_URL=str(home.watchlist / "deeper" / "monitor.db")))
