"""Settings of the WeChat sign-in, from the environment (read on each use, so tests can change them).

- ``WECHAT_API_BASE``   WeChat's API, default ``https://api.weixin.qq.com`` (a local fake in tests).
- ``WECHAT_MP_APPID``, ``WECHAT_MP_SECRET``  the mini-program's AppID and AppSecret (never in a file);
  unset → the endpoint answers 503 "微信登录尚未开通".
- ``WECHAT_API_TIMEOUT``  seconds for the call to WeChat (default 5).
- ``WECHAT_SESSION_HOURS``  lifetime of our session (default 24, at most 720).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_API_BASE = "https://api.weixin.qq.com"


class WeChatSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    wechat_api_base: str = DEFAULT_API_BASE
    wechat_mp_appid: str = ""
    wechat_mp_secret: str = ""
    wechat_api_timeout: float = Field(default=5.0, gt=0, le=30)
    wechat_session_hours: int = Field(default=24, ge=1, le=720)

    @property
    def configured(self) -> bool:
        return bool(self.wechat_mp_appid.strip() and self.wechat_mp_secret.strip())

    @property
    def api_base(self) -> str:
        return (self.wechat_api_base.strip() or DEFAULT_API_BASE).rstrip("/")


def wechat_settings() -> WeChatSettings:
    return WeChatSettings()
