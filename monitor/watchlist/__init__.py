"""The watchlist: which trials to watch, how often, and whom to tell (``watchlist.yaml``).

::

    interval: 6h            # 30s, 15m, 6h, 6 hours, 1d, 1h30m … or plain integer seconds
    notify:                 # apprise URLs, or paths to apprise config files; ${VAR} from the environment
      - mailtos://me:${SMTP_PASSWORD}@example.org
    trials:
      - NCT06764329
      - {id: NCT06646146, label: my note}
    # compare: [status, dates, …]   request_pause: 1s   outage_after: 3

``load_watchlist`` reads and checks it (every problem is a one-line ``WatchlistError``
naming the file and line, never showing a secret); ``add_trials``/``remove_trials`` edit the
trials list in place, keeping the user's comments and layout byte for byte; ``write_starter``
writes the commented watchlist ``trial-monitor init`` makes. What loads but looks wrong (no
trials, an id listed twice) is in ``Watchlist.warnings``.
"""

from ._base import WatchlistError, normalise_trial_id, parse_interval, parse_pause
from ._edit import add_trials, remove_trials
from ._live import LiveWatchlist
from ._load import KNOWN_KEYS, TrialEntry, Watchlist, load_watchlist
from ._searches import Search
from ._starter import STARTER, write_starter
from ._targets import Target, mask_url

__all__ = [
    "KNOWN_KEYS",
    "STARTER",
    "LiveWatchlist",
    "Search",
    "Target",
    "TrialEntry",
    "Watchlist",
    "WatchlistError",
    "add_trials",
    "load_watchlist",
    "mask_url",
    "normalise_trial_id",
    "parse_interval",
    "parse_pause",
    "remove_trials",
    "write_starter",
]
