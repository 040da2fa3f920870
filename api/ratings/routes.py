"""POST /api/v1/cases/{case_no}/ratings: the family rates a completed item and its staff member."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import clock
from api.cases.routes import case_lookup_limit
from api.db import get_session
from api.errors import ApiError
from api.identity import mask_text
from api.ratings.models import Rating
from api.ratings.schemas import RatingIn, RatingOut
from api.security.audit import record_access
from api.security.auth import Principal, applicant_task, require_roles
from api.tasks.models import TaskStatus

router = APIRouter(prefix="/api/v1", tags=["ratings"])


@router.post(
    "/cases/{case_no}/ratings",
    status_code=201,
    response_model=RatingOut,
    summary="好差评：对已办结的事项和经办人评价",
    responses={
        401: {"description": "缺少或无效的凭证"},
        403: {"description": "无权评价"},
        404: {"description": "没有找到"},
        409: {"description": "未办结或已评价"},
        429: {"description": "失败的尝试太多"},
    },
    dependencies=[Depends(case_lookup_limit)],
)
def rate(
    case_no: Annotated[str, Path(max_length=40)],
    body: RatingIn,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("applicant"))],
) -> RatingOut:
    task = applicant_task(session, principal, case_no, body.item)
    if task.status != TaskStatus.COMPLETED:
        raise ApiError(409, "not_completed", "这件事项还没有办结，办结后再来评价吧。")
    if session.scalar(select(Rating.id).where(Rating.task_id == task.id)) is not None:
        raise ApiError(409, "already_rated", "这件事项您已经评价过了，感谢您的反馈。")
    rating = Rating(
        case_id=task.case_id,
        task_id=task.id,
        item_key=task.item_key,
        department=task.department,
        staff_id=task.staff_id,
        score=body.score,
        staff_score=body.staff_score if body.staff_score is not None else body.score,
        comment=mask_text(body.comment) if body.comment else None,
        created_at=clock.utcnow(),
    )
    session.add(rating)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise ApiError(409, "already_rated", "这件事项您已经评价过了，感谢您的反馈。") from None
    record_access(session, principal, "rate", "task", str(task.id))
    session.commit()
    msg = "感谢您的评价，我们会认真改进。" if body.score <= 2 else "感谢您的评价。"
    return RatingOut(
        id=rating.id,
        item=rating.item_key,
        department=rating.department,
        staff_id=rating.staff_id,
        score=rating.score,
        staff_score=rating.staff_score,
        comment=rating.comment,
        created_at=rating.created_at,
        message=msg,
    )
