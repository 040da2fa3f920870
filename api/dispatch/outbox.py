"""The transactional outbox: events for departments, written in the same transaction as the task.

``enqueue(session, task, event)`` adds one OutboxEvent to the caller's session; it is committed
(or rolled back) together with the task change, so a task never goes out without its event and
an event never exists for a task change that did not happen. The deliverer
(api.dispatch.deliverer) sends committed events afterwards.

The stored payload holds no personal data: it references the task and case and carries what is
not personal (item, status, due date). The deceased's and applicant's particulars that a
department needs to act are decrypted from the case only at delivery time and sent over the
authenticated webhook (see docs/departments.md); they never sit in this table in clear.

Status: pending → delivering (claimed under a lease) → delivered | pending (retry later) | dead.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from api.clock import utcnow  # the API's one clock
from api.db import Base

if TYPE_CHECKING:
    from api.cases.models import Task

STATUSES = ("pending", "delivering", "delivered", "dead")


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_due", "status", "next_attempt_at"),
        Index("ix_outbox_events_lease", "status", "lease_expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Sent as the Idempotency-Key / X-Event-Id headers: the same on every re-delivery, so a
    # department that already acknowledged it drops the duplicate.
    event_id: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lease_token: Mapped[str | None] = mapped_column(String(36), nullable=True)
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def build_payload(task: Task, event: str, event_id: str, occurred_at: dt.datetime) -> dict[str, Any]:
    """What the department is told, without personal data (added at delivery time)."""
    case = task.case
    return {
        "event_id": event_id,
        "event": event,
        "occurred_at": occurred_at.isoformat() + "Z",
        "department": task.department,
        "task": {
            "id": task.id,
            "item": task.item_key,
            "status": task.status,
            "version": task.version,
            "due_date": _iso(task.due_date),
            "time_limit_days": task.time_limit_days,
            "waits_for": list(task.waits_for or []),
        },
        "case": {
            "case_no": case.case_no,
            "region": case.region,
            "channel": case.channel,
        },
    }


def enqueue(session: Session, task: Task, event: str) -> OutboxEvent:
    """Add an event for the task's department to the caller's transaction (task.id must be set:
    flush first). Nothing is sent until the transaction commits and the deliverer picks it up."""
    if task.id is None:
        session.flush()
    now = utcnow()
    event_id = str(uuid.uuid4())
    row = OutboxEvent(
        event_id=event_id,
        task_id=task.id,
        department=task.department,
        event=event,
        payload=build_payload(task, event, event_id, now),
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    return row
