"""POST /api/v1/wechat/session: the mini-program's wx.login code → our own session;
GET /api/v1/wechat/session: is this session still valid."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header

from api.errors import ApiError, error_responses
from api.security.ratelimit import rate_limit
from api.wechat import service
from api.wechat.config import wechat_settings
from api.wechat.schemas import WeChatLoginIn, WeChatSessionOut

router = APIRouter(prefix="/api/v1/wechat", tags=["wechat"])


@router.post(
    "/session",
    response_model=WeChatSessionOut,
    summary="微信小程序登录：用 wx.login 的 code 换取本系统的会话",
    responses={
        **error_responses(422, 429),
        401: {"description": "微信登录凭证无效或已使用"},
        503: {"description": "微信登录未开通，或微信服务暂时不可用"},
    },
    dependencies=[Depends(rate_limit("wechat_session", "30/minute", what="登录"))],
)
async def create_session(body: WeChatLoginIn) -> WeChatSessionOut:
    s = await service.exchange_code(wechat_settings(), body.code)
    return WeChatSessionOut(session=s.token, expires_at=s.expires_at, user=s.user_ref)


@router.get(
    "/session",
    response_model=WeChatSessionOut,
    summary="检查小程序会话是否仍然有效",
    responses=error_responses(401, 429),
    dependencies=[Depends(rate_limit("wechat_session_check", "60/minute", what="查询"))],
)
def check_session(authorization: Annotated[str, Header()] = "") -> WeChatSessionOut:
    token = authorization.removeprefix("Bearer ").strip()
    opened = service.open_session(token)
    if opened is None:
        raise ApiError(401, "wechat_session_invalid", "登录已过期，请关闭小程序后重新打开。")
    openid, expires = opened
    return WeChatSessionOut(session=token, expires_at=expires, user=service.user_ref(openid))
