"""The family's side of delivery: download a result document, confirm receipt."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.access.auth import (
    CASE_NOT_FOUND,
    Principal,
    applicant_task,
    ensure_case_access,
    ensure_task_department,
    require_roles,
)
from api.cases.routes import case_lookup_limit
from api.cases.schemas import DeliveryOut
from api.cases.service import find_case
from api.db import get_session
from api.delivery import service
from api.errors import ApiError, error_responses
from api.security.audit import record_access
from api.tasks.models import Task

router = APIRouter(prefix="/api/v1", tags=["delivery"])


def _task(session: Session, principal: Principal, case_no: str, item: str) -> Task:
    if principal.role == "applicant":
        return applicant_task(session, principal, case_no, item)
    case = find_case(session, case_no)
    if case is None:
        raise ApiError(404, "case_not_found", CASE_NOT_FOUND)
    ensure_case_access(principal, case)
    task = next((t for t in case.tasks if t.item_key == item), None)
    if task is None:
        raise ApiError(404, "item_not_in_case", "这个案件里没有这件事项，请核对事项名称。")
    ensure_task_department(principal, task)
    return task


@router.get(
    "/cases/{case_no}/tasks/{item}/document",
    summary="下载一件已办结事项的电子结果文书（PDF）",
    response_class=Response,
    responses={
        **error_responses(401, 403, 404, 409, 429),
        200: {"content": {"application/pdf": {}}, "description": "PDF"},
    },
    dependencies=[Depends(case_lookup_limit)],
)
def result_document(
    case_no: Annotated[str, Path(max_length=40)],
    item: Annotated[str, Path(max_length=64)],
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[
        Principal, Depends(require_roles("applicant", "department", "window_staff", "hotline_staff", "admin"))
    ],
) -> Response:
    task = _task(session, principal, case_no, item)
    if service.delivery_out(task, task.case, None, None) is None:
        raise ApiError(409, "not_completed", service.NOT_COMPLETED)
    data = service.render_document(task.case, task)
    record_access(session, principal, "download", "result_document", str(task.id))
    session.commit()
    name = f"result-{service.document_no(task.case, task)}.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.post(
    "/cases/{case_no}/tasks/{item}/receipt",
    response_model=DeliveryOut,
    summary="家属确认收到结果（邮寄的纸质原件或电子结果文书）",
    responses=error_responses(401, 403, 404, 409, 429),
    dependencies=[Depends(case_lookup_limit)],
)
def confirm_receipt(
    case_no: Annotated[str, Path(max_length=40)],
    item: Annotated[str, Path(max_length=64)],
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("applicant"))],
) -> DeliveryOut:
    task = applicant_task(session, principal, case_no, item)
    row = service.confirm_receipt(session, task)
    out = service.delivery_out(task, task.case, service.choice_of(session, task.case), row)
    record_access(session, principal, "confirm_receipt", "task", str(task.id))
    session.commit()
    return DeliveryOut.model_validate(out)
