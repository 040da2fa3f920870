"""The one client of the case API used by the actions.

Every call has a timeout. Two kinds of failure, so an action can word the answer:
- ``ApiUnavailable``: the API could not be reached, timed out or failed on its side (5xx). The family
  is told to try again later or call 12345; nothing collected is lost.
- ``ApiRefused``: the API answered with a 4xx. Its ``message`` is a sentence a family understands,
  chosen by the API's stable error ``code`` (``FAMILY_MESSAGES``); the API's own text, written for
  integrators and staff (it may name a field key or an enum value), stays in ``api_message`` for logs.

Every request carries the action server's service credential (``X-Assistant-Key``: ASSISTANT_API_KEY,
in development the API's development default) and the conversation's id (``X-Conversation-Id``: a
keyed hash of the Rasa sender id, never the id itself), so that the API's rate limits count each
conversation rather than the one address all chat families share (docs/security.md, rate limits).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import logging
import os
import re
import sys
import time
import weakref
from typing import Any

import httpx

from actions.clock import china_today

log = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8000"
_CACHE_SECONDS = 300.0
# A checklist is a pure function of the situation, the items, the catalog and China's date; one turn
# asks for the same one several times (the form's needed slots, the question, the summary).
_CHECKLIST_SECONDS = 30.0
_CACHE_MAX = 2048
# The same variable and the same development default as the API (api/security/config.py,
# DEV_ASSISTANT_API_KEY); a production API refuses to start without ASSISTANT_API_KEY and never
# accepts the default.
DEV_ASSISTANT_API_KEY = "dev-assistant-key-development-only"


def assistant_api_key() -> str:
    return os.environ.get("ASSISTANT_API_KEY", "").strip() or DEV_ASSISTANT_API_KEY


def conversation_id(sender_id: str) -> str:
    """What the API counts a conversation by: HMAC-SHA256 of the Rasa sender id under the service
    key, 32 hex characters — the same conversation always gives the same id, and the id tells
    nothing about the sender (a channel's sender id may be a phone number)."""
    key = assistant_api_key().encode()
    return hmac.new(key, b"conversation/" + sender_id.encode(), hashlib.sha256).hexdigest()[:32]


def _calling_sender_id() -> str | None:
    """The sender id of the conversation whose action is calling: the ``tracker`` of the nearest
    calling frame (every action's ``run`` and helper has one)."""
    frame = sys._getframe(2)
    for _ in range(8):
        if frame is None:
            return None
        sender = getattr(frame.f_locals.get("tracker"), "sender_id", None)
        if isinstance(sender, str) and sender:
            return sender
        frame = frame.f_back
    return None


class ApiUnavailable(Exception):
    """The case API is down, too slow or broken; the conversation keeps what it has collected."""


HOTLINE = "12345"

# The API's stable error codes (api/errors.py, docs/api.md) → what a family is told, with what to do.
FAMILY_MESSAGES: dict[str, str] = {
    "invalid_situation": "有一个情况我没有记准，请再告诉我一次，或者点选项回答。",
    "invalid_request": "有一项信息格式不对，请核对后再说一次。",
    "invalid_checklist": "有一个情况我没有记准，请再告诉我一次，或者点选项回答。",
    "invalid_checklist_input": "有一个情况我没有记准，请再告诉我一次，或者点选项回答。",
    "situation_incomplete": "还有几个情况没问清楚，请回答完上面的问题再提交。",
    "unknown_items": "您选的事项里有我不认识的，请从列出的事项里选。",
    "unknown_item": "这件事我这里查不到办事指南。",
    "unknown_referral": "这件事我这里没有办理指南。",
    "no_items": "请至少选一件要办的事。",
    "items_ineligible": "按您说的情况，有的事项现在还不能办，请去掉这些事项后再提交。",
    "nothing_to_do": f"按您说的情况，暂时没有需要一起办的事。如有疑问请拨打 {HOTLINE} 咨询。",
    "payee_account_required": "有的事项会把钱打到您的银行账户，请告诉我收款的银行账号。",
    "death_date_future": "去世日期不能晚于今天，请核对一下日期。",
    "death_before_birth": "去世日期比逝者身份证上的出生日期还早，请核对去世日期或身份证号。",
    "applicant_birth_future": "您的身份证号里的出生日期晚于今天，请核对您的身份证号。",
    "applicant_is_deceased": "您填的身份证号和逝者的一样。请填写来办事的家属本人的身份证号。",
    "relationship_mismatch": "您和逝者的关系前后说得不一样，请再告诉我一次您是逝者的什么人。",
    "channel_mismatch": f"申请没有通过核对，请稍后再试，或拨打 {HOTLINE} 请工作人员帮您办。",
    "shared_field_not_allowed": f"申请没有通过核对，请稍后再试，或拨打 {HOTLINE} 请工作人员帮您办。",
    "unknown_region": "办理地点我没有认出来，请告诉我在贵州哪个市（州）或县（区）办。",
    "case_exists": "这位逝者的申请已经有人提交过了，正在办理中，不用重复提交。"
    f"请向提交的家人要案件号和查询码，或拨打 {HOTLINE} 咨询。",
    "idempotency_key_reused": "这份申请和之前提交的不一样，没有提交成功。"
    f"请拨打 {HOTLINE} 请工作人员帮您核对。",
    "invalid_idempotency_key": f"申请没有提交成功，请稍后再试，或拨打 {HOTLINE}。",
    "case_not_found": "没有找到这个案件，或查询码不对。请核对案件号和查询码；"
    f"查询码丢了，请带身份证到窗口或拨打 {HOTLINE}。",
    "invalid_access_token": "查询码不对。请核对案件号和查询码；"
    f"查询码丢了，请带身份证到窗口或拨打 {HOTLINE}。",
    "unauthenticated": "请先告诉我案件号和查询码（提交申请时给您的），我再帮您查。",
    "wrong_progress_code": "案件号或查询码不对。查询码是 6 位数字和字母，在提交申请时的短信里；"
    f"也可以在进度页面用申请人手机号收验证码查看，或拨打 {HOTLINE}。",
    "invalid_progress_code": "查询码是 6 位数字和字母，在提交申请时的短信里，请核对后再发给我。",
    "item_not_in_case": "您的案件里没有这件事，请核对事项名称。",
    "not_completed": "这件事还没有办完，办完后再来评价吧。",
    "already_rated": "这件事您已经评价过了，谢谢您的反馈。",
    "rate_limited": f"查询太频繁了，请过一会儿再试。如有急事请拨打 {HOTLINE}。",
    "forbidden": f"这一步在这里办不了，请拨打 {HOTLINE} 或到政务服务中心“一件事”窗口办理。",
    "http_401": f"这一步在这里办不了，请拨打 {HOTLINE} 或到政务服务中心“一件事”窗口办理。",
    "http_403": f"这一步在这里办不了，请拨打 {HOTLINE} 或到政务服务中心“一件事”窗口办理。",
    "http_404": f"没有找到您要的信息。可以拨打 {HOTLINE} 请工作人员帮您查。",
}
# Codes whose API message is itself written for families and says more (which item, which case):
# shown as is when it carries no Latin letters (no field key, no enum value).
_SPECIFIC = frozenset(
    {"items_ineligible", "nothing_to_do", "case_exists", "not_completed", "already_rated", "rate_limited"}
)
GENERIC_REFUSAL = (
    f"这一步没有办成，请核对您说的信息后再试一次，或拨打 {HOTLINE} 政务服务便民热线，请工作人员帮您办。"
)
_LATIN = re.compile(r"[A-Za-z]")
_CASE_NO = re.compile(r"(?i)SH\d{8}-?\d{5}-?\d")


def family_message(code: str, api_message: str = "") -> str:
    """The sentence a family is shown for an API refusal: never a field key, enum value or English."""
    if code in _SPECIFIC and api_message and not _LATIN.search(_CASE_NO.sub("", api_message)):
        return api_message
    return FAMILY_MESSAGES.get(code, GENERIC_REFUSAL)


class ApiRefused(Exception):
    """A 4xx: ``message`` is for the family, ``api_message`` is the API's own text (staff, logs)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.api_message = status, code, message
        self.message = family_message(code, message)


def base_url() -> str:
    return os.environ.get("CASE_API_URL", DEFAULT_URL).rstrip("/")


def public_url() -> str:
    """Where a family opens its case in a browser (the case API serves the pages)."""
    return os.environ.get("CASE_PUBLIC_URL", base_url()).rstrip("/")


def _timeout() -> httpx.Timeout:
    total = float(os.environ.get("CASE_API_TIMEOUT", "5"))
    return httpx.Timeout(total, connect=min(2.0, total))


# One pooled client per event loop and base URL: keep-alive connections instead of a new TCP
# connection per call (the action server runs one loop; tests run several, one after another).
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary()
)


def _client_for(url: str) -> httpx.AsyncClient:
    per_loop = _clients.setdefault(asyncio.get_running_loop(), {})
    client = per_loop.get(url)
    if client is None or client.is_closed:
        # idle connections are dropped before the servers' keep-alive (uvicorn: 5 s) can close them
        # under a request being sent on them
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=32, keepalive_expiry=2.0)
        client = per_loop[url] = httpx.AsyncClient(base_url=url, timeout=_timeout(), limits=limits)
    return client


class CaseApi:
    """Thin async wrapper; one instance per call site is fine (connections are pooled per process)."""

    _cache: dict[str, tuple[float, Any]] = {}  # noqa: RUF012 — a process-wide cache of catalog reads

    def __init__(self, url: str | None = None) -> None:
        self.url = (url or base_url()).rstrip("/")
        self.headers = {"X-Assistant-Key": assistant_api_key()}
        sender = _calling_sender_id()
        if sender is not None:
            self.headers["X-Conversation-Id"] = conversation_id(sender)

    async def _request(
        self, method: str, path: str, repeatable: bool | None = None, **kwargs: Any
    ) -> tuple[Any, httpx.Headers]:
        """One call. A pooled connection the server closed just as it was reused fails with
        ``RemoteProtocolError`` (seen under load): a request that is safe to send twice — a GET, one
        with an Idempotency-Key, or ``repeatable`` — is sent once more on a new connection."""
        started = time.monotonic()
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if repeatable is None:
            repeatable = method == "GET" or "Idempotency-Key" in headers
        for attempt in (1, 2):
            try:
                response = await _client_for(self.url).request(method, path, headers=headers, **kwargs)
                break
            except httpx.HTTPError as exc:
                if attempt == 1 and repeatable and isinstance(exc, httpx.RemoteProtocolError):
                    log.info("case API %s %s: connection closed by the server, sending again", method, path)
                    continue
                log.warning("case API %s %s unreachable: %s", method, path, type(exc).__name__)
                raise ApiUnavailable(type(exc).__name__) from None
        elapsed = (time.monotonic() - started) * 1000
        log.info("case API %s %s -> %s in %.0f ms", method, path, response.status_code, elapsed)
        if response.status_code >= 500:
            raise ApiUnavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise ApiUnavailable("not JSON") from None
        if response.status_code >= 400:
            code = body.get("code", "error") if isinstance(body, dict) else "error"
            message = body.get("message", "") if isinstance(body, dict) else ""
            raise ApiRefused(response.status_code, code, message or "请求没有通过，请核对后再试。")
        return body, response.headers

    async def _get_cached(self, path: str, **params: Any) -> Any:
        key = f"{self.url}{path}?{sorted(params.items())}"
        hit = self._cache.get(key)
        if hit and time.monotonic() - hit[0] < _CACHE_SECONDS:
            return hit[1]
        body, _ = await self._request("GET", path, params=params or None)
        self._remember(key, body)
        return body

    def _remember(self, key: str, body: Any) -> None:
        if len(self._cache) >= _CACHE_MAX:
            oldest = sorted(self._cache, key=lambda k: self._cache[k][0])[: _CACHE_MAX // 4]
            for k in oldest:
                self._cache.pop(k, None)
        self._cache[key] = (time.monotonic(), body)

    # --- catalog ---------------------------------------------------------------------------------
    async def items(self) -> list[dict]:
        return await self._get_cached("/api/v1/items")

    async def item(self, key: str) -> dict:
        return await self._get_cached(f"/api/v1/items/{key}")

    async def referrals(self) -> list[dict]:
        return await self._get_cached("/api/v1/referrals")

    async def situation_fields(self) -> list[dict]:
        return await self._get_cached("/api/v1/situation")

    async def figures(self) -> list[dict]:
        """The figures with their effective date and basis (knowledge/figures.yaml), never literals."""
        return await self._get_cached("/api/v1/figures")

    async def survivor_estimate(self, contribution_years: int, retired: bool, years_drawn: int = 0) -> dict:
        params = {
            "contribution_years": contribution_years,
            "retired": str(retired).lower(),
            "years_drawn": years_drawn,
        }
        body, _ = await self._request("GET", "/api/v1/estimates/survivor-benefits", params=params)
        return body

    # --- checklist and cases ---------------------------------------------------------------------
    async def checklist(self, situation: dict, items: list[str] | None, region: str | None = None) -> dict:
        """The checklist; `region` (a code of knowledge/regions.yaml) applies that place's rules, none
        the province's defaults. The region is part of the cache key."""
        request: dict[str, Any] = {"situation": situation, "items": items}
        if region:
            request["region"] = region
        digest = hashlib.sha256(
            json.dumps(
                [self.url, self.headers["X-Assistant-Key"], china_today().isoformat(), request],
                sort_keys=True,
                default=str,
            ).encode()
        ).hexdigest()
        key = f"checklist:{digest}"
        hit = self._cache.get(key)
        if hit and time.monotonic() - hit[0] < _CHECKLIST_SECONDS:
            return copy.deepcopy(hit[1])  # callers may annotate their copy
        # a checklist is computed, nothing is stored: safe to send twice
        body, _ = await self._request("POST", "/api/v1/checklist", repeatable=True, json=request)
        self._remember(key, copy.deepcopy(body))
        return body

    async def create_case(self, payload: dict, idempotency_key: str) -> dict:
        body, _ = await self._request(
            "POST", "/api/v1/cases", json=payload, headers={"Idempotency-Key": idempotency_key}
        )
        return body

    async def case(self, case_no: str, access_token: str) -> dict:
        body, _ = await self._request(
            "GET", f"/api/v1/cases/{case_no}", headers={"Authorization": f"Bearer {access_token}"}
        )
        return body

    async def progress_by_code(self, case_no: str, code: str) -> dict:
        """Case number + the 6-character progress code → ``{"case": <progress view>, "access_token":
        <a 30-minute token usable like the access token>, ...}`` (api/progress/routes.py)."""
        body, _ = await self._request("POST", f"/api/v1/cases/{case_no}/progress-code", json={"code": code})
        return body

    async def rate(self, case_no: str, access_token: str, item: str, score: int) -> dict:
        body, _ = await self._request(
            "POST",
            f"/api/v1/cases/{case_no}/ratings",
            json={"item": item, "score": score},
            headers={"Authorization": f"Bearer {access_token}"},
        )
        return body
