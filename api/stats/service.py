"""Statistics for supervisors: cases, handling time against the limit by item, department, region
and staff member, overdue tasks, 好差评, cases per week, materials saved, answer ratings.

Every figure is an SQL aggregate (api.stats.queries), the same on SQLite and PostgreSQL; the number
of statements does not grow with the number of cases. This module adds the names and the scope.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import clock
from api.catalog.loader import get_catalog
from api.chat.service import answer_rating_counts
from api.checklist.calendar import is_working_day
from api.identity import mask_text
from api.staff.models import StaffAccount
from api.stats.calendar_table import ensure_calendar
from api.stats.queries import compute_sql, region_prefix


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when finished the same day). The SQL
    statistics count the same with the calendar table (seq(end) - seq(start))."""
    days, d = 0, start
    while d < end:
        d += dt.timedelta(days=1)
        if is_working_day(d):
            days += 1
    return days


def region_name(code: str | None) -> str:
    if not code:
        return "全省"
    region = get_catalog().regions.get(code)
    if region is not None:
        return region.name
    return "未注明市州" if code.endswith("0000") else code


def _staff_names(session: Session, staff_ids: list[str]) -> dict[str, str]:
    """工号 → "name（工号）" for the staff members who have an account (one query)."""
    if not staff_ids:
        return {}
    rows = session.execute(
        select(StaffAccount.username, StaffAccount.display_name).where(StaffAccount.username.in_(staff_ids))
    ).all()
    return {u: (f"{n}（{u}）" if n and n != u else u) for u, n in rows}


def compute(
    session: Session,
    since: dt.date | None = None,
    until: dt.date | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """The statistics of the cases submitted between `since` and `until` (China's dates, inclusive)
    in `region` and below it (None: the whole province)."""
    cat = get_catalog()
    today = clock.today()
    if since:
        since = max(since, dt.date(2000, 1, 1))
    if until:
        until = min(until, dt.date(9000, 1, 1))
    ensure_calendar(session, today)
    data = compute_sql(session, today, since, until, region)

    item_names = {k: i.colloquial_name for k, i in cat.items.items()}
    staff_names = _staff_names(session, [r["key"] for r in data["by_staff"]])
    dept_names = {k: d.short_name for k, d in cat.departments.items()}

    def named(rows: list[dict[str, Any]], names: Any) -> list[dict[str, Any]]:
        return [{**r, "key": r["key"], "name": names(r["key"])} for r in rows]

    province_wide = region is None or len(region_prefix(region)) <= 2
    answers = None
    if province_wide:
        # answers in the website widget carry no region: counted for the province's view only
        answers = answer_rating_counts(
            session,
            dt.datetime.combine(since, dt.time()) - dt.timedelta(hours=8) if since else None,
            dt.datetime.combine(until + dt.timedelta(days=1), dt.time()) - dt.timedelta(hours=8)
            if until
            else None,
        )
    cases = data["cases"]
    dist = data["distribution"]
    return {
        "as_of": today,
        "since": since,
        "until": until,
        "region": region,
        "region_name": region_name(region),
        "cases": {
            "total": sum(cases.values()),
            "open": cases.get("open", 0),
            "completed": cases.get("completed", 0),
        },
        "tasks": data["tasks"],
        "by_item": named(data["by_item"], lambda k: item_names.get(k, k)),
        "by_department": named(data["by_department"], lambda k: dept_names.get(k, k)),
        "by_region": named(data["by_region"], region_name),
        "region_level": data["region_level"],
        "by_staff": named(data["by_staff"], lambda k: staff_names.get(k, k)),
        "ratings": {
            "count": sum(dist.values()),
            "distribution": dist,
            "comments": [
                {
                    **c,
                    # masked when stored (api.ratings); masked again here, so a row written by any
                    # other path shows no phone or ID number either
                    "comment": mask_text(c["comment"]) if c["comment"] else c["comment"],
                    "item_name": item_names.get(c["item"], c["item"]),
                    "department_name": dept_names.get(c["department"], c["department"]),
                }
                for c in data["comments"]
            ],
        },
        "overdue_tasks": [
            {
                **t,
                "item_name": item_names.get(t["item"], t["item"]),
                "department_name": dept_names.get(t["department"], t["department"]),
                "region_name": region_name(t["region"]),
            }
            for t in data["overdue"]
        ],
        "cases_per_week": data["cases_per_week"],
        "materials": data["materials"],
        "answer_ratings": answers,
    }
