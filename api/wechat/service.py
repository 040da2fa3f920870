"""wx.login's code → WeChat's jscode2session → our own opaque session.

Nothing WeChat returns reaches the client: the ``session_key`` is dropped at once (nothing here
decrypts WeChat's user data), and the openid travels only **inside** our session, sealed with
AES-256-GCM under a key derived from SECRET_KEY (label ``wechat-session/v1``). The session is
``wx1.<base64url(nonce || ciphertext || tag)>``; the client cannot read or alter it, and the server
stores nothing (like the progress sessions of api/cases/progress_code.py). Where an account needs to be
compared or indexed, ``user_ref`` is a keyed hash of the openid (``lookup_hash``), never the openid.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass

import httpx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from api import clock, outbound
from api.errors import ApiError
from api.security import config
from api.security.crypto import lookup_hash
from api.wechat.config import WeChatSettings

log = logging.getLogger(__name__)

PREFIX = "wx1."
# WeChat's error codes of jscode2session, in words a family can act on
CODE_INVALID = {40029, 40163, 40226}  # invalid, already used, or a blocked user's code
BUSY = {-1, 45011}  # system busy, too frequent


@dataclass(frozen=True)
class WeChatSession:
    token: str
    expires_at: int  # Unix seconds
    user_ref: str


def _aead() -> AESGCM:
    return AESGCM(config.derive("wechat-session/v1"))


def user_ref(openid: str) -> str:
    return lookup_hash(f"wechat-openid/v1/{openid}")


def seal(openid: str, hours: int, now: float | None = None) -> WeChatSession:
    expires = int((now if now is not None else clock.now().timestamp()) + hours * 3600)
    nonce = os.urandom(12)
    payload = json.dumps({"o": openid, "e": expires}, separators=(",", ":")).encode()
    blob = nonce + _aead().encrypt(nonce, payload, PREFIX.encode())
    token = PREFIX + base64.urlsafe_b64encode(blob).decode().rstrip("=")
    return WeChatSession(token=token, expires_at=expires, user_ref=user_ref(openid))


def open_session(token: str, now: float | None = None) -> tuple[str, int] | None:
    """(openid, expiry) of a valid, unexpired session, else None."""
    if not token.startswith(PREFIX) or len(token) > 512:
        return None
    data = token[len(PREFIX) :]
    try:
        blob = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        payload = json.loads(_aead().decrypt(blob[:12], blob[12:], PREFIX.encode()))
        openid, expires = str(payload["o"]), int(payload["e"])
    except (InvalidTag, ValueError, KeyError, TypeError):
        return None
    if expires < (now if now is not None else clock.now().timestamp()):
        return None
    return openid, expires


def _unavailable(code: str, message: str) -> ApiError:
    return ApiError(503, code, message, headers={"Retry-After": "30"})


async def exchange_code(settings: WeChatSettings, code: str) -> WeChatSession:
    """Calls jscode2session; raises ApiError with a Chinese message on every failure."""
    if not settings.configured:
        raise _unavailable(
            "wechat_not_configured", "微信登录尚未开通。您仍可以直接使用聊天和查询功能，或拨打 12345 咨询。"
        )
    params = {
        "appid": settings.wechat_mp_appid.strip(),
        "secret": settings.wechat_mp_secret.strip(),
        "js_code": code,
        "grant_type": "authorization_code",
    }
    try:
        r = await outbound.client().get(
            f"{settings.api_base.rstrip('/')}/sns/jscode2session",
            params=params,
            timeout=settings.wechat_api_timeout,
        )
        data = r.json()
    except httpx.TimeoutException:
        log.warning("wechat jscode2session timed out after %s s", settings.wechat_api_timeout)
        raise _unavailable("wechat_timeout", "微信服务暂时没有响应，请稍等片刻再试。") from None
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("wechat jscode2session failed: %s", type(exc).__name__)
        raise _unavailable("wechat_unavailable", "暂时连不上微信服务，请稍后再试。") from None
    if not isinstance(data, dict):
        raise _unavailable("wechat_unavailable", "暂时连不上微信服务，请稍后再试。")
    errcode = int(data.get("errcode") or 0)
    openid = data.get("openid")
    if errcode == 0 and isinstance(openid, str) and openid:
        # the session_key is not kept anywhere: nothing here needs WeChat's encrypted user data
        return seal(openid, settings.wechat_session_hours)
    log.warning("wechat jscode2session refused: errcode=%s", errcode)
    if errcode in CODE_INVALID:
        raise ApiError(401, "wechat_code_invalid", "微信登录已失效，请关闭小程序后重新打开再试。")
    if errcode in BUSY:
        raise _unavailable("wechat_busy", "微信服务繁忙，请稍等片刻再试。")
    raise _unavailable("wechat_refused", "微信登录暂时没有成功，请稍后再试，或拨打 12345 咨询。")
