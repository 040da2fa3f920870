"""Bodies of the WeChat sign-in."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.cases.schemas import StrictIn


class WeChatLoginIn(StrictIn):
    code: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9_\-]+$",
        description="小程序 wx.login 得到的临时登录凭证",
    )


class WeChatSessionOut(BaseModel):
    session: str = Field(description="本系统的会话凭证（不透明，不含微信的 session_key 或 openid 明文）")
    expires_at: int = Field(description="过期时间（Unix 秒）")
    user: str = Field(description="本系统对该微信用户的匿名编号（不是 openid）")
