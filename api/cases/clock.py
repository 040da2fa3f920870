"""Moved to ``api/clock.py`` (one clock for the whole API); kept as a re-export for old imports.

``now`` here is the old name of ``api.clock.utcnow`` (naive UTC, as stored); ``api.clock.now`` is
the aware time in China.
"""

from __future__ import annotations

from api.clock import CHINA, CST, local_date, today, utcnow

now = utcnow

__all__ = ["CHINA", "CST", "local_date", "now", "today", "utcnow"]
