"""Task lifecycle: release when prerequisites are done, transitions with optimistic locking.

    waiting ──(all waits_for completed)──► ready ──accept──► accepted ──complete──► completed
    ready / accepted / resubmitted ──request_supplement──► supplement_requested
    supplement_requested ──resubmit──► resubmitted ──accept / complete──► ...
    any open state except waiting ──reject──► rejected

Every change writes a TaskEvent; a release or a change the department must hear about is written
to the outbox (api.dispatch.outbox.enqueue) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from api import clock
from api.cases.models import CASE_COMPLETED, CASE_OPEN, TERMINAL, Case, Task, TaskEvent
from api.catalog.loader import get_catalog
from api.checklist.calendar import add_working_days
from api.errors import ApiError
from api.identity import mask_text

STATUS_TEXT = {
    "waiting": "等待前置事项办结",
    "ready": "已推送部门，待受理",
    "accepted": "部门已受理，正在办理",
    "supplement_requested": "需要补充材料",
    "resubmitted": "已补充材料，待部门处理",
    "completed": "已办结",
    "rejected": "未予办理",
}


@dataclass(frozen=True)
class Rule:
    sources: tuple[str, ...]
    target: str
    outbox: bool  # the department must hear about it


RULES: dict[str, Rule] = {
    "accept": Rule(("ready", "resubmitted"), "accepted", False),
    "complete": Rule(("accepted", "resubmitted"), "completed", False),
    "request_supplement": Rule(("ready", "accepted", "resubmitted"), "supplement_requested", False),
    "resubmit": Rule(("supplement_requested",), "resubmitted", True),
    "reject": Rule(("ready", "accepted", "supplement_requested", "resubmitted"), "rejected", False),
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
    if task.due_date is None:
        return False
    if task.status == "completed" and task.completed_at is not None:
        return clock.local_date(task.completed_at) > task.due_date
    if task.status in TERMINAL:
        return False
    return (today or clock.today()) > task.due_date


def _enqueue(session: Session, task: Task, event: str) -> None:
    from api.dispatch.outbox import enqueue

    session.flush()
    enqueue(session, task, event)


def add_event(
    session: Session,
    task: Task,
    action: str,
    from_status: str | None,
    actor_role: str,
    actor: str | None,
    note: str | None = None,
) -> None:
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


def release(
    session: Session, task: Task, case: Case, actor_role: str = "system", actor: str | None = None
) -> None:
    """waiting → ready: the due date counts from today in working days (holidays and 调休 counted)."""
    today = clock.today()
    limit = get_catalog().time_limit(task.item_key, case.region, on=today)
    prev = task.status
    task.status = "ready"
    task.released_at = clock.utcnow()
    task.time_limit_days = limit
    task.due_date = add_working_days(today, limit)
    add_event(session, task, "released", prev, actor_role, actor)
    _enqueue(session, task, "task.released")


def release_unblocked(
    session: Session, case: Case, actor_role: str = "system", actor: str | None = None
) -> list[Task]:
    done = {t.item_key for t in case.tasks if t.status == "completed"}
    released = []
    for task in case.tasks:
        if task.status == "waiting" and all(w in done for w in task.waits_for):
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
        rejected = {t.item_key for t in case.tasks if t.status == "rejected"}
        for task in case.tasks:
            blockers = [w for w in task.waits_for if w in rejected]
            if task.status == "waiting" and blockers:
                names = "、".join(cat.items[b].colloquial_name if b in cat.items else b for b in blockers)
                task.status = "rejected"
                task.note = f"前置事项“{names}”未能办理，这件事项无法继续。"
                add_event(
                    session, task, "rejected_with_prerequisite", "waiting", actor_role, actor, task.note
                )
                closed.append(task)
                changed = True
    return closed


def refresh_case_status(case: Case) -> None:
    if case.status == CASE_OPEN and case.tasks and all(t.status in TERMINAL for t in case.tasks):
        case.status = CASE_COMPLETED
        case.completed_at = clock.utcnow()
        case.open_deceased_hash = None  # a new case for this deceased may now be opened


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
    from api.cases.service import notify

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
        if task.status == "waiting":
            msg = "这件事项还在等待前置事项办结，暂时不能办理。"
        elif task.status in TERMINAL:
            msg = f"这件事项已经{STATUS_TEXT[task.status]}，不能再“{ACTION_TEXT[action]}”。"
        else:
            msg = f"这件事项当前状态是“{STATUS_TEXT[task.status]}”，不能直接“{ACTION_TEXT[action]}”。"
        raise ApiError(
            409,
            "illegal_transition",
            msg,
            details={"status": task.status, "action": action, "allowed_from": list(rule.sources)},
        )
    if action in ("request_supplement", "reject") and not (note and note.strip()):
        raise ApiError(422, "note_required", "请在 note 中写明需要补充什么或不予办理的原因，方便家属照办。")
    case = task.case
    prev = task.status
    task.status = rule.target
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
    add_event(session, task, action, prev, actor_role, actor, note)
    if rule.outbox:
        _enqueue(session, task, f"task.{action}")
    if action == "complete":
        release_unblocked(session, case, actor_role, actor)
    if action == "reject":
        reject_dependents(session, case, actor_role, actor)
    refresh_case_status(case)
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
