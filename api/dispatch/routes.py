"""Administrators: outbox events by status (dead letters) and retrying them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.access.auth import Principal, require_roles
from api.clock import utcnow
from api.db import get_session
from api.dispatch.deliverer import lifespan
from api.errors import ApiError, error_responses
from api.outbox.service import OutboxEvent
from api.security.audit import record_access

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], lifespan=lifespan)

ERRORS = error_responses(401, 403, s403="只有管理员可以查看")


class OutboxEventOut(BaseModel):
    id: int
    event_id: str
    task_id: int
    department: str
    event: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    last_status_code: int | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    payload: dict[str, Any]


class OutboxList(BaseModel):
    total: int
    counts: dict[str, int]
    events: list[OutboxEventOut]


def _out(row: OutboxEvent) -> OutboxEventOut:
    return OutboxEventOut.model_validate(row, from_attributes=True)


@router.get(
    "/outbox", response_model=OutboxList, summary="分派事件（如 status=dead 查看死信）", responses=ERRORS
)
def list_outbox(
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("admin"))],
    status: Annotated[
        Literal["pending", "delivering", "delivered", "dead"] | None, Query(description="只看某个状态")
    ] = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> OutboxList:
    q = select(OutboxEvent)
    if status:
        q = q.where(OutboxEvent.status == status)
    if department:
        q = q.where(OutboxEvent.department == department)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(OutboxEvent.id.desc()).limit(limit).offset(offset)).all()
    counts = dict(
        session.execute(select(OutboxEvent.status, func.count()).group_by(OutboxEvent.status)).all()
    )
    record_access(session, principal, "list", "outbox", status or "all")
    session.commit()
    return OutboxList(total=total, counts=counts, events=[_out(r) for r in rows])


@router.post(
    "/outbox/{event_id}/retry",
    response_model=OutboxEventOut,
    summary="重新投递一条死信（或立即重试一条待投递事件）",
    responses={**ERRORS, 404: {"description": "没有这条事件"}, 409: {"description": "已投递或正在投递"}},
)
def retry_outbox(
    event_id: Annotated[int, Path(ge=1, le=2_000_000_000, description="事件序号 id")],
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("admin"))],
) -> OutboxEventOut:
    row = session.scalar(select(OutboxEvent).where(OutboxEvent.id == event_id).with_for_update())
    if row is None:
        raise ApiError(404, "outbox_event_not_found", "没有这条分派事件，请核对编号。")
    if row.status not in ("dead", "pending"):
        text = {"delivered": "已经投递成功", "delivering": "正在投递中"}[row.status]
        raise ApiError(409, "outbox_not_retryable", f"这条事件{text}，不需要重试。")
    now = utcnow()
    row.status = "pending"
    row.attempts = 0  # a fresh set of attempts; the event id stays the same
    row.next_attempt_at = now
    row.updated_at = now
    record_access(session, principal, "retry", "outbox_event", str(row.id))
    session.commit()
    return _out(row)
