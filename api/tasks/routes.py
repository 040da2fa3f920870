"""Department endpoints: list own tasks, read one, transition it (X-Api-Key per department)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from api import clock
from api.access.auth import TASK_NOT_FOUND, Principal, applicant_task, require_roles
from api.cases.models import Case
from api.cases.routes import case_lookup_limit
from api.cases.schemas import StrictIn, TaskOut
from api.catalog.loader import get_catalog
from api.db import get_session
from api.errors import ApiError, error_responses
from api.security.audit import record_access
from api.tasks import service
from api.tasks.models import TERMINAL, Task, TaskStatus
from api.tasks.schemas import DepartmentTask, DepartmentTaskDetail, TaskList, TransitionIn

router = APIRouter(prefix="/api/v1", tags=["departments"])

ERRORS = error_responses(401, 403, 404)


def department_task(task: Task) -> dict[str, Any]:
    """A task as its department sees it: task_out plus the case's masked particulars."""
    case = task.case
    out = service.task_out(task)
    out.update(
        case_no=case.case_no,
        staff_id=task.staff_id,
        deceased_name=case.deceased_name_masked,
        deceased_id_number=case.deceased_id_masked,
        death_date=case.death_date,
        applicant_name=case.applicant_name_masked,
        applicant_phone=case.applicant_phone_masked,
        relationship=case.relationship,
        released_at=task.released_at,
    )
    return out


def _own_task(session: Session, principal: Principal, task_id: int, for_update: bool = False) -> Task:
    if for_update:
        # Lock the case row first: transitions of one case run one after another, so two
        # departments completing two prerequisites at once cannot both miss the release of the
        # task waiting for both (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers).
        case_id = session.scalar(select(Task.case_id).where(Task.id == task_id))
        if case_id is not None:
            session.execute(select(Case.id).where(Case.id == case_id).with_for_update())
    q = select(Task).where(Task.id == task_id).options(selectinload(Task.case).selectinload(Case.tasks))
    if for_update:
        q = q.with_for_update().execution_options(populate_existing=True)
    task = session.scalar(q)
    if task is None or (principal.role == "department" and task.department != principal.department):
        # another department's task looks exactly like a missing one
        raise ApiError(404, "task_not_found", TASK_NOT_FOUND)
    return task


@router.get(
    "/departments/{dept}/tasks",
    response_model=TaskList,
    summary="本部门的任务（只能看到自己部门的）",
    responses=ERRORS,
)
def list_tasks(
    dept: Annotated[str, Path(max_length=64)],
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("department", "admin"))],
    status: Annotated[TaskStatus | None, Query(description="只看某个状态")] = None,
    open_only: Annotated[bool, Query(description="只看未办结的")] = False,
    overdue: Annotated[bool | None, Query(description="true 只看未办结且已超期的；false 只看其余的")] = None,
    item: Annotated[str | None, Query(max_length=64, description="只看某个事项")] = None,
    case_no: Annotated[str | None, Query(max_length=40, description="只看某个案件")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TaskList:
    if principal.role == "department" and principal.department != dept:
        raise ApiError(403, "forbidden", "只能查看本部门的任务。")
    if dept not in get_catalog().departments:
        raise ApiError(404, "department_not_found", "没有这个部门。")
    q = select(Task).where(Task.department == dept)
    if status:
        q = q.where(Task.status == status)
    if open_only:
        q = q.where(Task.status.not_in(TERMINAL))
    if item:
        if item not in get_catalog().items:
            raise ApiError(422, "unknown_item", "不认识这个事项，请用 GET /api/v1/items 查看事项键。")
        q = q.where(Task.item_key == item)
    if case_no:
        from api.cases.numbers import normalize_case_no

        q = q.join(Case).where(Case.case_no == (normalize_case_no(case_no) or "-"))
    if overdue is not None:
        today = clock.today()
        late = Task.status.not_in(TERMINAL) & Task.due_date.is_not(None) & (Task.due_date < today)
        q = q.where(late if overdue else ~late)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(
        q.options(selectinload(Task.case))
        .order_by(Task.due_date.is_(None), Task.due_date, Task.id)
        .limit(limit)
        .offset(offset)
    ).all()
    record_access(session, principal, "list", "department_tasks", dept)
    session.commit()
    return TaskList(
        department=dept, total=total, tasks=[DepartmentTask.model_validate(department_task(t)) for t in rows]
    )


@router.get(
    "/tasks/{task_id}",
    response_model=DepartmentTaskDetail,
    summary="一件任务及其办理记录",
    responses=ERRORS,
)
def get_task(
    task_id: Annotated[int, Path(ge=1, le=2_000_000_000)],
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("department", "window_staff", "admin"))],
) -> DepartmentTaskDetail:
    task = _own_task(session, principal, task_id)
    record_access(session, principal, "read", "task", str(task.id))
    session.commit()
    return _detail(task)


def _detail(task: Task) -> DepartmentTaskDetail:
    out = department_task(task)
    out["events"] = [
        {
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "actor_role": e.actor_role,
            "actor": e.actor,
            "note": e.note,
            "at": e.at,
        }
        for e in task.events
    ]
    return DepartmentTaskDetail.model_validate(out)


@router.post(
    "/tasks/{task_id}/transition",
    response_model=DepartmentTaskDetail,
    summary="受理、办结、要求补正、补正后重新提交、不予办理",
    responses={**ERRORS, 409: {"description": "状态不允许，或已被别人改过（版本冲突）"}},
)
def transition_task(
    task_id: Annotated[int, Path(ge=1, le=2_000_000_000)],
    body: TransitionIn,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("department", "window_staff", "admin"))],
) -> DepartmentTaskDetail:
    # Window staff may only record a family's supplement (resubmit); departments do the rest.
    if principal.role == "window_staff" and body.action != "resubmit":
        raise ApiError(
            403, "forbidden", "窗口工作人员只能为家属登记补充材料（resubmit），其他操作由承办部门办理。"
        )
    task = _own_task(session, principal, task_id, for_update=True)
    actor = principal.department if principal.role == "department" else principal.staff_id
    try:
        service.transition(
            session,
            task,
            body.action,
            body.version,
            actor_role=principal.role,
            actor=actor,
            result=body.result,
            note=body.note,
            staff_id=body.staff_id or (principal.staff_id if principal.role != "department" else None),
        )
        record_access(session, principal, body.action, "task", str(task.id))
        session.commit()
    except StaleDataError:
        session.rollback()
        raise ApiError(409, "version_conflict", "这件事项刚刚被别人处理过，请刷新后再操作。") from None
    except ApiError:
        session.rollback()
        raise
    # answered from the task just changed: reading it again cost a second query of every task of
    # the case, a second audit row and a second commit (18 → 14 statements on PostgreSQL)
    return _detail(task)


class SupplementIn(StrictIn):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(
        min_length=1, max_length=500, description="补充了什么，如“已上传结婚证照片”“已到窗口补交”"
    )


@router.post(
    "/cases/{case_no}/tasks/{item}/resubmit",
    response_model=TaskOut,
    summary="家属补充材料后重新提交（申请人凭查询码）",
    responses={
        **ERRORS,
        409: {"description": "这件事项当前不需要补充材料"},
        429: {"description": "失败的尝试太多"},
    },
    dependencies=[Depends(case_lookup_limit)],
)
def applicant_resubmit(
    case_no: Annotated[str, Path(max_length=40)],
    item: Annotated[str, Path(max_length=64)],
    body: SupplementIn,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("applicant"))],
) -> TaskOut:
    task_id = applicant_task(session, principal, case_no, item).id
    task = _own_task(session, principal, task_id, for_update=True)
    if task.status != TaskStatus.SUPPLEMENT_REQUESTED:
        raise ApiError(409, "no_supplement_requested", "这件事项目前不需要补充材料，请留意部门的通知。")
    try:
        service.transition(
            session, task, "resubmit", task.version, actor_role="applicant", actor=None, note=body.note
        )
        record_access(session, principal, "resubmit", "task", str(task.id))
        session.commit()
    except StaleDataError:
        session.rollback()
        raise ApiError(409, "version_conflict", "部门刚刚处理过这件事项，请刷新后再看。") from None
    return TaskOut.model_validate(service.task_out(task))
