"""The registries trial-monitor reads, behind one seam.

``base`` is the seam: the :class:`~monitor.registry.base.Registry` protocol a check talks to,
and the registry-neutral answers (records read into the core's view, moved ids, version
histories). ``catalogue`` names the registries there are and opens one. Each registry is a folder
(``ctgov/``: ClinicalTrials.gov) that alone knows its JSON, statuses, URLs, refresh rule and
listing strategy; ``http`` and ``reader`` are what such a folder builds on.
"""
