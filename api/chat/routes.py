"""POST /api/v1/chat (the widget's one origin for the assistant), GET /api/v1/chat/phrases,
POST /api/v1/chat/ratings (有帮助 / 没帮助)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.catalog.loader import get_catalog
from api.chat import service
from api.chat.schemas import AnswerRatingIn, AnswerRatingOut, ChatIn, ChatOut, Phrases
from api.db import get_session
from api.errors import error_responses
from api.security.ratelimit import rate_limit

router = APIRouter(prefix="/api/v1/chat", tags=["chat"])


@router.post(
    "",
    response_model=ChatOut,
    response_model_exclude_none=True,
    summary="网站聊天窗口：把家属的话转给在线助手，返回助手的回答",
    responses={
        **error_responses(422, 429),
        503: {"description": "在线助手暂时没有响应"},
    },
    dependencies=[Depends(rate_limit("chat", setting="RATE_LIMIT_CHAT", what="发送"))],
)
async def chat(body: ChatIn) -> ChatOut:
    return ChatOut.model_validate({"messages": await service.forward(body.sender, body.message)})


@router.get("/phrases", response_model=Phrases, summary="边输入边提示用的事项说法，以及常见问题")
def phrases() -> Phrases:
    return Phrases.model_validate(service.phrases(get_catalog()))


@router.post(
    "/ratings",
    status_code=201,
    response_model=AnswerRatingOut,
    summary="对助手的一条回答评价：有帮助 / 没帮助",
    responses=error_responses(422, 429),
    dependencies=[Depends(rate_limit("chat_rating", setting="RATE_LIMIT_CHAT", what="评价"))],
)
def rate_answer(body: AnswerRatingIn, session: Annotated[Session, Depends(get_session)]) -> AnswerRatingOut:
    try:
        service.rate_answer(session, body.sender, body.message_id, body.helpful, body.answer)
        session.commit()
    except IntegrityError:  # the same answer rated twice at the same moment: the other one stands
        session.rollback()
    message = (
        "谢谢您的反馈。" if body.helpful else "谢谢您告诉我们，我们会改进这个回答。您也可以拨打 12345 咨询。"
    )
    return AnswerRatingOut(helpful=body.helpful, message=message)
