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

from sqlalchemy.orm import Session

from api.clock import utcnow  # the API's one clock
from api.outbox.models import STATUSES, OutboxEvent

if TYPE_CHECKING:
    from api.tasks.models import Task

__all__ = ["STATUSES", "OutboxEvent", "build_payload", "enqueue", "utcnow"]


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
