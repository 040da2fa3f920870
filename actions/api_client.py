"""The one client of the case API used by the actions.

Every call has a timeout. Two kinds of failure, so an action can word the answer:
- ``ApiUnavailable``: the API could not be reached, timed out or failed on its side (5xx). The family
  is told to try again later or call 12345; nothing collected is lost.
- ``ApiRefused``: the API answered with a 4xx and a Chinese ``message`` a person can act on.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import httpx

log = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:8000"
_CACHE_SECONDS = 300.0


class ApiUnavailable(Exception):
    """The case API is down, too slow or broken; the conversation keeps what it has collected."""


class ApiRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def base_url() -> str:
    return os.environ.get("CASE_API_URL", DEFAULT_URL).rstrip("/")


def public_url() -> str:
    """Where a family opens its case in a browser (the case API serves the pages)."""
    return os.environ.get("CASE_PUBLIC_URL", base_url()).rstrip("/")


def _timeout() -> httpx.Timeout:
    total = float(os.environ.get("CASE_API_TIMEOUT", "5"))
    return httpx.Timeout(total, connect=min(2.0, total))


class CaseApi:
    """Thin async wrapper; one instance per call site is fine (connections are not pooled across)."""

    _cache: dict[str, tuple[float, Any]] = {}  # noqa: RUF012 — a process-wide cache of catalog reads

    def __init__(self, url: str | None = None) -> None:
        self.url = (url or base_url()).rstrip("/")

    async def _request(self, method: str, path: str, **kwargs: Any) -> tuple[Any, httpx.Headers]:
        started = time.monotonic()
        try:
            async with httpx.AsyncClient(base_url=self.url, timeout=_timeout()) as client:
                response = await client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
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
        self._cache[key] = (time.monotonic(), body)
        return body

    # --- catalog ---------------------------------------------------------------------------------
    async def items(self) -> list[dict]:
        return await self._get_cached("/api/v1/items")

    async def item(self, key: str) -> dict:
        return await self._get_cached(f"/api/v1/items/{key}")

    async def referrals(self) -> list[dict]:
        return await self._get_cached("/api/v1/referrals")

    async def situation_fields(self) -> list[dict]:
        return await self._get_cached("/api/v1/situation")

    async def survivor_estimate(self, contribution_years: int, retired: bool, years_drawn: int = 0) -> dict:
        params = {
            "contribution_years": contribution_years,
            "retired": str(retired).lower(),
            "years_drawn": years_drawn,
        }
        body, _ = await self._request("GET", "/api/v1/estimates/survivor-benefits", params=params)
        return body

    # --- checklist and cases ---------------------------------------------------------------------
    async def checklist(self, situation: dict, items: list[str] | None) -> dict:
        body, _ = await self._request(
            "POST", "/api/v1/checklist", json={"situation": situation, "items": items}
        )
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

    async def rate(self, case_no: str, access_token: str, item: str, score: int) -> dict:
        body, _ = await self._request(
            "POST",
            f"/api/v1/cases/{case_no}/ratings",
            json={"item": item, "score": score},
            headers={"Authorization": f"Bearer {access_token}"},
        )
        return body
