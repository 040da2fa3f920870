"""Administrators: the audit log (who accessed which personal data, when)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.access.auth import Principal, require_roles
from api.db import get_session
from api.errors import error_responses
from api.security.audit import record_access
from api.security.models import AuditLog
from api.security.ratelimit import check_at_start_up

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], lifespan=check_at_start_up)

ERRORS = error_responses(401, 403, s403="只有管理员可以查看")


class AuditEntry(BaseModel):
    id: int
    at: dt.datetime
    role: str
    staff_id: str | None
    department: str | None
    actor_case_no: str | None
    action: str
    object_type: str
    object_id: str
    request_id: str | None


class AuditPage(BaseModel):
    total: int
    entries: list[AuditEntry]


@router.get("/audit", response_model=AuditPage, summary="个人信息访问审计日志", responses=ERRORS)
def list_audit(
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("admin"))],
    object_type: Annotated[str | None, Query(max_length=48)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    role: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AuditPage:
    q = select(AuditLog)
    if object_type:
        q = q.where(AuditLog.object_type == object_type)
    if object_id:
        q = q.where(AuditLog.object_id == object_id)
    if role:
        q = q.where(AuditLog.role == role)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    rows = session.scalars(q.order_by(AuditLog.id.desc()).limit(limit).offset(offset)).all()
    page = AuditPage(total=total, entries=[AuditEntry.model_validate(r, from_attributes=True) for r in rows])
    record_access(session, principal, "list", "audit_log", object_type or "all")
    session.commit()
    return page
