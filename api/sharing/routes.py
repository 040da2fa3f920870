"""POST /api/v1/death-records and POST /api/v1/relationship-verifications (data sharing)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends
from sqlalchemy.orm import Session

from api.access.auth import Principal, require_roles
from api.catalog.loader import get_catalog
from api.db import get_session
from api.errors import ApiError, error_responses
from api.proactive.sender import send_now
from api.security.audit import record_access
from api.sharing import service
from api.sharing.schemas import DeathRecordIn, DeathRecordOut, RelationshipIn, RelationshipOut

router = APIRouter(prefix="/api/v1", tags=["data sharing"])

# 民政 and 公安 hold marriage, household and birth registers.
RELATIONSHIP_SOURCES = ("civil_affairs", "public_security")
ERRORS = error_responses(401, 403, s403="无权推送")


def _sharing_department(principal: Principal) -> str:
    dept = get_catalog().departments.get(principal.department or "")
    if dept is None or not dept.shares_death_records:
        raise ApiError(403, "forbidden", "只有卫生健康、公安、民政部门可以推送死亡和火化信息。")
    return dept.key


@router.post(
    "/death-records",
    status_code=201,
    response_model=DeathRecordOut,
    summary="部门推送死亡或火化信息（卫健、公安、民政）",
    responses=ERRORS,
)
def push_death_record(
    body: DeathRecordIn,
    background: BackgroundTasks,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("department"))],
) -> DeathRecordOut:
    dept = _sharing_department(principal)
    out = service.push_death_record(session, dept, body)
    record_access(session, principal, "push", "death_record", str(out["id"]))
    session.commit()
    if out.get("invitation") == "queued" and out.get("invitation_id"):
        # sent after the answer (inside the sending window; at night the sender loop sends it later)
        background.add_task(send_now, [out["invitation_id"]])
    return DeathRecordOut.model_validate(out)


@router.post(
    "/relationship-verifications",
    status_code=201,
    response_model=RelationshipOut,
    summary="部门核实申请人与逝者的亲属关系（民政、公安）",
    responses=ERRORS,
)
def push_relationship(
    body: RelationshipIn,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("department"))],
) -> RelationshipOut:
    if principal.department not in RELATIONSHIP_SOURCES:
        raise ApiError(403, "forbidden", "只有民政、公安部门可以核实亲属关系。")
    out = service.push_relationship(session, principal.department, body)
    record_access(session, principal, "push", "relationship_verification", str(out["id"]))
    session.commit()
    return RelationshipOut.model_validate(out)
