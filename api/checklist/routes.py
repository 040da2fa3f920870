"""POST /api/v1/checklist: what must I bring, and how long will it take?"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import create_model
from sqlalchemy.orm import Session

from api import clock
from api.catalog.loader import get_catalog
from api.checklist.engine import ChecklistInputError, build_checklist
from api.checklist.schemas import ChecklistRequestBase, ChecklistResult
from api.db import get_session
from api.errors import ApiError, error_responses
from api.regions.service import rules as regional_rules
from api.security.ratelimit import rate_limit

router = APIRouter(prefix="/api/v1", tags=["checklist"])

# The situation's fields and values come from knowledge/situation.yaml (catalog.md §3).
ChecklistRequest = create_model(
    "ChecklistRequest",
    __base__=ChecklistRequestBase,
    situation=(get_catalog().situation_model, ...),
)


def run_checklist(
    situation: dict,
    items: list[str] | None,
    start: dt.date | None,
    region: str | None,
    session: Session | None = None,
):
    """The checklist with the regional rules in force on the start date (when a session is given)."""
    start = start or clock.today()
    catalog = get_catalog()
    rules = (
        regional_rules(session, region, start)
        if session is not None and catalog.knows_region(region)
        else None
    )
    try:
        return build_checklist(catalog, situation, items, start, region, rules)
    except ChecklistInputError as exc:
        raise ApiError(422, "invalid_checklist", str(exc), details={"field": exc.field}) from None


@router.post(
    "/checklist",
    response_model=ChecklistResult,
    summary="材料清单、事项状态与办结时间估算",
    responses=error_responses(429),
    # per conversation (the assistant) or address; staff are not limited (RATE_LIMIT_CHECKLIST)
    dependencies=[Depends(rate_limit("checklist", setting="RATE_LIMIT_CHECKLIST"))],
)
def checklist(
    request: ChecklistRequest,  # type: ignore[valid-type]
    session: Annotated[Session, Depends(get_session)],
) -> ChecklistResult:
    return run_checklist(
        request.situation.model_dump(exclude_none=True),  # type: ignore[attr-defined]
        request.items,  # type: ignore[attr-defined]
        request.start_date,  # type: ignore[attr-defined]
        request.region,  # type: ignore[attr-defined]
        session,
    )
