"""The task (one item of a case, handled by one department), its statuses and its history.

A task's status is changed only by api.tasks.service (the transition table and its effects); other
areas read it and compare it with ``TaskStatus``. A new status is added here (the enum and its
text) and in the transition table ``api.tasks.service.RULES``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import relationship as orm_relationship

from api.cases.models import Case
from api.clock import utcnow  # the API's one clock
from api.db import Base


class TaskStatus(StrEnum):
    """Stored as its value (a plain string column); compares equal to that string."""

    WAITING = "waiting"  # prerequisites (waits_for) not all completed yet
    READY = "ready"  # released to the department, not yet accepted
    ACCEPTED = "accepted"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    RESUBMITTED = "resubmitted"
    COMPLETED = "completed"
    REJECTED = "rejected"


# What the family and the staff read for each status.
STATUS_TEXT: dict[str, str] = {
    TaskStatus.WAITING: "等待前置事项办结",
    TaskStatus.READY: "已推送部门，待受理",
    TaskStatus.ACCEPTED: "部门已受理，正在办理",
    TaskStatus.SUPPLEMENT_REQUESTED: "需要补充材料",
    TaskStatus.RESUBMITTED: "已补充材料，待部门处理",
    TaskStatus.COMPLETED: "已办结",
    TaskStatus.REJECTED: "未予办理",
}

TASK_STATUSES = tuple(TaskStatus)
# A task in one of these never changes again; a case is completed when all its tasks are.
TERMINAL = (TaskStatus.COMPLETED, TaskStatus.REJECTED)


class Task(Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("case_id", "item_key", name="uq_tasks_case_item"),
        Index("ix_tasks_department_status", "department", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24), default=TaskStatus.WAITING.value)
    waits_for: Mapped[list[str]] = mapped_column(JSON, default=list)
    time_limit_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    staff_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)

    case: Mapped[Case] = orm_relationship(back_populates="tasks")
    events: Mapped[list[TaskEvent]] = orm_relationship(
        back_populates="task", order_by="TaskEvent.id", cascade="all, delete-orphan"
    )

    # Optimistic locking: every UPDATE carries "WHERE version = <the version read>"; a concurrent
    # writer that changed the row first makes this one fail (StaleDataError → 409).
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class TaskEvent(Base):
    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))  # created | released | accept | complete | ...
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_status: Mapped[str] = mapped_column(String(24))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)  # department key / staff id
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # masked before storing
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    task: Mapped[Task] = orm_relationship(back_populates="events")


# The case's side of the relationship is declared by the task's owner, so that the cases area never
# imports the tasks area (one direction between the two; tests/api/test_import_graph.py).
Case.tasks = orm_relationship(Task, back_populates="case", order_by=Task.id, cascade="all, delete-orphan")
