"""GET /api/v1/stats (administrators' X-Staff-Token) and GET /api/v1/supervision/stats (the supervisor
dashboard's signed-in staff: supervisors, regional administrators, administrators), one computation.

Scope: a signed-in account with a region (a 市州 or county supervisor, a regional administrator) sees
the cases of its region and below only; asking for another region is a 403. An administrator (and a
supervisor of the province) sees the province or any region it names.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.access.auth import Principal, require_roles
from api.catalog.loader import get_catalog
from api.db import get_session
from api.errors import ApiError, error_responses
from api.security.audit import record_access
from api.staff.auth import require_staff
from api.stats.queries import region_prefix
from api.stats.schemas import Stats
from api.stats.service import compute

router = APIRouter(prefix="/api/v1", tags=["statistics"])

SUPERVISION_ROLES = ("supervisor", "regional_admin", "admin")

Since = Annotated[dt.date | None, Query(description="统计起始日期（含），按案件提交日（中国时间）")]
Until = Annotated[dt.date | None, Query(description="统计截止日期（含）")]
Region = Annotated[
    str | None,
    Query(min_length=6, max_length=6, pattern=r"^\d{6}$", description="只看这个地区（含下级）的行政区划代码"),
]


def scope_for(principal: Principal, asked: str | None) -> str | None:
    """The region the caller may see: its own (and below) for an account with a region."""
    if asked is not None and not get_catalog().knows_region(asked):
        raise ApiError(422, "unknown_region", "没有这个地区代码，请从贵州省的市州、县（区）中选择。")
    own = principal.region if principal.role in ("supervisor", "regional_admin") else None
    if own is None or len(region_prefix(own)) <= 2:
        return asked if asked and len(region_prefix(asked)) > 2 else None
    if asked is None:
        return own
    if not region_prefix(asked).startswith(region_prefix(own)):
        raise ApiError(403, "outside_region", "您只能查看本地区的统计。")
    return asked


def _stats(
    session: Session, principal: Principal, since: dt.date | None, until: dt.date | None, region: str | None
) -> Stats:
    if since and until and since > until:
        raise ApiError(422, "invalid_range", "起始日期不能晚于截止日期。")
    scope = scope_for(principal, region)
    out = compute(session, since, until, scope)
    record_access(session, principal, "read", "stats", scope or "province")
    session.commit()
    return Stats.model_validate(out)


@router.get(
    "/stats",
    response_model=Stats,
    summary="统计：案件数、按事项/部门/地区/经办人的办理用时与时限、超期、好差评、每周案件、节省的材料",
    responses=error_responses(401, 403, s403="无权查看"),
)
def stats(
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("admin"))],
    since: Since = None,
    until: Until = None,
    region: Region = None,
) -> Stats:
    return _stats(session, principal, since, until, region)


@router.get(
    "/supervision/stats",
    response_model=Stats,
    summary="监督看板的统计（登录的监督人员、地区管理员、管理员；地区账号只看本地区）",
    responses=error_responses(401, 403, s403="无权查看，或不是本地区"),
)
def supervision_stats(
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_staff(*SUPERVISION_ROLES))],
    since: Since = None,
    until: Until = None,
    region: Region = None,
) -> Stats:
    return _stats(session, principal, since, until, region)
