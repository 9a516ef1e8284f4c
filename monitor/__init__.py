"""trial-monitor: watch ClinicalTrials.gov records and alert when something that matters changes.

The pipeline, one cycle::

    watchlist.yaml -> watchlist -> cycle -> registry (ClinicalTrials.gov API v2)
                                      |
                                      v
                    core (pure): record view -> fingerprint -> diff -> typed events -> message
                                      v
                    store: one transaction = snapshot + events + alert + one delivery per target
                                      v
                    delivery: outbox -> apprise -> email, chat, webhooks ...

``core`` never touches the network, the disk or the clock; everything else is a thin shell.
"""

__version__ = "0.1.0"
