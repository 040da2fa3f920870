"""Rate limits (moving window, the `limits` library) with 429, Retry-After and a Chinese message.

``rate_limit(scope, "20/minute")`` is a FastAPI dependency. Each request counts against
- the client's IP address (one client cannot scan many case numbers), and
- when the path has a ``case_no``, that case number (many clients together cannot guess one
  case's access token),
each with the given limit. The client address is the TCP peer (``request.client.host``);
behind a reverse proxy, run uvicorn with ``--proxy-headers --forwarded-allow-ips`` so that it is
the real client.

Storage: in memory per process by default. With ``RATE_LIMIT_STORAGE=redis`` the counters live in
Redis at settings.redis_url (shared by every API instance); when Redis cannot be reached at
start-up the limiter says so in the log and falls back to memory.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading
import time
from collections.abc import Callable

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from api.errors import ApiError
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


def case_key(case_no: str) -> str:
    """What is being guessed: the normalised case number (hyphens, spaces, case and full-width
    variants of one number share one counter); text that is no case number is its own key."""
    from api.cases.numbers import normalize_case_no

    return normalize_case_no(case_no[:64]) or "raw:" + case_no.strip().upper()[:40]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def too_many(retry: int) -> ApiError:
    return ApiError(
        429,
        "rate_limited",
        f"查询太频繁了，请 {retry} 秒后再试。如有急事请拨打 12345 热线。",
        headers={"Retry-After": str(retry)},
    )


class FailureLimit:
    """Counts failed attempts only (a wrong token, an unknown case): ``retry_after(keys)`` tells
    whether any key has used up its budget, without counting; ``fail(keys)`` counts one failure.
    Successful requests are free, so a family reading its own case — or many families behind one
    address, such as the assistant's action server — never use up the budget."""

    def __init__(self, scope: str, limit: str) -> None:
        self.scope, self.item = scope, parse(limit)

    def retry_after(self, keys: list[tuple[str, str]]) -> int | None:
        limiter = get_limiter()
        for kind, value in keys:
            if not limiter.test(self.item, self.scope, kind, value):
                return _retry_after(limiter, self.item, self.scope, kind, value)
        return None

    def fail(self, keys: list[tuple[str, str]]) -> None:
        limiter = get_limiter()
        for kind, value in keys:
            limiter.hit(self.item, self.scope, kind, value)


def rate_limit(scope: str, limit: str) -> Callable[[Request], None]:
    item = parse(limit)

    def dependency(request: Request) -> None:
        limiter = get_limiter()
        keys = [("ip", client_ip(request))]
        case_no = request.path_params.get("case_no")
        if case_no:
            keys.append(("case", case_key(str(case_no))))
        for kind, value in keys:
            if not limiter.hit(item, scope, kind, value):
                retry = _retry_after(limiter, item, scope, kind, value)
                log.warning("rate limit %s exceeded for %s (retry in %s s)", scope, kind, retry)
                raise too_many(retry)

    dependency.__name__ = f"rate_limit_{scope}"
    return dependency
