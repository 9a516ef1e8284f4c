"""trial-monitor: watch clinical-trial registry records and alert when something that matters changes.

One check, read top to bottom (``monitor.check``)::

    registry (adapter)          check                                    store            delivery
     registry/ctgov/ ─ version ─► gate ── quiet? ─► done
                     ─ changed_since ─► plan (what to fetch)
                     ─ fetch ─────────► decide (core: view → diff → events → Decision)
                                        store ─────────────────────────► one transaction per trial:
                                                                         snapshot + events + outbox
                                                                                     ─► render once per
                                                                                        target ─► apprise

``core`` never touches the network, the disk or the clock; everything else is a thin shell. The
faces (``cli``, and later the web) read through ``overview``. docs/architecture.md has the map.
"""

__version__ = "0.1.0"
