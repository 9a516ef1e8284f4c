"""ClinicalTrials.gov (API v2): the only place that knows its JSON, statuses, URLs, refresh rule and
listing strategy.

``facts`` (no I/O): its name, ids, pages and the mapping of its statuses; ``record`` reads a study
into the core's view; ``api`` speaks its endpoints; ``sync`` is its refresh rule and listing
strategy; ``search`` and ``history`` read its search listings and its version history;
``adapter`` puts them together as a :class:`~monitor.registry.base.Registry`.
"""
