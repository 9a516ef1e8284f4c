"""The watchlist: loading, validation messages, ${VAR} secrets, apprise config files, ids and durations."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest

from monitor.core.model import COMPARE_GROUPS
from monitor.watchlist import Target, TrialEntry, Watchlist, load_watchlist, normalise_trial_id, parse_interval
from tests.support.watchlists import BUNDLED, MINIMAL, load_error, write

# ---------------------------------------------------------------- loading


def test_bundled_watchlist_loads() -> None:
    wl = load_watchlist(BUNDLED, env={})
    assert wl.trial_ids == (
        "NCT06764329", "NCT06646146", "NCT05659095", "NCT06326359",
        "NCT02865421", "NCT06556056", "NCT02594046", "NCT02503852",
    )  # fmt: skip
    assert wl.interval_seconds == 6 * 3600
    assert wl.targets == ()  # alerts then go to the daemon's output
    assert wl.compare == COMPARE_GROUPS
    assert wl.request_pause == 1.0 and wl.outage_after == 3
    text = BUNDLED.read_text(encoding="utf-8")
    for example in ("mailtos://", "${SMTP_PASSWORD}", "tgram://", "slack://", "discord://", "json://", "label:", "# compare:", "# near:"):
        assert example in text


def test_bundled_commented_examples_are_valid(tmp_path: Path) -> None:
    """Uncommenting the examples gives a watchlist that loads."""
    lines = BUNDLED.read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines:
        if line == "notify: []":
            continue
        if line.startswith(("# notify:", "#   - ", "# compare:", "# near:")):
            line = line[2:]
        if line.startswith("  # - id:") or line.startswith("  #   label:"):
            line = "  " + line[4:]
        out.append(line.replace("bottoken", "123456789:AAbbCCddEEff"))  # apprise checks the token's shape
    wl = load_watchlist(write(tmp_path, "\n".join(out) + "\n"), env={"SMTP_PASSWORD": "s3cret-pw"})
    assert len(wl.targets) == 5
    assert all("s3cret-pw" not in t.masked for t in wl.targets)
    assert TrialEntry("NCT01234567", "my note") in wl.trials
    assert wl.compare == COMPARE_GROUPS
    assert [place.written for place in wl.near] == ["Paris, France", "California, United States", "Pakistan"]


def test_minimal_form(tmp_path: Path) -> None:
    wl = load_watchlist(write(tmp_path, MINIMAL), env={})
    assert isinstance(wl, Watchlist)
    assert wl.trial_ids == ("NCT06764329", "NCT06646146")
    assert wl.trials[0] == TrialEntry("NCT06764329", None)
    assert wl.interval_seconds == 21600
    assert [t.url for t in wl.targets] == [
        "mailto://user:pass@example.org?to=me@example.org",
        "json://127.0.0.1:8080/hook",
    ]
    mail = wl.targets[0]
    assert isinstance(mail, Target) and mail.config_path is None
    assert "pass" not in mail.masked and mail.masked.startswith("mailto://user:****@example.org")
    assert mail.key == hashlib.sha256(mail.url.encode()).hexdigest()
    assert wl.targets[1].masked == "json://127.0.0.1:8080/hook"
    assert "pass" not in repr(mail)


def test_mapping_form_with_label_and_options(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        interval: 1h30m
        trials:
          - id: nct06764329
            label: "my note"
          - {id: NCT06646146, label: other}
          - NCT05659095
          - NCT06764329        # duplicate: the first one wins
        compare: [status, results]
        request_pause: 0s
        outage_after: 5
        """)
    wl = load_watchlist(path, env={})
    assert wl.trials == (
        TrialEntry("NCT06764329", "my note"),
        TrialEntry("NCT06646146", "other"),
        TrialEntry("NCT05659095", None),
    )
    assert wl.interval_seconds == 5400
    assert wl.compare == ("status", "results")
    assert wl.request_pause == 0.0 and wl.outage_after == 5


@pytest.mark.parametrize("text", ["", "# just a comment\n", "interval: 30s\n", "trials: []\nnotify:\n", "notify: []\ntrials:\n"])
def test_empty_trials_and_notify_are_valid(tmp_path: Path, text: str) -> None:
    wl = load_watchlist(write(tmp_path, text), env={})
    assert wl.trials == () and wl.targets == () and wl.trial_ids == ()


def test_duplicate_targets_notified_once(tmp_path: Path) -> None:
    path = write(tmp_path, "notify:\n  - json://127.0.0.1:8080/hook\n  - json://127.0.0.1:8080/hook\n")
    assert len(load_watchlist(path, env={}).targets) == 1


# ---------------------------------------------------------------- errors: one line, right line, no secret

ERRORS = [
    # (file text, line, expected text in the message)
    ("interval: 6h\nnotify:\n  - json://x\ntrials:\n  - a: b: c\n", 5, "malformed YAML: mapping values are not allowed here"),
    ("interval: 6h\ntrials:\n\t- NCT06764329\n", 3, "malformed YAML"),
    ("- NCT06764329\n", 1, "the top level must be a mapping"),
    ("interval: 6h\nnotify: []\nintervall: 5h\n", 3,
     "unknown key 'intervall' (known: interval, timezone, notify, trials, searches, compare, expectations, backfill, request_pause, outage_after, sweep, keep_snapshots, keep_days, near)"),
    ("interval: 6h\ninterval: 5h\n", 2, "duplicate key 'interval'"),
    ("interval: 6x\n", 1, "interval: '6x' is not a duration"),
    ("interval: 0s\n", 1, "interval: '0s' is too short"),
    ("interval: [6h]\n", 1, "interval: "),
    ("notify: {a: b}\n", 1, "notify must be a list"),
    ("notify:\n  - 42\n", 2, "notify entries must be apprise URLs or config file paths, not a number"),
    ("trials: NCT06764329\nnotify: 3\n", 2, "notify must be a list"),
    ("trials: {NCT06764329: x}\n", 1, "trials must be a list of NCT ids, not a mapping"),
    ("trials:\n  - 12345678\n", 2, "trial entries must be NCT ids, not a number"),
    ("trials:\n  - label: x\n", 2, "needs an id"),
    ("trials:\n  - id: NCT06764329\n    note: x\n", 3, "unknown key 'note' in a trial entry (known: id, label, near)"),
    ("interval: 6h\nnotify:\n  - json://127.0.0.1/x\n\ntrials:\n  - NCT06764329\n  - NCT123\n", 7,
     "'NCT123' is not a valid NCT id (NCT followed by 8 digits)"),
    ("trials:\n  - id: NCT1\n    label: x\n", 2, "'NCT1' is not a valid NCT id"),
    ("compare: [status, colour]\n", 1, "compare: unknown group 'colour' (known: status, dates,"),
    ("compare:\n  - status\n  - colour\n", 3, "unknown group 'colour'"),
    ("compare: []\n", 1, "compare is empty"),
    ("request_pause: soon\n", 1, "request_pause: 'soon' is not a duration"),
    ("outage_after: 0\n", 1, "outage_after must be a whole number of cycles, 1 or more, not '0'"),
    ("outage_after: many\n", 1, "outage_after must be a whole number"),
    ("outage_after: true\n", 1, "outage_after must be a whole number"),
    ("interval: 6h\nnotify:\n  - json://127.0.0.1/x\n  - notaservice://x\n", 4,
     "notify target 'notaservice://x' is not a URL any notification service understands"),
]


@pytest.mark.parametrize(("text", "line", "expected"), ERRORS)
def test_errors_are_one_line_with_the_line_number(tmp_path: Path, text: str, line: int, expected: str) -> None:
    path = write(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}:{line}: "), message
    assert expected in message, message


def test_exact_messages(tmp_path: Path) -> None:
    path = write(tmp_path, "interval: 6h\nnotify: []\nintervall: 5h\n")
    assert load_error(path) == (
        f"{path}:3: unknown key 'intervall' (known: interval, timezone, notify, trials, searches, compare, expectations, backfill, request_pause, outage_after, sweep, keep_snapshots, keep_days, near)"
    )
    path = write(tmp_path, "trials:\n  - NCT06764329\n  - NCT123\n")
    assert load_error(path) == f"{path}:3: 'NCT123' is not a valid NCT id (NCT followed by 8 digits)"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "watchlist.yaml"
    assert load_error(path) == (f"{path}: file not found (make one with `trial-monitor init`, or name yours with "
                                "--watchlist or MONITOR_WATCHLIST)")


@pytest.mark.parametrize(
    "url",
    [
        "notaservice://admin:hunter2secret@example.org/x",
        "mailto:admin:hunter2secret@example.org",  # missing slashes: not a URL, not a file
        "tgram://admin:hunter2secret@nothing",
    ],
)
def test_bad_url_errors_are_masked(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, f"notify:\n  - {url}\n")
    message = load_error(path)
    assert message.startswith(f"{path}:2: ")
    assert "hunter2secret" not in message
    assert "admin" in message and "****" in message


def test_secrets_never_reach_the_apprise_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("apprise")
    before = logger.level
    logger.setLevel(1)  # TRACE would log raw URLs
    try:
        with caplog.at_level(1):
            path = write(tmp_path, "notify:\n  - json://u:hunter2secret@127.0.0.1/x\n  - notaservice://u:hunter2secret@x\n")
            load_error(path)
    finally:
        logger.setLevel(before)
    assert "hunter2secret" not in caplog.text
    assert logger.level == before


def test_header_values_are_masked(tmp_path: Path) -> None:
    path = write(tmp_path, "notify:\n  - json://127.0.0.1:8080/hook?+X-Api-Key=hunter2secret&:message=text\n")
    (target,) = load_watchlist(path, env={}).targets
    assert "hunter2secret" not in target.masked
    assert target.masked.startswith("json://127.0.0.1:8080/hook?") and "X-Api-Key=****" in target.masked
    assert "hunter2secret" in target.url


# ---------------------------------------------------------------- ${VAR} secrets


def test_env_substitution(tmp_path: Path) -> None:
    path = write(tmp_path, "notify:\n  - mailtos://me:${SMTP_PASSWORD}@example.org?to=me@example.org\n")
    (target,) = load_watchlist(path, env={"SMTP_PASSWORD": "hunter2secret"}).targets
    assert target.url == "mailtos://me:hunter2secret@example.org?to=me@example.org"
    assert "hunter2secret" not in target.masked
    assert target.key == hashlib.sha256(target.url.encode()).hexdigest()


def test_env_substitution_token_in_path_is_hidden(tmp_path: Path) -> None:
    path = write(tmp_path, "notify:\n  - json://127.0.0.1/${HOOK_TOKEN}/x\n")
    (target,) = load_watchlist(path, env={"HOOK_TOKEN": "abcdef0123456789"}).targets
    assert target.url == "json://127.0.0.1/abcdef0123456789/x"
    assert "abcdef0123456789" not in target.masked and "${HOOK_TOKEN}" in target.masked


def test_env_defaults_to_os_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TM_TEST_HOOK_PORT", "8099")
    path = write(tmp_path, "notify:\n  - json://127.0.0.1:${TM_TEST_HOOK_PORT}/x\n")
    assert load_watchlist(path).targets[0].url == "json://127.0.0.1:8099/x"


def test_missing_env_variable(tmp_path: Path) -> None:
    path = write(tmp_path, "interval: 6h\nnotify:\n  - json://127.0.0.1/x\n  - mailtos://me:${SMTP_PASSWORD}@example.org\n")
    message = load_error(path, env={})
    assert message.startswith(f"{path}:4: ")
    assert "SMTP_PASSWORD" in message and "not set" in message


def test_malformed_variable_reference(tmp_path: Path) -> None:
    path = write(tmp_path, "notify:\n  - mailtos://me:${SMTP PASSWORD}@example.org\n")
    assert load_error(path).startswith(f"{path}:2: notify: ")


# ---------------------------------------------------------------- apprise config files


def test_apprise_config_file_relative_to_watchlist(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "apprise.yml").write_text("version: 1\nurls:\n  - json://u:hunter2secret@127.0.0.1:8080/a\n")
    path = write(tmp_path, "notify:\n  - conf/apprise.yml\n")
    (target,) = load_watchlist(path, env={}).targets
    assert target.config_path == str((tmp_path / "conf" / "apprise.yml").resolve())
    assert "hunter2secret" not in target.masked


def test_apprise_config_file_missing(tmp_path: Path) -> None:
    path = write(tmp_path, "notify:\n  - json://127.0.0.1/x\n  - nowhere/apprise.yml\n")
    message = load_error(path)
    assert message.startswith(f"{path}:3: ") and "nowhere/apprise.yml" in message


def test_apprise_config_file_without_services(tmp_path: Path) -> None:
    (tmp_path / "apprise.yml").write_text("version: 1\nurls:\n  - notaservice://x\n")
    path = write(tmp_path, "notify:\n  - apprise.yml\n")
    message = load_error(path)
    assert message.startswith(f"{path}:2: ") and "no usable notification service" in message


# ---------------------------------------------------------------- durations and ids


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("6h", 21600), ("1d", 86400), ("1h30m", 5400), ("1h 30m", 5400),
     (" 2H ", 7200), ("90", 90), (3600, 3600), ("1w", 604800), ("1.5h", 5400), ("45 minutes", 2700), ("1s", 1)],
)  # fmt: skip
def test_parse_interval(text: str | int, seconds: int) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "6x", "h", "0s", "0", 0, -5, "-5m", "1.5s", "6h and more", True, None, "400d"])
def test_parse_interval_rejects(text: object) -> None:
    with pytest.raises(ValueError):
        parse_interval(text)  # type: ignore[arg-type]


def test_normalise_trial_id() -> None:
    assert normalise_trial_id("  nct06764329 ") == "NCT06764329"
    for bad in ("NCT123", "NCT067643290", "06764329", "NCT0676432X", "NCT06764329\n1"):
        with pytest.raises(ValueError, match="is not a valid NCT id"):
            normalise_trial_id(bad)
    with pytest.raises(ValueError) as info:
        normalise_trial_id("NCT123")
    assert str(info.value) == "NCT123 is not a valid NCT id (NCT followed by 8 digits)"
