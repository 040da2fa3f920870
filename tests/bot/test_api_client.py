"""actions/api_client.py: a pooled connection the case API closed as it was reused is retried once,
only for a request that is safe to send twice (seen under load: "POST /api/v1/cases unreachable:
RemoteProtocolError" and a submission kept for later)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from actions import api_client
from actions.api_client import ApiUnavailable, CaseApi


def _flaky(calls: list[str]) -> httpx.MockTransport:
    """Closes the first request's connection without an answer, answers every later one."""

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(f"{request.method} {request.url.path}")
        if len(calls) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return httpx.Response(200, json={"ok": True})

    return httpx.MockTransport(handler)


@pytest.fixture
def calls(monkeypatch):
    seen: list[str] = []
    transport = _flaky(seen)
    monkeypatch.setattr(
        api_client, "_client_for", lambda url: httpx.AsyncClient(base_url=url, transport=transport)
    )
    return seen


@pytest.mark.parametrize(
    "call",
    [
        lambda api: api._request("GET", "/api/v1/items"),
        lambda api: api.create_case({"x": 1}, idempotency_key="rasa-1"),
        lambda api: api._request("POST", "/api/v1/checklist", repeatable=True, json={}),
    ],
    ids=["get", "post-with-idempotency-key", "checklist"],
)
def test_a_repeatable_request_is_sent_again_once(calls, call):
    body = asyncio.run(call(CaseApi("http://case-api.test")))
    assert body == {"ok": True} or body[0] == {"ok": True}
    assert len(calls) == 2 and calls[0] == calls[1]


def test_a_request_that_may_have_been_done_is_not_repeated(calls):
    api = CaseApi("http://case-api.test")
    with pytest.raises(ApiUnavailable):
        asyncio.run(api.rate("GZ-1", "token", "hukou_cancel", 5))
    assert calls == ["POST /api/v1/cases/GZ-1/ratings"]
