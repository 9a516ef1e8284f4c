"""``notify:`` with per-target choices (min_level, kinds, digest, template) and ``timezone:``."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from monitor.core.choices import Choices
from monitor.core.model import Level
from monitor.core.schedule import DigestSpec
from monitor.watchlist import load_watchlist
from tests.support.watchlists import load_error, write

FORMS = """\
timezone: Europe/Paris
notify:
  - json://127.0.0.1:8080/plain           # a string: immediate, high and medium
  - url: json://127.0.0.1:8080/loud
    min_level: high
    kinds: [status, results]
  - url: mailto://127.0.0.1:2525?from=a@example.org&to=team@example.org
    digest: weekly on monday at 08:00
    min_level: low
  - url: json://127.0.0.1:8080/mine
    template: templates/alert.md
"""


def test_the_forms(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "alert.md").write_text("{{ trials|length }} trial(s)\n{% for t in trials %}{{ t.nct_id }}{% endfor %}\n")
    watchlist = load_watchlist(write(tmp_path, FORMS), env={})
    plain, loud, team, mine = watchlist.targets
    assert watchlist.timezone == "Europe/Paris"
    assert (plain.choices, plain.digest, plain.template, plain.zone) == (Choices(), None, None, "Europe/Paris")
    assert loud.choices == Choices(Level.HIGH, ("status", "why_stopped", "status_verified", "results", "results_updated"))
    assert team.choices == Choices(Level.LOW) and team.digest == DigestSpec(time(8, 0), 0, "Europe/Paris")
    assert mine.template is not None and mine.template.style == "markdown" and mine.template.name == "templates/alert.md"
    assert "{{ trials|length }}" in mine.template.text


def test_timezone_defaults_to_utc(tmp_path: Path) -> None:
    watchlist = load_watchlist(write(tmp_path, "notify:\n  - url: json://127.0.0.1/x\n    digest: daily at 08:00\n"), env={})
    assert watchlist.timezone == "UTC" and watchlist.targets[0].digest == DigestSpec(time(8, 0), None, "UTC")


def test_the_same_url_twice_is_one_target_the_first_wins(tmp_path: Path) -> None:
    text = "notify:\n  - url: json://127.0.0.1/x\n    min_level: high\n  - json://127.0.0.1/x\n"
    (only,) = load_watchlist(write(tmp_path, text), env={}).targets
    assert only.choices.min_level is Level.HIGH


ERRORS = [
    ("timezone: Mars/Olympus\n", 1, "timezone: 'Mars/Olympus' is not an IANA time zone name"),
    ("timezone: [UTC]\n", 1, "timezone must be an IANA time zone name such as Europe/Paris, not a list"),
    ("notify:\n  - url: json://127.0.0.1/x\n    level: high\n", 3,
     "unknown key 'level' in a notify entry (known: url, min_level, kinds, digest, template)"),
    ("notify:\n  - min_level: high\n", 2, "a notify entry written as a mapping needs a url: (an apprise URL), missing here"),
    ("notify:\n  - url: 42\n", 2, "needs a url: (an apprise URL), a number here"),
    ("notify:\n  - url: json://127.0.0.1/x\n    min_level: urgent\n", 3,
     "min_level must be one of high, medium, low, not 'urgent'"),
    ("notify:\n  - url: json://127.0.0.1/x\n    min_level: info\n", 3, "min_level must be one of high, medium, low"),
    ("notify:\n  - url: json://127.0.0.1/x\n    kinds: [status, colour]\n", 3, "kinds: unknown kind 'colour' (known: status,"),
    ("notify:\n  - url: json://127.0.0.1/x\n    kinds: []\n", 3, "kinds must be a list of event kinds such as [status, results], not an empty list"),
    ("notify:\n  - url: json://127.0.0.1/x\n    kinds: {a: b}\n", 3, "kinds must be a list of event kinds"),
    ("notify:\n  - url: json://127.0.0.1/x\n\n    digest: hourly\n", 4,
     "digest: 'hourly' is not a schedule (write 'daily at 08:00' or 'weekly on monday at 08:00')"),
    ("notify:\n  - url: json://127.0.0.1/x\n    digest: weekly on someday at 08:00\n", 3, "'someday' is not a day of the week"),
    ("notify:\n  - url: json://127.0.0.1/x\n    digest: daily at 24:00\n", 3, "is not a time of day"),
    ("notify:\n  - url: json://127.0.0.1/x\n    template: nowhere.html\n", 3,
     "template 'nowhere.html' not found (paths are relative to the watchlist's folder)"),
    ("notify:\n  - url: json://127.0.0.1/x\n    template: alert.tpl\n", 3, "template 'alert.tpl': name it .html, .md or .txt"),
    ("notify:\n  - url: json://127.0.0.1/x\n    template: [a]\n", 3, "template must be the path of a template file, not a list"),
]


@pytest.mark.parametrize(("text", "line", "expected"), ERRORS)
def test_errors_are_one_line_with_the_line_number(tmp_path: Path, text: str, line: int, expected: str) -> None:
    path = write(tmp_path, text)
    message = load_error(path)
    assert message.startswith(f"{path}:{line}: "), message
    assert expected in message, message


def test_a_template_syntax_error_names_the_template_line(tmp_path: Path) -> None:
    (tmp_path / "team.html").write_text("Subject\n<ul>\n{% for t in trials %}\n<li>{{ t.title }</li>\n")
    path = write(tmp_path, "interval: 6h\nnotify:\n  - url: json://127.0.0.1/x\n    template: team.html\n")
    assert load_error(path) == f"{path}:4: template team.html, line 4: unexpected '}}'"


def test_secrets_stay_masked_in_the_mapping_form(tmp_path: Path) -> None:
    text = ("notify:\n  - url: json://user:hunter2secret@127.0.0.1/x?+X-Token=tok3nsecret\n    min_level: high\n"
            "  - url: notaservice://user:hunter2secret@x\n    min_level: high\n")
    message = load_error(write(tmp_path, text))
    assert message.endswith(":4: notify target 'notaservice://user:****@x' is not a URL any notification service understands")
    watchlist = load_watchlist(write(tmp_path, "\n".join(text.splitlines()[:3]) + "\n"), env={})
    (target,) = watchlist.targets
    assert "hunter2secret" not in target.masked and "tok3nsecret" not in target.masked
    assert "hunter2secret" not in repr(target) and "tok3nsecret" not in repr(target)


def test_env_secrets_in_the_mapping_form(tmp_path: Path) -> None:
    path = write(tmp_path, "notify:\n  - url: mailtos://me:${SMTP_PASSWORD}@example.org\n    digest: daily at 07:30\n")
    (target,) = load_watchlist(path, env={"SMTP_PASSWORD": "hunter2secret"}).targets
    assert "hunter2secret" in target.url and "hunter2secret" not in target.masked
    assert load_error(path).endswith(":2: notify: environment variable SMTP_PASSWORD is not set (used as ${SMTP_PASSWORD})")
