"""The department workbench: the page /workbench/department and its JSON routes (signed-in department
clerks only, api.staff). A clerk acts exactly like its department's X-Api-Key: only its own tasks, every
status change through the task lifecycle, every reveal of personal data in the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from api import clock
from api.access.auth import TASK_NOT_FOUND, Principal, ensure_task_department
from api.cases.models import Case
from api.cases.notify import notify
from api.cases.numbers import normalize_case_no
from api.cases.schemas import DeliveryOut
from api.catalog.loader import get_catalog
from api.db import get_session
from api.delivery import service as delivery
from api.delivery.schemas import MailingIn
from api.errors import ApiError, error_responses
from api.security.audit import record_access
from api.staff.auth import require_staff, staff_page
from api.tasks import service as lifecycle
from api.tasks.models import Task
from api.workbench import service
from api.workbench.pages import SCRIPT_PATH, department_page
from api.workbench.schemas import AcceptIn, CompleteIn, QueueOut, RejectIn, RevealIn, RevealOut, SupplementIn

router = APIRouter(tags=["workbench"])
ERRORS = error_responses(401, 403, 404, 409, 422)
Clerk = Annotated[Principal, Depends(require_staff("department"))]
TaskId = Annotated[int, Path(ge=1, le=2_000_000_000)]


def _task(session: Session, principal: Principal, task_id: int, *, for_update: bool = False) -> Task:
    """The clerk's own task (another department's looks missing). For a change, the case row is locked
    first, as the department API does, so transitions of one case run one after another."""
    if for_update:
        case_id = session.scalar(select(Task.case_id).where(Task.id == task_id))
        if case_id is not None:
            session.execute(select(Case.id).where(Case.id == case_id).with_for_update())
    q = select(Task).where(Task.id == task_id).options(selectinload(Task.case).selectinload(Case.tasks))
    if for_update:
        q = q.with_for_update().execution_options(populate_existing=True)
    task = session.scalar(q)
    if task is None:
        raise ApiError(404, "task_not_found", TASK_NOT_FOUND)
    ensure_task_department(principal, task)
    return task


def _act(
    session: Session,
    principal: Principal,
    task_id: int,
    action: str,
    version: int,
    *,
    result: dict[str, Any] | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    task = _task(session, principal, task_id, for_update=True)
    if action == "complete":
        result = service.check_result(task.item_key, result or {})
    try:
        lifecycle.transition(
            session,
            task,
            action,
            version,
            actor_role="department",
            actor=principal.department,
            result=result,
            note=note,
            staff_id=principal.staff_id,
        )
        record_access(session, principal, action, "task", str(task.id))
        session.commit()
    except StaleDataError:
        session.rollback()
        raise ApiError(409, "version_conflict", "这件事项刚刚被别人处理过，请刷新后再操作。") from None
    except ApiError:
        session.rollback()
        raise
    return service.card(session, task, clock.today())


@router.get(
    "/api/v1/workbench/department/queue",
    response_model=QueueOut,
    summary="部门工作台：本部门待办任务（按到期日排序）",
    responses=error_responses(401, 403),
)
def department_queue(
    session: Annotated[Session, Depends(get_session)],
    principal: Clerk,
    case_no: Annotated[str | None, Query(max_length=40, description="只看这个案件（案件号）")] = None,
) -> QueueOut:
    dept = principal.department or ""
    today = clock.today()
    wanted = None
    if case_no is not None:
        wanted = normalize_case_no(case_no)
        if wanted is None:
            raise ApiError(
                422, "invalid_case_no", "案件号格式不对，请核对后再查（例如 SH20261129-00001-1）。"
            )
    tasks = service.queue(session, dept, wanted)
    cards = service.cards(session, tasks, today)
    record_access(session, principal, "list", "department_tasks", dept)
    session.commit()
    d = get_catalog().departments.get(dept)
    return QueueOut(
        department=dept,
        department_name=d.short_name if d else dept,
        today=today.isoformat(),
        total=len(cards),
        tasks=cards,
    )


@router.post("/api/v1/workbench/tasks/{task_id}/accept", summary="受理", responses=ERRORS)
def accept(
    task_id: TaskId, body: AcceptIn, session: Annotated[Session, Depends(get_session)], principal: Clerk
) -> dict[str, Any]:
    return _act(session, principal, task_id, "accept", body.version)


@router.post("/api/v1/workbench/tasks/{task_id}/complete", summary="办结并填写结果", responses=ERRORS)
def complete(
    task_id: TaskId, body: CompleteIn, session: Annotated[Session, Depends(get_session)], principal: Clerk
) -> dict[str, Any]:
    return _act(session, principal, task_id, "complete", body.version, result=body.result)


@router.post("/api/v1/workbench/tasks/{task_id}/supplement", summary="要求补充材料", responses=ERRORS)
def supplement(
    task_id: TaskId, body: SupplementIn, session: Annotated[Session, Depends(get_session)], principal: Clerk
) -> dict[str, Any]:
    task = _task(session, principal, task_id)
    note = service.supplement_note(task, body.materials, body.reason)
    return _act(session, principal, task_id, "request_supplement", body.version, note=note)


@router.post("/api/v1/workbench/tasks/{task_id}/reject", summary="不予办理", responses=ERRORS)
def reject(
    task_id: TaskId, body: RejectIn, session: Annotated[Session, Depends(get_session)], principal: Clerk
) -> dict[str, Any]:
    return _act(session, principal, task_id, "reject", body.version, note=body.reason)


@router.post(
    "/api/v1/workbench/tasks/{task_id}/reveal",
    response_model=RevealOut,
    summary="查看一项完整的个人信息（记入审计日志）",
    responses=ERRORS,
)
def reveal(
    task_id: TaskId, body: RevealIn, session: Annotated[Session, Depends(get_session)], principal: Clerk
) -> RevealOut:
    task = _task(session, principal, task_id)
    value = service.reveal(task, body.field, delivery.choice_of(session, task.case))
    record_access(session, principal, f"reveal_{body.field}", "task", str(task.id))
    session.commit()
    return RevealOut(field=body.field, label=service.REVEAL_TEXT[body.field], value=value)


@router.post(
    "/api/v1/workbench/tasks/{task_id}/mailing",
    response_model=DeliveryOut,
    summary="登记纸质原件的快递单号",
    responses=ERRORS,
)
def mailing(
    task_id: TaskId, body: MailingIn, session: Annotated[Session, Depends(get_session)], principal: Clerk
) -> DeliveryOut:
    task = _task(session, principal, task_id, for_update=True)
    row = delivery.record_mailing(session, task, body.carrier, body.tracking_no, principal.staff_id)
    item = get_catalog().items[task.item_key]
    notify(
        session,
        task.case,
        f"【一件事】您申请的“{item.colloquial_name}”纸质原件已寄出：{body.carrier}，单号 {body.tracking_no}。"
        "收到后请在办理进度页点“确认收到”。",
    )
    out = delivery.delivery_out(task, task.case, delivery.choice_of(session, task.case), row)
    record_access(session, principal, "mailing", "task", str(task.id))
    session.commit()
    return DeliveryOut.model_validate(out)


@router.get("/workbench/department", response_class=HTMLResponse, include_in_schema=False)
def department_workbench(who: Annotated[Principal | Response, Depends(staff_page("department"))]) -> Response:
    if isinstance(who, Response):
        return who
    d = get_catalog().departments.get(who.department or "")
    return HTMLResponse(department_page(who, d.short_name if d else (who.department or "")))


@router.get("/workbench/assets/department.js", include_in_schema=False)
def department_js() -> Response:
    return Response(
        SCRIPT_PATH.read_text(encoding="utf-8"),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )
