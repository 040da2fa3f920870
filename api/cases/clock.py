"""China Standard Time (no daylight saving) for dates that families and departments see."""

from __future__ import annotations

import datetime as dt

CST = dt.timezone(dt.timedelta(hours=8), "CST")


def now() -> dt.datetime:
    """Naive UTC, as stored in the database."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def today() -> dt.date:
    return dt.datetime.now(CST).date()


def local_date(utc_naive: dt.datetime) -> dt.date:
    return utc_naive.replace(tzinfo=dt.timezone.utc).astimezone(CST).date()
