"""GET /api/v1/stats (administrators)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.db import get_session
from api.errors import ApiError
from api.security.audit import record_access
from api.security.auth import Principal, require_roles
from api.stats.schemas import Stats
from api.stats.service import compute

router = APIRouter(prefix="/api/v1", tags=["statistics"])


@router.get(
    "/stats",
    response_model=Stats,
    summary="统计：案件数、按事项/部门/经办人的办理用时与时限、超期、好差评",
    responses={401: {"description": "缺少或无效的凭证"}, 403: {"description": "无权查看"}},
)
def stats(
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("admin"))],
    since: Annotated[dt.date | None, Query(description="统计起始日期（含），按案件提交日")] = None,
    until: Annotated[dt.date | None, Query(description="统计截止日期（含）")] = None,
) -> Stats:
    if since and until and since > until:
        raise ApiError(422, "invalid_range", "起始日期不能晚于截止日期。")
    out = compute(session, since, until)
    record_access(session, principal, "read", "stats", "-")
    session.commit()
    return Stats.model_validate(out)
