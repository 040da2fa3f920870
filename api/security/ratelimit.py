"""Rate limits (moving window, the `limits` library) with 429, Retry-After and a Chinese message.

Who is counted (``client_key``):
- the assistant's action server, when it identifies itself with ``X-Assistant-Key``
  (ASSISTANT_API_KEY) and names the conversation in ``X-Conversation-Id`` (a hash of the Rasa sender
  id, never personal data): that conversation — every chat family reaches the API through the one
  action server, so a per-address budget would throttle them all together;
- anybody else: the client's address (the TCP peer, ``request.client.host``; behind a reverse proxy,
  run uvicorn with ``--proxy-headers --forwarded-allow-ips`` so that it is the real client). A
  conversation header without the assistant's credential is ignored; a wrong assistant credential is
  a 401 (and counts as a failed credential).

Limits (api.security.config.RATE_LIMIT_DEFAULTS, each overridable by its environment variable):
- ``rate_limit(scope, setting=...)`` counts every request (GET /lookup, POST /checklist) per client
  and, when the path has a ``case_no``, per normalised case number;
- ``FailureLimit`` counts only what matters — failed credentials, failed case lookups, new cases —
  and tells beforehand whether a budget is used up.
Staff with a valid ``X-Staff-Token`` and departments with a valid ``X-Api-Key`` are accountable
callers and are not limited by ``rate_limit`` (a hotline centre answers many families from one
address).

Storage: in memory per process by default. With ``RATE_LIMIT_STORAGE=redis`` the counters live in
Redis at settings.redis_url (shared by every API instance); when Redis cannot be reached at
start-up the limiter says so in the log and falls back to memory.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import math
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.errors import ApiError
from api.security import config
from api.security.credentials import department_for_key, staff_for_token
from api.settings import get_settings

log = logging.getLogger("api.security.ratelimit")

_lock = threading.Lock()
_limiter: MovingWindowRateLimiter | None = None
_storage: Storage | None = None


def _make_storage() -> Storage:
    if os.environ.get("RATE_LIMIT_STORAGE", "memory").strip().lower() == "redis":
        url = get_settings().redis_url
        try:
            storage = storage_from_string(url, socket_connect_timeout=1, socket_timeout=1)
            if storage.check():
                log.info("rate limits stored in Redis")
                return storage
            log.warning("Redis at the configured REDIS_URL is not reachable; rate limits kept in memory")
        except Exception as exc:
            log.warning("Redis storage for rate limits unavailable (%s); kept in memory", type(exc).__name__)
    return MemoryStorage()


@asynccontextmanager
async def check_at_start_up(_app: Any) -> AsyncIterator[None]:
    """Router lifespan (merged into the app's, after api.startup's checks): every RATE_LIMIT_*
    setting parses, and production has its ASSISTANT_API_KEY — or the API refuses to start
    (``ConfigError`` naming the variable)."""
    config.check_assistant_and_limits()
    yield


def get_limiter() -> MovingWindowRateLimiter:
    global _limiter, _storage
    with _lock:
        if _limiter is None:
            _storage = _make_storage()
            _limiter = MovingWindowRateLimiter(_storage)
        return _limiter


def reset() -> None:
    """Forget every counter (tests; an operator after an incident)."""
    global _limiter, _storage
    with _lock:
        if _storage is not None:
            with contextlib.suppress(Exception):
                _storage.reset()
        _limiter, _storage = None, None


def _retry_after(limiter: MovingWindowRateLimiter, item: RateLimitItem, *keys: str) -> int:
    reset_at, _remaining = limiter.get_window_stats(item, *keys)
    return max(1, math.ceil(reset_at - time.time()))


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


ASSISTANT_KEY_HEADER = "X-Assistant-Key"
CONVERSATION_HEADER = "X-Conversation-Id"
# A conversation id is a hash: 32 to 64 hexadecimal characters (nothing a person could be found by).
_CONVERSATION = re.compile(r"[0-9a-f]{32,64}")
BAD_ASSISTANT_KEY = "助手服务凭证无效，请核对 X-Assistant-Key（ASSISTANT_API_KEY），或联系系统管理员。"


def assistant_key_valid(presented: str) -> bool:
    expected = config.assistant_api_key()
    return expected is not None and hmac.compare_digest(presented.strip().encode(), expected.encode())


def client_key(request: Request) -> tuple[str, str]:
    """Whose budget a request uses: ``("conversation", id)`` for the assistant's action server with
    a valid X-Assistant-Key and an X-Conversation-Id, else ``("ip", address)``. A present but wrong
    X-Assistant-Key is a 401 — counted as a failed credential of the address, and answered 429 once
    that budget is used up. Worked out once per request (several dependencies ask)."""
    cached = getattr(request.state, "rate_limit_client", None)
    if cached is not None:
        return cached
    key: tuple[str, str] = ("ip", client_ip(request))
    presented = request.headers.get(ASSISTANT_KEY_HEADER)
    if presented is not None:
        if not assistant_key_valid(presented):
            # the right key (32+ random characters in production) always passes: letting it through
            # a used-up budget never helps a guesser, and the action server is never locked out
            retry = credential_failures.retry_after([key])
            if retry is not None:
                raise too_many(retry)
            credential_failures.fail([key])
            log.warning("rejected %s", ASSISTANT_KEY_HEADER)
            raise ApiError(401, "invalid_assistant_key", BAD_ASSISTANT_KEY)
        conversation = (request.headers.get(CONVERSATION_HEADER) or "").strip().lower()
        if _CONVERSATION.fullmatch(conversation):
            key = ("conversation", conversation)
        elif conversation:
            log.warning("%s is not a hash; the request is counted per address", CONVERSATION_HEADER)
    request.state.rate_limit_client = key
    return key


def accountable_caller(request: Request) -> bool:
    """A valid X-Staff-Token or X-Api-Key: staff and departments are not rate-limited (a wrong one
    is refused, and counted, by api.access.auth)."""
    token = request.headers.get("X-Staff-Token")
    if token and staff_for_token(token.strip()) is not None:
        return True
    key = request.headers.get("X-Api-Key")
    return bool(key and department_for_key(key.strip()) is not None)


def _wait_text(retry: int) -> str:
    return f"{retry} 秒" if retry < 120 else f"{math.ceil(retry / 60)} 分钟"


def too_many(retry: int, what: str = "查询") -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        f"{what}太频繁了，请 {_wait_text(retry)}后再试。如有急事请拨打 12345 热线。",
        headers={"Retry-After": str(retry)},
    )


class FailureLimit:
    """Counts only what matters — failed attempts (a wrong token, an unknown case), or new cases:
    ``retry_after(keys)`` tells whether any key has used up its budget, without counting;
    ``fail(keys)`` (alias ``count``) counts one. Successful lookups are free, so a family reading its
    own case — or many families behind one address — never use up the budget.

    The limit is a literal (``"30/minute"``) or, with ``setting=``, a RATE_LIMIT_* variable read on
    every use (api.security.config.RATE_LIMIT_DEFAULTS)."""

    def __init__(self, scope: str, limit: str | None = None, *, setting: str | None = None) -> None:
        if (limit is None) == (setting is None):
            raise ValueError("give a limit or a setting")
        self.scope, self.setting = scope, setting
        self._item = parse(limit) if limit is not None else None

    @property
    def item(self) -> RateLimitItem:
        return self._item if self._item is not None else config.rate_limit_item(self.setting or "")

    def retry_after(self, keys: list[tuple[str, str]]) -> int | None:
        limiter, item = get_limiter(), self.item
        for kind, value in keys:
            if not limiter.test(item, self.scope, kind, value):
                return _retry_after(limiter, item, self.scope, kind, value)
        return None

    def fail(self, keys: list[tuple[str, str]]) -> None:
        limiter, item = get_limiter(), self.item
        for kind, value in keys:
            limiter.hit(item, self.scope, kind, value)

    count = fail


# Wrong credentials of any kind (X-Api-Key, X-Staff-Token, an applicant's token, X-Assistant-Key),
# per client; api.access.auth answers 429 before checking once the budget is used up.
credential_failures = FailureLimit("credential", setting="RATE_LIMIT_CREDENTIAL_FAILURES")


def rate_limit(
    scope: str,
    limit: str | None = None,
    *,
    setting: str | None = None,
    what: str = "查询",
    per_case: Callable[[str], str] | None = None,
) -> Callable[[Request], None]:
    """Dependency counting every request per client (``client_key``) and, given ``per_case`` (the
    cases area's ``case_key``) and a path with a ``case_no``, per case number as it normalises it.
    Staff and departments with valid credentials are not counted."""
    if (limit is None) == (setting is None):
        raise ValueError("give a limit or a setting")
    fixed = parse(limit) if limit is not None else None

    def dependency(request: Request) -> None:
        if accountable_caller(request):
            return
        item = fixed if fixed is not None else config.rate_limit_item(setting or "")
        limiter = get_limiter()
        keys = [client_key(request)]
        case_no = request.path_params.get("case_no")
        if case_no and per_case is not None:
            keys.append(("case", per_case(str(case_no))))
        for kind, value in keys:
            if not limiter.hit(item, scope, kind, value):
                retry = _retry_after(limiter, item, scope, kind, value)
                log.warning("rate limit %s exceeded for %s (retry in %s s)", scope, kind, retry)
                raise too_many(retry, what)

    dependency.__name__ = f"rate_limit_{scope}"
    return dependency
