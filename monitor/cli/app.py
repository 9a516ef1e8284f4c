"""The ``trial-monitor`` command table: every command, in the order ``--help`` lists them."""

from __future__ import annotations

import typer

from monitor.cli.changelogs import feed, history, site
from monitor.cli.checking import check, run, serve
from monitor.cli.demo import demo
from monitor.cli.editing import add, init, remove
from monitor.cli.reading import list_trials, status
from monitor.cli.tools import health, notify_test, version

app = typer.Typer(
    name="trial-monitor",
    help="Watch ClinicalTrials.gov records and get told when something that matters changes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

for name, command in (
    ("init", init), ("check", check), ("run", run), ("serve", serve), ("add", add), ("remove", remove),
    ("list", list_trials),
    ("status", status), ("history", history), ("feed", feed), ("site", site), ("notify-test", notify_test),
    ("health", health), ("version", version), ("demo", demo),
):
    app.command(name)(command)
