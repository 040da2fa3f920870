"""Working days with China's public holidays and 调休, from the `chinesecalendar` package.

The package covers the years whose holiday notice the State Council has published. Beyond that a
date counts as a working day when it is Monday to Friday, and callers are told (`covered`) so the
family hears that the date may move once the year's notice is out.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=4096)
def _lookup(day: dt.date) -> tuple[bool, bool]:
    """(is working day, covered by the published calendar)."""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


def is_working_day(day: dt.date) -> bool:
    return _lookup(day)[0]


def covered(day: dt.date) -> bool:
    return _lookup(day)[1]


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date by which something taking `days` working days is done, starting on `start`.

    0 days (即办) is the start date itself when it is a working day, else the next working day;
    N days is the Nth working day after the start date.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    if days == 0:
        while not is_working_day(current):
            current += dt.timedelta(days=1)
        return current
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def calendar_note(start: dt.date, end: dt.date) -> str | None:
    """A plain note when part of the span lies beyond the published holiday calendar."""
    if covered(start) and covered(end):
        return None
    return f"{end.year} 年的法定节假日安排尚未收录，相关日期先按周末推算，如遇节假日会顺延，以部门通知为准。"
