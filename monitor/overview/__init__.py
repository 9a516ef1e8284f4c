"""The read model: plain values for every face (the CLI's ``list``, ``status``, ``history`` and ``feed``;
the web's pages, API, feeds and metrics; the static site). Nothing here writes, decides, or words
anything for one face in particular.

* ``state`` — the watched trials and their state; the monitor's own state (last check, outage,
  deliveries per target);
* ``timeline`` — one trial's dated changes, every trial's recent events;
* ``pages`` — the dashboard (filtered, paginated) and a trial's page (its card, its timeline with
  what changed).
"""
