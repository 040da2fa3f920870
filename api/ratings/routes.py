"""POST /api/v1/cases/{case_no}/ratings: the family rates a completed item and its staff member."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import clock
from api.access.auth import Principal, applicant_task, require_roles
from api.cases.routes import case_lookup_limit
from api.db import get_session
from api.errors import ApiError
from api.identity import mask_text
from api.ratings.models import Rating
from api.ratings.schemas import RatingIn, RatingOut
from api.security.audit import record_access
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
        200: {"description": "同一评价重复提交（重试）：返回已记录的评价，不重复记录", "model": RatingOut},
        409: {"description": "未办结，或已作出不同的评价"},
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
    comment = mask_text(body.comment) if body.comment else None
    staff_score = body.staff_score if body.staff_score is not None else body.score
    existing = session.scalar(select(Rating).where(Rating.task_id == task.id))
    if existing is not None:
        return _replay_or_refuse(existing, body.score, staff_score, comment)
    rating = Rating(
        case_id=task.case_id,
        task_id=task.id,
        item_key=task.item_key,
        department=task.department,
        staff_id=task.staff_id,
        score=body.score,
        staff_score=staff_score,
        comment=comment,
        created_at=clock.utcnow(),
    )
    session.add(rating)
    try:
        session.flush()
    except IntegrityError:
        # the same family's retry (or a second tab) won the race: answer as its replay, or 409
        session.rollback()
        existing = session.scalar(select(Rating).where(Rating.task_id == task.id))
        if existing is None:
            raise
        return _replay_or_refuse(existing, body.score, staff_score, comment)
    record_access(session, principal, "rate", "task", str(task.id))
    session.commit()
    return _out(rating)


ALREADY_RATED = "这件事项您已经评价过了，感谢您的反馈。"


def _out(rating: Rating, replay: bool = False) -> RatingOut:
    msg = "感谢您的评价，我们会认真改进。" if rating.score <= 2 else "感谢您的评价。"
    return RatingOut(
        id=rating.id,
        item=rating.item_key,
        department=rating.department,
        staff_id=rating.staff_id,
        score=rating.score,
        staff_score=rating.staff_score,
        comment=rating.comment,
        created_at=rating.created_at,
        message=("您的评价已经收到，不会重复记录。" if replay else msg),
        replayed=replay,
    )


def _replay_or_refuse(existing: Rating, score: int, staff_score: int, comment: str | None) -> Any:
    """One rating per case and item. The same rating sent again (a retry after a lost answer, a
    double tap) gets the stored one back with 200 and adds nothing; a different one is a 409."""
    if (existing.score, existing.staff_score, existing.comment) == (score, staff_score, comment):
        return JSONResponse(_out(existing, replay=True).model_dump(mode="json"), status_code=200)
    raise ApiError(409, "already_rated", ALREADY_RATED)
