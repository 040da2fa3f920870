"""The case API's one clock: China Standard Time (Asia/Shanghai) for every date, UTC for storage.

The servers may run in UTC; a family's "today" and a department's deadline are China's. From 00:00
to 08:00 in China the machine's UTC date is still yesterday: a death that happened "today" would be
refused as a future date, and the checklist's finish date would count from yesterday. So every
module of the API asks here instead of ``date.today()`` / ``datetime.now()``:

- ``now()``: the current time in China, timezone-aware;
- ``today()``: China's date (the checklist's start, catalog figures in force, "not in the future",
  due dates, overdue flags, statistics);
- ``utcnow()``: naive UTC, as timestamps are stored in the database;
- ``local_date(utc_naive)``: China's date of a stored timestamp.

Tests freeze the clock with ``time_machine`` (tests/api/test_clock.py).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")
CST = CHINA  # the name the API used before; no daylight saving in China since 1991

__all__ = ["CHINA", "CST", "local_date", "now", "today", "utcnow"]


def now() -> dt.datetime:
    """The current time in China, timezone-aware."""
    return dt.datetime.now(CHINA)


def today() -> dt.date:
    """China's date today."""
    return now().date()


def utcnow() -> dt.datetime:
    """Naive UTC, as stored in the database."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def local_date(utc_naive: dt.datetime) -> dt.date:
    """China's date of a naive-UTC timestamp from the database."""
    return utc_naive.replace(tzinfo=dt.timezone.utc).astimezone(CHINA).date()
