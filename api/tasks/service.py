"""Task lifecycle: the transition table and every change of a task's status, with its effects.

    waiting ──(all waits_for completed)──► ready ──accept──► accepted ──complete──► completed
    ready / accepted / resubmitted ──request_supplement──► supplement_requested
    supplement_requested ──resubmit──► resubmitted ──accept / complete──► ...
    any open state except waiting ──reject──► rejected
    any open state ──(a shared record, items.yaml already_done_when)──► completed

Every status change goes through ``_change`` (history row, outbox event when the department must
hear of it) and ``_follow_up`` (release of the tasks waiting for a completed one, rejection of
those waiting for a rejected one, completion of the case). No other module sets ``Task.status``.
All of it happens in the caller's transaction; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from api import clock
from api.cases.models import CASE_COMPLETED, CASE_OPEN, Case
from api.cases.notify import notify
from api.catalog.loader import get_catalog
from api.checklist.calendar import add_working_days
from api.errors import ApiError
from api.identity import mask_text
from api.outbox.service import enqueue
from api.regions.service import time_limit as regional_time_limit
from api.tasks.models import STATUS_TEXT, TERMINAL, Task, TaskEvent, TaskStatus

__all__ = [
    "ACTION_TEXT",
    "NOTIFY",
    "RULES",
    "STATUS_TEXT",
    "add_event",
    "create_task",
    "is_overdue",
    "refresh_case_status",
    "reject_dependents",
    "release",
    "release_unblocked",
    "settle_by_shared_record",
    "task_out",
    "transition",
]

S = TaskStatus


@dataclass(frozen=True)
class Rule:
    sources: tuple[TaskStatus, ...]
    target: TaskStatus
    outbox: bool  # the department must hear about it


# The transition table: the actions a department (or the family, for resubmit) may take.
RULES: dict[str, Rule] = {
    "accept": Rule((S.READY, S.RESUBMITTED), S.ACCEPTED, False),
    "complete": Rule((S.ACCEPTED, S.RESUBMITTED), S.COMPLETED, False),
    "request_supplement": Rule((S.READY, S.ACCEPTED, S.RESUBMITTED), S.SUPPLEMENT_REQUESTED, False),
    "resubmit": Rule((S.SUPPLEMENT_REQUESTED,), S.RESUBMITTED, True),
    "reject": Rule((S.READY, S.ACCEPTED, S.SUPPLEMENT_REQUESTED, S.RESUBMITTED), S.REJECTED, False),
}

ACTION_TEXT = {
    "accept": "受理",
    "complete": "办结",
    "request_supplement": "要求补充材料",
    "resubmit": "补充材料后重新提交",
    "reject": "不予办理",
}

# What the family is told by SMS when a department acts on one of their items.
NOTIFY = {
    "accept": "【一件事】您申请的“{name}”已由{dept}受理，请耐心等待。",
    "complete": "【一件事】您申请的“{name}”已办结。可凭案件号和查询码查看结果。",
    "request_supplement": "【一件事】您申请的“{name}”需要补充材料：{note}。请按提示补充，或拨打 12345 咨询。",
    "reject": "【一件事】很抱歉，您申请的“{name}”未能办理：{note}。如有疑问请拨打 12345。",
}


def is_overdue(task: Task, today: dt.date | None = None) -> bool:
    """Past its due date (China's date): a completed task by the day it was completed, an open one
    by today; a rejected task or one without a due date never is."""
    if task.due_date is None:
        return False
    if task.status == S.COMPLETED and task.completed_at is not None:
        return clock.local_date(task.completed_at) > task.due_date
    if task.status in TERMINAL:
        return False
    return (today or clock.today()) > task.due_date


def task_out(task: Task, today: dt.date | None = None) -> dict[str, Any]:
    """A task as the family and the staff see it (names from the catalog, status in words)."""
    cat = get_catalog()
    item = cat.items.get(task.item_key)
    dept = cat.departments.get(task.department)
    return {
        "id": task.id,
        "item": task.item_key,
        "name": item.name if item else task.item_key,
        "colloquial_name": item.colloquial_name if item else task.item_key,
        "department": task.department,
        "department_name": dept.short_name if dept else task.department,
        "status": task.status,
        "status_text": STATUS_TEXT.get(task.status, task.status),
        "waits_for": list(task.waits_for or []),
        "due_date": task.due_date,
        "overdue": is_overdue(task, today),
        "version": task.version,
        "result": task.result,
        "note": task.note,
        "updated_at": task.updated_at,
    }


def add_event(
    session: Session,
    task: Task,
    action: str,
    from_status: str | None,
    actor_role: str,
    actor: str | None,
    note: str | None = None,
) -> None:
    """One history row for the task (its current status as to_status); the note is masked."""
    session.add(
        TaskEvent(
            task=task,
            action=action,
            from_status=from_status,
            to_status=task.status,
            actor_role=actor_role,
            actor=actor,
            note=mask_text(note) if note else None,
            at=clock.utcnow(),
        )
    )


def _change(
    session: Session,
    task: Task,
    target: TaskStatus,
    action: str,
    actor_role: str,
    actor: str | None,
    *,
    note: str | None = None,
    event: str | None = None,
) -> None:
    """The one place a task's status is set: the status, the history row and, with `event`, the
    outbox event for the department (after a flush, so the event carries the new version)."""
    prev = task.status
    task.status = target
    add_event(session, task, action, prev, actor_role, actor, note)
    if event:
        session.flush()
        enqueue(session, task, event)


def _follow_up(session: Session, case: Case, task: Task, actor_role: str, actor: str | None) -> None:
    """What a task reaching `task.status` sets off: the tasks waiting for a completed task are
    released, those waiting for a rejected one are rejected too, and the case is completed when
    every task is finished."""
    if task.status == S.COMPLETED:
        release_unblocked(session, case, actor_role, actor)
    elif task.status == S.REJECTED:
        reject_dependents(session, case, actor_role, actor)
    refresh_case_status(case)


def create_task(
    session: Session, case: Case, item_key: str, waits_for: list[str], actor_role: str, actor: str | None
) -> Task:
    """A new task of the case, waiting (release_unblocked releases it once its prerequisites are
    done), with its "created" history row."""
    task = Task(
        item_key=item_key,
        department=get_catalog().items[item_key].department,
        status=S.WAITING,
        waits_for=waits_for,
        created_at=clock.utcnow(),
    )
    case.tasks.append(task)
    add_event(session, task, "created", None, actor_role, actor)
    return task


def release(
    session: Session, task: Task, case: Case, actor_role: str = "system", actor: str | None = None
) -> None:
    """waiting → ready: the due date counts from today in working days (holidays and 调休 counted)."""
    today = clock.today()
    # the time limit in force today in the case's region (regional configuration, then the catalog)
    limit = regional_time_limit(session, task.item_key, case.region, today)
    task.released_at = clock.utcnow()
    task.time_limit_days = limit
    task.due_date = add_working_days(today, limit)
    _change(session, task, S.READY, "released", actor_role, actor, event="task.released")


def release_unblocked(
    session: Session, case: Case, actor_role: str = "system", actor: str | None = None
) -> list[Task]:
    """Release every waiting task whose prerequisites are all completed; return them."""
    done = {t.item_key for t in case.tasks if t.status == S.COMPLETED}
    released = []
    for task in case.tasks:
        if task.status == S.WAITING and all(w in done for w in task.waits_for):
            release(session, task, case, actor_role, actor)
            released.append(task)
    return released


def reject_dependents(session: Session, case: Case, actor_role: str, actor: str | None) -> list[Task]:
    """A rejected prerequisite can never complete: the tasks waiting for it (and for those) are
    closed too, with the reason, so that the case can finish and the family can apply again."""
    cat = get_catalog()
    closed: list[Task] = []
    changed = True
    while changed:
        changed = False
        rejected = {t.item_key for t in case.tasks if t.status == S.REJECTED}
        for task in case.tasks:
            blockers = [w for w in task.waits_for if w in rejected]
            if task.status == S.WAITING and blockers:
                names = "、".join(cat.items[b].colloquial_name if b in cat.items else b for b in blockers)
                task.note = f"前置事项“{names}”未能办理，这件事项无法继续。"
                _change(
                    session, task, S.REJECTED, "rejected_with_prerequisite", actor_role, actor, note=task.note
                )
                closed.append(task)
                changed = True
    return closed


def refresh_case_status(case: Case) -> None:
    """An open case whose tasks are all completed or rejected becomes completed, and a new case
    for the same deceased may be opened."""
    if case.status == CASE_OPEN and case.tasks and all(t.status in TERMINAL for t in case.tasks):
        case.status = CASE_COMPLETED
        case.completed_at = clock.utcnow()
        case.open_deceased_hash = None  # a new case for this deceased may now be opened


def settle_by_shared_record(
    session: Session, case: Case, flag: str, *, department: str, record_no: str
) -> list[Task]:
    """A department shared a record that sets the situation flag `flag` (already set in
    case.situation): every unfinished task whose item the catalog says is already done then
    (items.yaml ``already_done_when`` naming the flag) is completed with the record as its result
    and an outbox event; the tasks waiting for it are released and the case completed when nothing
    is left. Returns the tasks settled."""
    cat = get_catalog()
    settled: list[Task] = []
    for task in case.tasks:
        item = cat.items.get(task.item_key)
        cond = item.already_done_when if item else None
        if not cond or flag not in cond or task.status in TERMINAL:
            continue
        if not all(case.situation.get(key, False) in allowed for key, allowed in cond.items()):
            continue
        task.completed_at = clock.utcnow()
        task.result = {"shared_record_no": record_no, "source": department, "note": "部门共享数据已确认"}
        _change(
            session,
            task,
            S.COMPLETED,
            "completed_by_shared_record",
            "department",
            department,
            event="task.completed_by_shared_record",
        )
        settled.append(task)
    release_unblocked(session, case, "department", department)
    refresh_case_status(case)
    return settled


def _clean_result(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """Results are shown to the family; numbers that look like ID or phone numbers are masked."""
    if result is None:
        return None

    def clean(v: Any) -> Any:
        if isinstance(v, str):
            return mask_text(v)
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    return clean(result)


def transition(
    session: Session,
    task: Task,
    action: str,
    version: int,
    *,
    actor_role: str,
    actor: str | None,
    result: dict[str, Any] | None = None,
    note: str | None = None,
    staff_id: str | None = None,
) -> Task:
    """Apply a department's (or the family's) action by the transition table, in the caller's
    transaction: 409 version_conflict when `version` is not the task's, 409 illegal_transition when
    the status does not allow it, 422 note_required for a supplement request or rejection without a
    reason. Then the history row, the outbox event, the follow-up (release, dependents, case
    completion) and the family's SMS."""
    rule = RULES.get(action)
    if rule is None:  # pragma: no cover - the schema restricts action
        raise ApiError(422, "unknown_action", "不认识这个操作")
    if version != task.version:
        raise ApiError(
            409,
            "version_conflict",
            f"这件事项刚刚被别人处理过（当前版本 {task.version}，您提交的是 {version}），请刷新后再操作。",
            details={"current_version": task.version, "status": task.status},
        )
    if task.status not in rule.sources:
        if task.status == S.WAITING:
            msg = "这件事项还在等待前置事项办结，暂时不能办理。"
        elif task.status in TERMINAL:
            msg = f"这件事项已经{STATUS_TEXT[task.status]}，不能再“{ACTION_TEXT[action]}”。"
        else:
            msg = f"这件事项当前状态是“{STATUS_TEXT[task.status]}”，不能直接“{ACTION_TEXT[action]}”。"
        raise ApiError(
            409,
            "illegal_transition",
            msg,
            details={
                "status": task.status,
                "action": action,
                "allowed_from": [s.value for s in rule.sources],
            },
        )
    if action in ("request_supplement", "reject") and not (note and note.strip()):
        raise ApiError(422, "note_required", "请在 note 中写明需要补充什么或不予办理的原因，方便家属照办。")
    case = task.case
    now = clock.utcnow()
    if note is not None:
        task.note = mask_text(note)
    if staff_id:
        task.staff_id = staff_id
    if action == "accept":
        task.accepted_at = now
    if action == "complete":
        task.completed_at = now
        task.result = _clean_result(result) or {}
    elif result is not None:
        task.result = _clean_result(result)
    _change(
        session,
        task,
        rule.target,
        action,
        actor_role,
        actor,
        note=note,
        event=f"task.{action}" if rule.outbox else None,
    )
    _follow_up(session, case, task, actor_role, actor)
    template = NOTIFY.get(action)
    if template:
        cat = get_catalog()
        item = cat.items.get(task.item_key)
        dept = cat.departments.get(task.department)
        notify(
            session,
            case,
            template.format(
                name=item.colloquial_name if item else task.item_key,
                dept=dept.short_name if dept else task.department,
                note=(note or "").strip() or "详见办理进度",
            ),
        )
    return task
