"""The assistant's one clock: China Standard Time (Asia/Shanghai), whatever the server's zone.

A family's "今天", "昨天" and "凌晨两点" are China's, and a death date is "in the future" only
against China's date: at 04:00 in Guizhou the machine's UTC date is still yesterday. Everything in
actions/ that needs "now" or "today" asks here; tests freeze ``china_now`` (or the system clock).
The assistant does not import the case API for this (its own clock is ``api/clock.py``).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def china_now() -> dt.datetime:
    """The current time in China, timezone-aware."""
    return dt.datetime.now(CHINA)


def china_today() -> dt.date:
    """China's date today (the date a family means by 今天)."""
    return china_now().date()
