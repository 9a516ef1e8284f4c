"""Typed change events by clinical area: each module turns one group's raw changes between two views
into the sentences a clinician would write (``status``: status and results; ``timeline``: dates and
enrollment; ``sites``; ``protocol``: eligibility, arms, outcomes and outcome switching, sponsors,
publications; ``documents``: protocols, analysis plans and consent forms posted).
:mod:`monitor.core.diff` runs them; ``base`` and ``context`` are what they share.
"""

from monitor.core.events.protocol import criteria_edits
from monitor.core.events.timeline import shift_words

__all__ = ["criteria_edits", "shift_words"]
