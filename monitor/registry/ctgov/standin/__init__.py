"""A local stand-in for the ClinicalTrials.gov API v2, beside the adapter whose API it speaks.

It serves the real records bundled in ``records/`` (``fixtures``) over HTTP on 127.0.0.1
(``registry.StandInRegistry``), can change them as the registry would while it runs, and is what
``trial-monitor demo``, the tests and the benchmarks run against. Nothing on the product's normal
paths imports it; import its modules by name (this file imports none, so reading the records does
not load the server)::

    from monitor.registry.ctgov.standin.registry import StandInRegistry, fixture_studies
"""
