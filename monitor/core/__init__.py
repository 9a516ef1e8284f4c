"""The pure core: the registry-neutral view, fingerprints, diffs, typed change events, decisions,
expectations, searches, changelogs and their words.

Nothing here performs I/O or reads the clock (time is passed in), and nothing imports the rest of
the project; every function is tested with plain record pairs.
"""
