"""The ``trial-monitor`` command: thin shells over the check, the read model and the watchlist.

Exit codes: 0 done (the registry answered); 1 the registry could not be reached or a test
message failed; 2 bad input (watchlist, id, environment, database location) — always one
clear line, never a traceback.

``app`` holds the command table; each topic module (``checking``, ``editing``, ``reading``,
``changelogs``, ``tools``) imports what its commands use only when they run, so ``version``,
``--help`` and ``health`` start without the database, the registry client or apprise.
"""

from __future__ import annotations

import sys


def main() -> None:
    from monitor.cli.app import app

    try:
        app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
