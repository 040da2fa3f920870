"""China's working-day calendar as a table, so statistics count working days in SQL.

One row per day: whether it is a working day (public holidays and 调休 from the `chinesecalendar`
package, api.checklist.calendar), the running count of working days up to and including it
(``workday_seq``: the working days after A up to and including B are ``seq(B) - seq(A)``), and the
Monday of its week (cases per week). Filled and refreshed by api.stats.calendar_table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Integer
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base


class WorkCalendarDay(Base):
    __tablename__ = "work_calendar"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    workday_seq: Mapped[int] = mapped_column(Integer)
    week_start: Mapped[dt.date] = mapped_column(Date, index=True)
    # False beyond the years whose holiday notice the package has (weekdays counted as working):
    # such rows are recomputed once a newer package covers them
    covered: Mapped[bool] = mapped_column(Boolean)
