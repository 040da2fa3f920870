"""The statistics as SQL aggregates (GROUP BY), the same statements on SQLite and PostgreSQL.

No row of a task or a case is loaded into Python except the short lists asked for (the longest
overdue tasks, the latest comments): every figure is a COUNT, SUM or AVG grouped by item,
department, region, staff member or week. Handling time in working days is the difference of two
``workday_seq`` values of the calendar table (api.stats.models), joined on China's date of the
release and of the completion; a case's week is the calendar's ``week_start`` of its China date.

Scope: ``region`` (a region code) keeps the cases of that region and every region below it (codes
share the prefix left after removing trailing "00" pairs: 520000 → 52, 520100 → 5201).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, literal, not_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement, Select

from api.cases.models import Case
from api.ratings.models import Rating
from api.stats.calendar_table import china_date
from api.stats.models import WorkCalendarDay
from api.tasks.models import TERMINAL, Task, TaskStatus

OVERDUE_LIST = 20
COMMENT_LIST = 20
WEEKS = 26


def region_prefix(code: str) -> str:
    """520000 → 52, 520100 → 5201, 520102 → 520102."""
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def region_level_key(scope: str | None) -> tuple[ColumnElement[str], str]:
    """The grouping key one level below the scope: 市州 for the province, counties for a 市州."""
    prefix = region_prefix(scope or "520000")
    if len(prefix) <= 2:
        return func.substr(Case.region, 1, 4).concat(literal("00")), "city"
    return Case.region, "county"


def _filters(since: dt.date | None, until: dt.date | None, region: str | None) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if since:
        out.append(Case.created_at >= dt.datetime.combine(since, dt.time()) - dt.timedelta(hours=8))
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time()) - dt.timedelta(hours=8)
        out.append(Case.created_at < end)
    if region:
        out.append(Case.region.like(region_prefix(region) + "%"))
    return out


def _group_columns(today: dt.date, staff: bool = False) -> list[ColumnElement[Any]]:
    released = aliased(WorkCalendarDay)
    completed = aliased(WorkCalendarDay)
    done = Task.status == TaskStatus.COMPLETED.value
    timed = and_(done, Task.released_at.is_not(None), Task.completed_at.is_not(None))
    open_ = Task.status.not_in([s.value for s in TERMINAL])
    one = literal(1)
    score = func.coalesce(Rating.staff_score, Rating.score) if staff else Rating.score
    cols = [
        func.count(Task.id).label("tasks"),
        func.sum(case((open_, one), else_=0)).label("open"),
        func.sum(case((done, one), else_=0)).label("completed"),
        func.sum(case((Task.status == TaskStatus.REJECTED.value, one), else_=0)).label("rejected"),
        func.sum(case((and_(open_, Task.due_date < today), one), else_=0)).label("overdue_open"),
        func.sum(
            case(
                (
                    and_(done, Task.completed_at.is_not(None), china_date(Task.completed_at) > Task.due_date),
                    one,
                ),
                else_=0,
            )
        ).label("completed_late"),
        func.avg(case((timed, completed.workday_seq - released.workday_seq))).label("avg_days"),
        func.avg(case((timed, Task.time_limit_days))).label("avg_limit"),
        func.count(Rating.id).label("ratings"),
        func.avg(cast(score, Integer) * 1.0).label("avg_rating"),
    ]
    return cols, released, completed  # type: ignore[return-value]


def _grouped(
    session: Session,
    key: ColumnElement[Any] | None,
    today: dt.date,
    filters: list[ColumnElement[bool]],
    staff: bool = False,
) -> list[dict[str, Any]]:
    cols, released, completed = _group_columns(today, staff)  # type: ignore[misc]
    q: Select[Any] = select(*([key.label("key")] if key is not None else []), *cols)
    q = (
        q.select_from(Task)
        .join(Case, Case.id == Task.case_id)
        .outerjoin(Rating, Rating.task_id == Task.id)
        .outerjoin(released, released.day == china_date(Task.released_at))
        .outerjoin(completed, completed.day == china_date(Task.completed_at))
        .where(*filters)
    )
    if key is not None:
        q = q.group_by(key).order_by(key)
    out = []
    for row in session.execute(q).mappings():
        completed_n = int(row["completed"] or 0)
        late = int(row["completed_late"] or 0)
        out.append(
            {
                **({"key": row["key"]} if key is not None else {}),
                "tasks": int(row["tasks"] or 0),
                "open": int(row["open"] or 0),
                "completed": completed_n,
                "rejected": int(row["rejected"] or 0),
                "overdue_open": int(row["overdue_open"] or 0),
                "completed_late": late,
                "avg_handling_working_days": _round(row["avg_days"]),
                "avg_time_limit_days": _round(row["avg_limit"]),
                "on_time_rate": round(1 - late / completed_n, 3) if completed_n else None,
                "ratings": int(row["ratings"] or 0),
                "avg_rating": _round(row["avg_rating"]),
            }
        )
    return out


def _round(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _materials_query(session: Session, f: list[ColumnElement[bool]]) -> Select[Any]:
    """Cases with a checklist summary, and the sums of its reduction (materials required separately,
    handed in together). PostgreSQL parses the (json, not jsonb) summary once per case: the
    reduction is extracted as text, cast to jsonb in a materialized CTE, then read twice (6x faster
    than two ``#>>`` paths, measured on 600 cases); SQLite reads both paths with JSON_EXTRACT."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import JSONB

        reduction = cast(func.json_extract_path_text(Case.checklist, "reduction"), JSONB)
        cte = select(reduction.label("r")).where(*f).cte("reductions").prefix_with("MATERIALIZED")
        return select(
            func.count(),
            func.sum(cte.c.r["separately"].astext.cast(Integer)),
            func.sum(cte.c.r["together"].astext.cast(Integer)),
        ).where(cte.c.r.is_not(None), cte.c.r["separately"].is_not(None))
    separately = Case.checklist[("reduction", "separately")].as_integer()
    together = Case.checklist[("reduction", "together")].as_integer()
    return select(func.count(Case.id), func.sum(separately), func.sum(together)).where(
        *f, not_(separately.is_(None))
    )


def compute_sql(
    session: Session,
    today: dt.date,
    since: dt.date | None = None,
    until: dt.date | None = None,
    region: str | None = None,
) -> dict[str, Any]:
    """Every figure of GET /api/v1/stats (names added by the caller)."""
    f = _filters(since, until, region)
    case_counts = dict(
        session.execute(select(Case.status, func.count()).where(*f).group_by(Case.status)).all()
    )
    region_key, region_level = region_level_key(region)
    total = _grouped(session, None, today, f)
    by_item = _grouped(session, Task.item_key, today, f)
    by_dept = _grouped(session, Task.department, today, f)
    by_region = _grouped(session, region_key, today, f)
    by_staff = _grouped(session, Task.staff_id, today, [*f, Task.staff_id.is_not(None)], staff=True)

    distribution = {str(n): 0 for n in range(1, 6)}
    for score, n in session.execute(
        select(Rating.score, func.count())
        .select_from(Rating)
        .join(Case, Case.id == Rating.case_id)
        .where(*f)
        .group_by(Rating.score)
    ).all():
        distribution[str(score)] = int(n)

    comments = [
        {
            "item": r.item_key,
            "department": r.department,
            "staff_id": r.staff_id,
            "score": r.score,
            "staff_score": r.staff_score,
            "comment": r.comment,  # masked when it was stored
            "created_at": r.created_at,
        }
        for r in session.execute(
            select(
                Rating.item_key,
                Rating.department,
                Rating.staff_id,
                Rating.score,
                Rating.staff_score,
                Rating.comment,
                Rating.created_at,
            )
            .join(Case, Case.id == Rating.case_id)
            .where(*f, Rating.comment.is_not(None), Rating.comment != "")
            .order_by(Rating.created_at.desc(), Rating.id.desc())
            .limit(COMMENT_LIST)
        )
    ]

    open_ = Task.status.not_in([s.value for s in TERMINAL])
    overdue = [
        {
            "task_id": r.id,
            "case_no": r.case_no,
            "item": r.item_key,
            "department": r.department,
            "region": r.region,
            "status": r.status,
            "due_date": r.due_date,
            "days_overdue": (today - r.due_date).days,
            "staff_id": r.staff_id,
        }
        for r in session.execute(
            select(
                Task.id,
                Case.case_no,
                Task.item_key,
                Task.department,
                Case.region,
                Task.status,
                Task.due_date,
                Task.staff_id,
            )
            .join(Case, Case.id == Task.case_id)
            .where(*f, open_, Task.due_date < today)
            .order_by(Task.due_date, Task.id)
            .limit(OVERDUE_LIST)
        )
    ]

    week = WorkCalendarDay.week_start
    first_week = today - dt.timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    weeks = {
        w: int(n)
        for w, n in session.execute(
            select(week, func.count(Case.id))
            .select_from(Case)
            .join(WorkCalendarDay, WorkCalendarDay.day == china_date(Case.created_at))
            .where(*f, week >= first_week)
            .group_by(week)
        ).all()
    }
    per_week = []
    for i in range(WEEKS):
        w = first_week + dt.timedelta(days=7 * i)
        if (since is None or w + dt.timedelta(days=6) >= since) and (until is None or w <= until):
            per_week.append({"week_start": w, "cases": weeks.get(w, 0)})

    m = session.execute(_materials_query(session, f)).one()
    n_cases, sep, tog = int(m[0] or 0), int(m[1] or 0), int(m[2] or 0)

    return {
        "cases": case_counts,
        "tasks": total[0] if total else None,
        "by_item": by_item,
        "by_department": by_dept,
        "by_region": by_region,
        "region_level": region_level,
        "by_staff": by_staff,
        "distribution": distribution,
        "comments": comments,
        "overdue": overdue,
        "cases_per_week": per_week,
        "materials": {
            "cases": n_cases,
            "separately": sep,
            "together": tog,
            "saved": sep - tog,
            "saved_rate": round((sep - tog) / sep, 3) if sep else None,
        },
    }
