"""Hypothesis for the fuzz tests: a bounded profile for `make test` (``fuzz``, the default) and a longer
one to run by hand (``HYPOTHESIS_PROFILE=fuzz-long``); neither keeps an example database, nor anything
else, in the repository (a failing example is printed, with the blob to reproduce it, and is then kept
as an explicit ``@example``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir

# hypothesis keeps caches (string constants, unicode tables) in its home folder: outside the repository
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "trial-monitor-hypothesis")

COMMON = {
    "database": None,  # no .hypothesis/ folder in the tree
    "deadline": None,  # the machine is shared: speed is for bench/, never asserted
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
# `make test` runs the same examples every time (derandomize): a fuzzer's new find is a bug to fix, not a CI run
# that fails at random; HYPOTHESIS_PROFILE=fuzz-long explores anew each run
settings.register_profile("fuzz", max_examples=120, derandomize=True, **COMMON)  # the fuzz files: about a minute
settings.register_profile("fuzz-long", max_examples=2000, **COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz"))
