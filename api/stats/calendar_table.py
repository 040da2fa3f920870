"""The working-day calendar table (api.stats.models.WorkCalendarDay): filled and kept current.

``ensure_calendar`` is called before a statistics query: it adds the days up to today that are
missing (the first call fills from 2000-01-01, about 10,000 rows) and recomputes the days from the
first one that was counted by weekdays only (beyond the package's published years) if the installed
``chinesecalendar`` now covers it. It writes in a savepoint of the request's transaction (SQLite
allows one writer: a second connection would wait for the request's own lock); two processes filling
at once agree.

``china_date(ts)`` is China's date of a stored naive-UTC timestamp, in SQL, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement

from api import clock
from api.checklist.calendar import covered, is_working_day
from api.stats.models import WorkCalendarDay

EPOCH = dt.date(2000, 1, 1)


class china_date(FunctionElement):
    """China's date (UTC+8, no daylight saving) of a naive-UTC DateTime column."""

    type = Date()
    inherit_cache = True
    name = "china_date"


@compiles(china_date, "sqlite")
def _china_date_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # whole seconds first: SQLite rounds fractions to milliseconds (23:59:59.9999 would become the next day)
    return f"date(substr({compiler.process(element.clauses, **kw)}, 1, 19), '+8 hours')"


@compiles(china_date, "postgresql")
def _china_date_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)} + INTERVAL '8 hours') AS DATE)"


def _rows(start: dt.date, end: dt.date, seq: int) -> list[dict[str, Any]]:
    out, day = [], start
    while day <= end:
        working = is_working_day(day)
        seq += int(working)
        out.append(
            {
                "day": day,
                "working": working,
                "workday_seq": seq,
                "week_start": day - dt.timedelta(days=day.weekday()),
                "covered": covered(day),
            }
        )
        day += dt.timedelta(days=1)
    return out


def ensure_calendar(session: Session, through: dt.date | None = None) -> None:
    """Make the calendar cover EPOCH..`through` (default: today in China) with current holidays.
    Writes (rarely: the first call, a new day, a newer holiday package) in a savepoint of the caller's
    transaction; the route commits. Two processes filling at once: the loser's savepoint is undone."""
    through = through or clock.today()
    last = session.scalar(select(func.max(WorkCalendarDay.day)))
    first_guess = session.scalar(
        select(func.min(WorkCalendarDay.day)).where(WorkCalendarDay.covered.is_(False))
    )
    start = EPOCH if last is None else last + dt.timedelta(days=1)
    if first_guess is not None and covered(first_guess):
        start = min(start, first_guess)
    if start > through:
        return
    prev = session.scalar(
        select(WorkCalendarDay.workday_seq).where(WorkCalendarDay.day == start - dt.timedelta(days=1))
    )
    rows = _rows(start, max(through, last or through), prev or 0)
    try:
        with session.begin_nested():
            session.execute(delete(WorkCalendarDay).where(WorkCalendarDay.day >= start))
            for i in range(0, len(rows), 2000):
                session.execute(WorkCalendarDay.__table__.insert(), rows[i : i + 2000])
    except IntegrityError:
        pass  # another process filled the same days a moment earlier
