"""POST /api/v1/wechat/session: wx.login's code exchanged with WeChat's jscode2session for our own session.

WeChat is a local fake (a small ASGI app served by uvicorn on a free port, in a thread), reached through
WECHAT_API_BASE exactly as the real one would be: the codes below make it answer like WeChat does.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from tests.api.conftest import build_app

APPID, SECRET = "wx-test-appid", "test-mp-secret"
OPENID = "oTEST-openid-family-0001"
SESSION_KEY = "tiihtNczf5v6AKRyjwEUhQ=="
CALLS: list[dict[str, str]] = []


async def jscode2session(request: Request) -> JSONResponse | PlainTextResponse:
    q = dict(request.query_params)
    CALLS.append(q)
    if q.get("appid") != APPID or q.get("secret") != SECRET or q.get("grant_type") != "authorization_code":
        return JSONResponse({"errcode": 40013, "errmsg": "invalid appid"})
    code = q.get("js_code", "")
    if code == "slow":
        await asyncio.sleep(2)
    if code == "used":
        return JSONResponse({"errcode": 40163, "errmsg": "code been used"})
    if code == "busy":
        return JSONResponse({"errcode": -1, "errmsg": "system error"})
    if code == "broken":
        return PlainTextResponse("<html>bad gateway</html>", status_code=502)
    return JSONResponse({"openid": OPENID, "session_key": SESSION_KEY, "unionid": "UNION-1"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def fake_wechat() -> Iterator[str]:
    app = Starlette(routes=[Route("/sns/jscode2session", jscode2session)])
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the fake WeChat server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def wx(fake_wechat: str, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("WECHAT_API_BASE", fake_wechat + "/")
    monkeypatch.setenv("WECHAT_MP_APPID", APPID)
    monkeypatch.setenv("WECHAT_MP_SECRET", SECRET)
    monkeypatch.setenv("WECHAT_API_TIMEOUT", "0.5")
    CALLS.clear()
    with TestClient(build_app(sqlite_url)) as c:
        yield c


def test_a_code_gives_our_own_opaque_session(wx: TestClient) -> None:
    r = wx.post("/api/v1/wechat/session", json={"code": "081abcDEF"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"session", "expires_at", "user"}
    assert body["session"].startswith("wx1.")
    # nothing WeChat said reaches the client in clear
    for secret in (OPENID, SESSION_KEY, "UNION-1"):
        assert secret not in r.text
    assert OPENID not in body["user"] and len(body["user"]) == 64
    assert body["expires_at"] > time.time() + 23 * 3600
    assert CALLS == [
        {"appid": APPID, "secret": SECRET, "js_code": "081abcDEF", "grant_type": "authorization_code"}
    ]

    # the session is accepted back; the same family gets the same anonymous user reference
    check = wx.get("/api/v1/wechat/session", headers={"Authorization": f"Bearer {body['session']}"})
    assert check.status_code == 200 and check.json()["user"] == body["user"]
    again = wx.post("/api/v1/wechat/session", json={"code": "another"}).json()
    assert again["user"] == body["user"] and again["session"] != body["session"]


def test_a_tampered_or_expired_session_is_refused(wx: TestClient) -> None:
    from api.wechat import service

    token = wx.post("/api/v1/wechat/session", json={"code": "c1"}).json()["session"]
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for bad in (tampered, "wx1.nonsense", "", "Bearer"):
        r = wx.get("/api/v1/wechat/session", headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401 and r.json()["code"] == "wechat_session_invalid"
        assert "重新打开" in r.json()["message"]
    expired = service.seal(OPENID, hours=1, now=time.time() - 7200).token
    assert service.open_session(expired) is None
    assert wx.get("/api/v1/wechat/session", headers={"Authorization": f"Bearer {expired}"}).status_code == 401


@pytest.mark.parametrize(
    ("code", "status", "error", "words"),
    [
        ("used", 401, "wechat_code_invalid", "重新打开"),
        ("busy", 503, "wechat_busy", "繁忙"),
        ("broken", 503, "wechat_unavailable", "连不上微信"),
        ("slow", 503, "wechat_timeout", "没有响应"),
    ],
)
def test_wechat_failures_are_clear_chinese_errors(
    wx: TestClient, code: str, status: int, error: str, words: str
) -> None:
    started = time.monotonic()
    r = wx.post("/api/v1/wechat/session", json={"code": code})
    assert r.status_code == status, r.text
    assert r.json()["code"] == error and words in r.json()["message"]
    assert time.monotonic() - started < 1.8  # the timeout (0.5 s) holds, not WeChat's 2 s
    assert OPENID not in r.text


def test_a_wrong_secret_is_refused_without_leaking_it(
    wx: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WECHAT_MP_SECRET", "wrong-secret")
    r = wx.post("/api/v1/wechat/session", json={"code": "c2"})
    assert r.status_code == 503 and r.json()["code"] == "wechat_refused"
    assert "wrong-secret" not in r.text


def test_not_configured_says_so(wx: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WECHAT_MP_SECRET")
    r = wx.post("/api/v1/wechat/session", json={"code": "c3"})
    assert r.status_code == 503 and r.json()["code"] == "wechat_not_configured"
    assert "尚未开通" in r.json()["message"] and CALLS == []


@pytest.mark.parametrize(
    "body", [{}, {"code": ""}, {"code": "a b"}, {"code": "x" * 200}, {"code": "c", "openid": "o"}]
)
def test_bad_bodies_are_422(wx: TestClient, body: dict[str, str]) -> None:
    assert wx.post("/api/v1/wechat/session", json=body).status_code == 422
    assert CALLS == []


def test_rate_limited(wx: TestClient) -> None:
    statuses = [wx.post("/api/v1/wechat/session", json={"code": f"c{i}"}).status_code for i in range(32)]
    assert statuses[:30] == [200] * 30 and statuses[30:] == [429, 429]
