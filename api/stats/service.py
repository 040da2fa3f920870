"""Statistics for supervisors: cases, handling time against the limit, overdue counts, ratings.

Computed from tasks in Python (one pass): simple, identical on SQLite and PostgreSQL, and fast
enough for a province's daily volume; a reporting replica can take over if it ever is not.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import clock
from api.cases.models import Case
from api.catalog.loader import get_catalog
from api.chat.service import answer_rating_counts
from api.checklist.calendar import is_working_day
from api.ratings.models import Rating
from api.tasks.models import Task, TaskStatus
from api.tasks.service import is_overdue


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when finished the same day)."""
    days, d = 0, start
    while d < end:
        d += dt.timedelta(days=1)
        if is_working_day(d):
            days += 1
    return days


class _Group:
    def __init__(self) -> None:
        self.tasks = 0
        self.open = 0
        self.completed = 0
        self.rejected = 0
        self.overdue_open = 0
        self.completed_late = 0
        self.days: list[int] = []
        self.limits: list[int] = []
        self.scores: list[int] = []

    def out(self) -> dict[str, Any]:
        def avg(xs: list[int]) -> float | None:
            return round(sum(xs) / len(xs), 2) if xs else None

        return {
            "tasks": self.tasks,
            "open": self.open,
            "completed": self.completed,
            "rejected": self.rejected,
            "overdue_open": self.overdue_open,
            "completed_late": self.completed_late,
            "avg_handling_working_days": avg(self.days),
            "avg_time_limit_days": avg(self.limits),
            "on_time_rate": round(1 - self.completed_late / self.completed, 3) if self.completed else None,
            "ratings": len(self.scores),
            "avg_rating": avg(self.scores),
        }


def compute(session: Session, since: dt.date | None = None, until: dt.date | None = None) -> dict[str, Any]:
    cat = get_catalog()
    today = clock.today()
    if since:
        since = max(since, dt.date(2000, 1, 1))
    if until:
        until = min(until, dt.date(9000, 1, 1))
    cq = select(Case.status, func.count()).group_by(Case.status)
    tq = select(Task, Case.created_at).join(Case)
    if since:
        start = dt.datetime.combine(since, dt.time()) - dt.timedelta(hours=8)
        cq = cq.where(Case.created_at >= start)
        tq = tq.where(Case.created_at >= start)
    if until:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time()) - dt.timedelta(hours=8)
        cq = cq.where(Case.created_at < end)
        tq = tq.where(Case.created_at < end)
    case_counts = {status: n for status, n in session.execute(cq).all()}
    answers = answer_rating_counts(
        session,
        dt.datetime.combine(since, dt.time()) - dt.timedelta(hours=8) if since else None,
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time()) - dt.timedelta(hours=8)
        if until
        else None,
    )

    ratings: dict[int, tuple[int, int | None]] = {
        task_id: (score, staff_score)
        for task_id, score, staff_score in session.execute(
            select(Rating.task_id, Rating.score, Rating.staff_score)
        )
    }
    by_item: dict[str, _Group] = defaultdict(_Group)
    by_dept: dict[str, _Group] = defaultdict(_Group)
    by_staff: dict[str, _Group] = defaultdict(_Group)
    total = _Group()
    distribution = {str(n): 0 for n in range(1, 6)}
    for task, _created in session.execute(tq).all():
        groups = [total, by_item[task.item_key], by_dept[task.department]]
        if task.staff_id:
            groups.append(by_staff[task.staff_id])
        rating = ratings.get(task.id)
        if rating:
            distribution[str(rating[0])] += 1
        for n, g in enumerate(groups):
            g.tasks += 1
            if task.status == TaskStatus.COMPLETED:
                g.completed += 1
                if is_overdue(task, today):
                    g.completed_late += 1
                if task.released_at and task.completed_at:
                    g.days.append(
                        working_days_between(
                            clock.local_date(task.released_at), clock.local_date(task.completed_at)
                        )
                    )
                    if task.time_limit_days is not None:
                        g.limits.append(task.time_limit_days)
            elif task.status == TaskStatus.REJECTED:
                g.rejected += 1
            else:
                g.open += 1
                if is_overdue(task, today):
                    g.overdue_open += 1
            if rating:
                # the staff table uses the staff score; the others the item score
                g.scores.append(rating[1] if (n == 3 and rating[1] is not None) else rating[0])

    def named(groups: dict[str, _Group], names: dict[str, str]) -> list[dict[str, Any]]:
        return [{"key": k, "name": names.get(k, k), **g.out()} for k, g in sorted(groups.items())]

    return {
        "as_of": today,
        "since": since,
        "until": until,
        "cases": {
            "total": sum(case_counts.values()),
            "open": case_counts.get("open", 0),
            "completed": case_counts.get("completed", 0),
        },
        "tasks": total.out(),
        "by_item": named(by_item, {k: i.colloquial_name for k, i in cat.items.items()}),
        "by_department": named(by_dept, {k: d.short_name for k, d in cat.departments.items()}),
        "by_staff": named(by_staff, {}),
        "ratings": {"count": sum(distribution.values()), "distribution": distribution},
        "answer_ratings": answers,
    }
