"""The website widget's server side: POST /api/v1/chat (proxy to the assistant's REST channel),
GET /api/v1/chat/phrases, POST /api/v1/chat/ratings (有帮助 / 没帮助) and their statistics."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from api.chat import service
from tests.api.conftest import db_session


class _FakeRasa(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeRasa.received.append({"path": self.path, **body})
        out = [
            {
                "recipient_id": body["sender"],
                "text": "您好，请节哀。",
                "buttons": [{"title": "好", "payload": "/affirm"}],
            },
            {"recipient_id": body["sender"], "custom": {"case_no": "SH1"}},
            {"recipient_id": body["sender"], "image": None},
        ]
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def fake_rasa(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeRasa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(service, "rasa_url", lambda: f"http://127.0.0.1:{server.server_port}")
    _FakeRasa.received = []
    yield _FakeRasa.received
    server.shutdown()


def sender() -> str:
    return uuid.uuid4().hex


def test_chat_forwards_to_the_assistant_in_the_web_namespace(client, fake_rasa) -> None:
    s = sender()
    r = client.post("/api/v1/chat", json={"sender": s, "message": "我妈走了，要办哪些事"})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "messages": [
            {"text": "您好，请节哀。", "buttons": [{"title": "好", "payload": "/affirm"}]},
            {"buttons": [], "custom": {"case_no": "SH1"}},
        ]
    }
    assert fake_rasa == [
        {"path": "/webhooks/rest/webhook", "sender": f"web-{s}", "message": "我妈走了，要办哪些事"}
    ]


def test_chat_when_the_assistant_is_down_says_so_in_chinese(client, monkeypatch) -> None:
    from tests.browser.conftest import free_port

    monkeypatch.setattr(service, "rasa_url", lambda: f"http://127.0.0.1:{free_port()}")
    r = client.post("/api/v1/chat", json={"sender": sender(), "message": "你好"})
    assert r.status_code == 503
    assert r.json()["code"] == "assistant_unavailable"
    assert "12345" in r.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"sender": "short", "message": "你好"},
        {"sender": "a" * 65, "message": "你好"},
        {"sender": "有中文的编号abcdefg", "message": "你好"},
        {"sender": uuid.uuid4().hex, "message": ""},
        {"sender": uuid.uuid4().hex, "message": "字" * 501},
        {"sender": uuid.uuid4().hex, "message": "你好", "token": "x"},
    ],
)
def test_chat_refuses_bad_bodies(client, fake_rasa, body) -> None:
    r = client.post("/api/v1/chat", json=body)
    assert r.status_code == 422, r.text
    assert fake_rasa == []


def test_chat_is_rate_limited_per_address(client, fake_rasa, monkeypatch) -> None:
    from api.security import ratelimit

    monkeypatch.setenv("RATE_LIMIT_CHAT", "3/minute")
    ratelimit.reset()
    codes = [
        client.post("/api/v1/chat", json={"sender": sender(), "message": "你好"}).status_code
        for _ in range(4)
    ]
    ratelimit.reset()
    assert codes == [200, 200, 200, 429]


def test_phrases_come_from_the_catalog(client, catalog) -> None:
    body = client.get("/api/v1/chat/phrases").json()
    by_item = {s["item"]: s for s in body["suggestions"]}
    assert set(by_item) == set(catalog.items)
    item = catalog.items["hukou_cancel"]
    assert by_item["hukou_cancel"]["label"] == item.colloquial_name
    assert set(item.phrasings) <= set(by_item["hukou_cancel"]["phrasings"])
    assert body["frequent"] and all(isinstance(q, str) for q in body["frequent"])


def test_answer_ratings_are_stored_masked_changed_and_counted_in_statistics(api, creds) -> None:
    from sqlalchemy import select

    from api.chat.models import AnswerRating

    before = api.get("/api/v1/stats", headers=creds.staff("admin")).json()["answer_ratings"]
    s = sender()
    answer = "申请已经提交好了。联系电话 13812345678，身份证 520102195001011234。"
    r = api.post(
        "/api/v1/chat/ratings", json={"sender": s, "message_id": "m1", "helpful": False, "answer": answer}
    )
    assert r.status_code == 201, r.text
    assert "改进" in r.json()["message"]
    # the same answer rated again: the second rating replaces the first
    r = api.post(
        "/api/v1/chat/ratings", json={"sender": s, "message_id": "m1", "helpful": True, "answer": answer}
    )
    assert r.status_code == 201
    r = api.post("/api/v1/chat/ratings", json={"sender": s, "message_id": "m2", "helpful": False})
    assert r.status_code == 201
    with db_session() as db:
        rows = db.scalars(
            select(AnswerRating).where(AnswerRating.conversation == service.conversation_hash(s))
        ).all()
    assert sorted((r.message_id, r.helpful) for r in rows) == [("m1", True), ("m2", False)]
    stored = next(r for r in rows if r.message_id == "m1")
    assert "13812345678" not in stored.answer and "520102195001011234" not in stored.answer
    assert s not in {r.conversation for r in rows}  # only a keyed hash of the sender is kept
    after = api.get("/api/v1/stats", headers=creds.staff("admin")).json()["answer_ratings"]
    assert after == {"helpful": before["helpful"] + 1, "not_helpful": before["not_helpful"] + 1}


def test_answer_ratings_refuse_bad_bodies(api) -> None:
    for body in (
        {"sender": sender(), "message_id": "m1"},
        {"sender": sender(), "message_id": "m 1", "helpful": True},
        {"sender": sender(), "message_id": "m1", "helpful": True, "answer": "字" * 2001},
    ):
        assert api.post("/api/v1/chat/ratings", json=body).status_code == 422


def test_cors_only_for_the_widget_routes_and_the_configured_origins(monkeypatch, sqlite_url) -> None:
    from fastapi.testclient import TestClient

    from tests.api.conftest import build_app

    site = "https://www.guizhou.gov.cn"
    monkeypatch.setenv("WIDGET_ORIGINS", f"{site}, https://zwfw.guizhou.gov.cn/")
    with TestClient(build_app(sqlite_url)) as c:
        pre = c.options(
            "/api/v1/chat",
            headers={
                "Origin": site,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == site
        assert "access-control-allow-credentials" not in pre.headers
        r = c.get("/api/v1/chat/phrases", headers={"Origin": site})
        assert r.headers["access-control-allow-origin"] == site
        # an error answer is readable too (the Chinese message reaches the family)
        r = c.post("/api/v1/chat", json={"sender": "x"}, headers={"Origin": site})
        assert r.status_code == 422 and r.headers["access-control-allow-origin"] == site
        r = c.get("/api/v1/chat/phrases", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in r.headers
        r = c.get("/api/v1/items", headers={"Origin": site})
        assert "access-control-allow-origin" not in r.headers
    monkeypatch.delenv("WIDGET_ORIGINS")
    from api import settings

    settings.get_settings.cache_clear()
    with TestClient(build_app(sqlite_url)) as c:
        r = c.get("/api/v1/chat/phrases", headers={"Origin": site})
        assert "access-control-allow-origin" not in r.headers
