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


def rate_limit(scope: str, limit: str) -> Callable[[Request], None]:
    item = parse(limit)

    def dependency(request: Request) -> None:
        limiter = get_limiter()
        ip = request.client.host if request.client else "unknown"
        keys = [("ip", ip)]
        case_no = request.path_params.get("case_no")
        if case_no:
            keys.append(("case", str(case_no).strip().upper()[:40]))
        for kind, value in keys:
            if not limiter.hit(item, scope, kind, value):
                retry = _retry_after(limiter, item, scope, kind, value)
                log.warning("rate limit %s exceeded for %s (retry in %s s)", scope, kind, retry)
                raise ApiError(
                    429,
                    "rate_limited",
                    f"查询太频繁了，请 {retry} 秒后再试。如有急事请拨打 12345 热线。",
                    headers={"Retry-After": str(retry)},
                )

    dependency.__name__ = f"rate_limit_{scope}"
    return dependency
