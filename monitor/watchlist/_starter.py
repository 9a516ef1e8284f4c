"""The watchlist ``trial-monitor init`` writes: the bundled example's comments, no trials yet."""

from __future__ import annotations

from pathlib import Path

from ._base import WatchlistError

STARTER = """\
# trial-monitor watchlist: which trials to watch, how often, and whom to tell.
# Edit it by hand or with `trial-monitor add` / `remove`: your comments are kept.

# How often to check: 30s, 15m, 6h, 6 hours, 1d, 1h30m … (or plain seconds).
# The registry refreshes once a day; checking more often costs one request each time.
interval: 6h

# Where to send alerts: apprise URLs (https://github.com/caronc/apprise/wiki),
# or the path to an apprise config file. ${NAME} is read from the environment,
# so passwords and tokens can stay out of this file.
# With no target configured, alerts are written to the command's output.
notify: []
# notify:
#   - mailtos://me:${SMTP_PASSWORD}@example.org?to=me@example.org   # email (mailto:// for plain SMTP)
#   - tgram://bottoken/chatid                                          # Telegram
#   - slack://TokenA/TokenB/TokenC/#channel                            # Slack
#   - discord://webhook_id/webhook_token                               # Discord
#   - json://127.0.0.1:8080/hook                                       # any webhook (JSON POST)
#
# A target can also be a mapping with its own choices (README: "Notification targets"):
#     - url: tgram://bottoken/chatid
#       min_level: high             # only high events (default: high and medium; low adds the rest)
#       kinds: [status, results]    # only these kinds of event
#     - url: mailtos://team:${SMTP_PASSWORD}@example.org?to=team@example.org
#       digest: daily at 08:00      # or: weekly on monday at 08:00 — one message then, nothing between
#       template: team.html         # your own layout (Jinja2, .html/.md/.txt, beside this file)
# Digest times are in UTC unless you name your time zone:
# timezone: Europe/Paris

# The trials to watch, by NCT id: add them with `trial-monitor add NCT01234567`
# (it checks the id with the registry and says the trial's title), or here by hand.
trials: []
# trials:
#   - NCT01234567
#   # An entry can carry a note of your own:
#   - id: NCT07654321
#     label: "my note"

# Sites near you: a site that opens in one of these places (added as recruiting, or starting to
# recruit) is a high alert; one there that stops recruiting or is removed is medium. A country, or a
# city or a US state with its country. A trial's entry can add places of its own: near: ["Lyon, France"]
# near:
#   - Paris, France
#   - California, United States
#   - Pakistan

# What to compare (default: everything):
# compare: [status, dates, results, enrollment, sites, eligibility, arms, outcomes, sponsors, publications, documents]
"""


def write_starter(path: Path) -> None:
    """Write the starter watchlist at ``path`` (its folder made if missing); never over an existing file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as out:
            out.write(STARTER)
    except FileExistsError:
        raise WatchlistError(path, "already exists; init leaves it as it is (edit it, or name another file "
                                   "with --watchlist)") from None
    except OSError as exc:
        raise WatchlistError(path, f"cannot write the file ({exc.strerror or exc})") from None
