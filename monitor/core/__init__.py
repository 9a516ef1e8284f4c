"""The pure core: record views, fingerprints, diffs, typed change events and message text.

Nothing here performs I/O or reads the clock; every function is tested with plain record pairs.
"""
