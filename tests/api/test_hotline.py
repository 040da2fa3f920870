"""The hotline console's endpoints (api/hotline): the page, search merged with the assistant's NLU
(and working without it), the printable PDF checklist (read back: Chinese text, China's date, the
catalog version, the fonts embedded), and the SMS link (staff only, fake adapter, phone masked,
rate-limited, expiring; hotline staff signed in with docs/staff.md's session and CSRF token)."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging

import httpx
import pytest
import time_machine
from pypdf import PdfReader

from api import clock
from api.catalog.version import catalog_version
from api.hotline import nlu
from api.notify import sms
from tests.api.conftest import db_session
from tests.api.pdf_helpers import pdf_text
from tests.api.staff_helpers import make_account, sign_in, signed_in

SITUATION = {
    "death_nature": "normal",
    "death_place": "home",
    "hukou_in_guizhou": True,
    "pension_scheme": "enterprise",
    "pension_status": "retired",
    "relationship": "child",
}
BODY = {"situation": SITUATION, "items": ["hukou_cancel", "survivor_benefits"]}
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("SMS_OUTBOX_FILE", str(tmp_path / "outbox.jsonl"))
    monkeypatch.delenv("SMS_ADAPTER", raising=False)
    sms.reset_sms_adapter()
    nlu.breaker.reset()
    yield
    sms.reset_sms_adapter()
    nlu.breaker.reset()


# ------------------------------------------------------------------ page


def test_page_is_served_with_the_catalog_version(client):
    r = client.get("/hotline")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert catalog_version() in r.text and 'lang="zh-CN"' in r.text
    assert client.get("/hotline/hotline.js").status_code == 200
    assert client.get("/hotline/hotline.css").status_code == 200
    assert client.get("/hotline/secrets.txt").status_code == 404


# ------------------------------------------------------------------ search


def test_search_works_from_the_catalog_when_the_assistant_is_down(client, monkeypatch):
    monkeypatch.setattr(nlu, "rasa_url", lambda: "http://127.0.0.1:9")  # nothing listens there
    body = client.get("/api/v1/hotline/search", params={"q": "户口住销怎么办"}).json()
    assert body["assistant"] == {"asked": True, "available": False, "intent": None}
    assert body["results"][0]["key"] == "hukou_cancel"
    assert body["results"][0]["sources"] == ["catalog"]
    assert nlu.breaker.open()  # the next keystrokes do not wait for Rasa again


def test_typed_pinyin_is_not_sent_to_the_assistant(client, monkeypatch):
    async def boom(text, transport=None):
        raise AssertionError("pinyin sent to Rasa")

    monkeypatch.setattr(nlu, "parse", boom)
    body = client.get("/api/v1/hotline/search", params={"q": "hkzx"}).json()
    assert body["assistant"]["asked"] is False
    assert body["results"][0]["key"] == "hukou_cancel"


def test_search_merges_the_assistants_items(client, monkeypatch):
    async def fake(text, transport=None):
        return nlu.Parse(True, items=["survivor_benefits", "no_such_item"], intent="ask_item", confidence=0.9)

    monkeypatch.setattr(nlu, "parse", fake)
    body = client.get("/api/v1/hotline/search", params={"q": "我爸走了单位上能给点钱不"}).json()
    first = body["results"][0]
    assert first["key"] == "survivor_benefits" and first["sources"] == ["assistant"]
    assert body["assistant"] == {"asked": True, "available": True, "intent": "ask_item"}
    assert all(r["key"] != "no_such_item" for r in body["results"])


def test_parse_reads_rasas_item_entities():
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/model/parse"
        assert json.loads(request.content) == {"text": "户口和养老金"}
        return httpx.Response(
            200,
            json={
                "intent": {"name": "ask_item", "confidence": 0.93},
                "entities": [
                    {"entity": "item", "value": "hukou_cancel"},
                    {"entity": "item", "value": "social_insurance_suspend"},
                    {"entity": "item", "value": "hukou_cancel"},
                    {"entity": "topic", "value": "householder_change"},
                ],
            },
        )

    parsed = asyncio.run(nlu.parse("户口和养老金", transport=httpx.MockTransport(handler)))
    assert parsed.available and parsed.items == ["hukou_cancel", "social_insurance_suspend"]
    assert parsed.topics == ["householder_change"] and parsed.intent == "ask_item"


def test_parse_gives_up_on_a_bad_answer_and_pauses():
    transport = httpx.MockTransport(lambda r: httpx.Response(500, json={}))
    assert asyncio.run(nlu.parse("户口", transport=transport)).available is False
    assert nlu.breaker.open()
    assert asyncio.run(nlu.parse("户口", transport=transport)).reason == "paused"


def test_search_is_limited_per_address_but_not_for_signed_in_staff(client, monkeypatch):
    from api.hotline import routes
    from api.security import ratelimit

    ratelimit.reset()
    monkeypatch.setitem(routes.LIMITS, "search", ratelimit.rate_limit("hotline_search_test", "3/minute"))
    client.cookies.clear()
    codes = [client.get("/api/v1/hotline/search", params={"q": "hkzx"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "12345" in client.get("/api/v1/hotline/search", params={"q": "hkzx"}).json()["message"]
    hotline(client)  # a signed-in operator types on, behind the same address
    codes = [client.get("/api/v1/hotline/search", params={"q": "hkzx"}).status_code for _ in range(5)]
    assert codes == [200] * 5


# ------------------------------------------------------------------ PDF


def test_pdf_checklist_carries_chinese_text_date_and_catalog_version(client):
    instant = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.timezone.utc)  # 07:30 on 1 December in China
    with time_machine.travel(instant, tick=False):
        r = client.post("/api/v1/checklist/pdf", json=BODY)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    assert "attachment" in r.headers["content-disposition"]
    text, fonts = pdf_text(r.content)
    assert "2026年12月01日" in text  # China's date, not the machine's (30 November in UTC)
    assert catalog_version() in text
    for words in ("注销户口", "领丧葬补助金和抚恤金", "开死亡证明", "居民户口簿", "要准备的材料", "12345"):
        assert words in text.replace("\n", ""), words
    assert any("DroidSansFallback" in f for f in fonts), fonts  # the CJK font is embedded
    reader = PdfReader(io.BytesIO(r.content))
    assert abs(float(reader.pages[0].mediabox.width) - 595.28) < 1  # A4
    assert abs(float(reader.pages[0].mediabox.height) - 841.89) < 1


def test_pdf_refuses_an_unknown_situation_value(client):
    r = client.post("/api/v1/checklist/pdf", json={"situation": {"death_place": "moon"}, "items": None})
    assert r.status_code == 422


# ------------------------------------------------------------------ SMS link


def hotline(client) -> dict[str, str]:
    """Sign the client in as a new hotline staff member; the CSRF header for its requests."""
    return signed_in(client, "hotline_staff")


def test_sms_link_needs_hotline_staff_signed_in(client, creds):
    body = {**BODY, "phone": PHONE}
    client.cookies.clear()
    r = client.post("/api/v1/hotline/sms-links", json=body)
    assert r.status_code == 401 and r.json()["code"] == "staff_sign_in_required"
    # a machine credential opens no staff session
    assert (
        client.post("/api/v1/hotline/sms-links", json=body, headers=creds.staff("hotline_staff")).status_code
        == 401
    )
    window = signed_in(client, "window_staff")
    assert client.post("/api/v1/hotline/sms-links", json=body, headers=window).status_code == 403
    hotline(client)
    no_csrf = client.post("/api/v1/hotline/sms-links", json=body)
    assert no_csrf.status_code == 403 and no_csrf.json()["code"] == "csrf_failed"
    assert sms.last_message_to(PHONE) is None


def test_sms_link_sends_a_masked_expiring_link(api, caplog):
    client = api  # SQLite and PostgreSQL
    from api.security import ratelimit

    ratelimit.reset()
    client.cookies.clear()
    username, password = make_account("hotline_staff")
    csrf = {"X-CSRF-Token": sign_in(client, username, password)}
    caplog.set_level(logging.INFO)
    r = client.post("/api/v1/hotline/sms-links", json={**BODY, "phone": PHONE}, headers=csrf)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["phone_masked"] == "139****5678" and out["sms_status"] == "recorded"
    assert PHONE not in r.text
    expires = dt.datetime.fromisoformat(out["expires_at"])
    assert dt.timedelta(days=6, hours=23) < expires - clock.now() <= dt.timedelta(days=7)
    message = sms.last_message_to(PHONE)
    assert message is not None and "/c/" in message.text
    url = message.text.split("：", 1)[1].split()[0]
    token = url.rsplit("/", 1)[1]
    # no personal data stored: the phone only masked, the token only hashed
    from api.hotline.models import ChecklistLink

    with db_session() as s:
        row = s.query(ChecklistLink).order_by(ChecklistLink.id.desc()).first()
        assert row.phone_masked == "139****5678" and token not in row.token_hash
        assert row.situation == SITUATION and row.staff_id == username
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert PHONE not in logged and token not in logged
    # the caller opens the link: the PDF
    opened = client.get(f"/c/{token}")
    assert opened.status_code == 200 and opened.headers["content-type"] == "application/pdf"
    assert "注销户口" in pdf_text(opened.content)[0]
    # after 7 days the link has expired
    with time_machine.travel(clock.now() + dt.timedelta(days=7, minutes=1), tick=False):
        gone = client.get(f"/c/{token}")
    assert gone.status_code == 410 and "过期" in gone.text
    assert client.get("/c/" + "x" * 22).status_code == 404


def test_sms_link_is_rate_limited_per_phone(api):
    client = api
    from api.security import ratelimit

    ratelimit.reset()
    csrf = hotline(client)
    codes = [
        client.post(
            "/api/v1/hotline/sms-links", json={**BODY, "phone": "13800000001"}, headers=csrf
        ).status_code
        for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429], codes
    other = client.post("/api/v1/hotline/sms-links", json={**BODY, "phone": "13800000002"}, headers=csrf)
    assert other.status_code == 201


@pytest.mark.parametrize("phone", ["1391234567", "23912345678", "139１２３４５６７８x", "139-1234-567"])
def test_sms_link_refuses_a_wrong_phone(client, phone):
    r = client.post("/api/v1/hotline/sms-links", json={**BODY, "phone": phone}, headers=hotline(client))
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_phone" and "手机号" in r.json()["message"]


def test_hotline_staff_land_on_the_console_after_sign_in(client):
    hotline(client)
    me = client.get("/api/v1/staff/me").json()
    assert me["home"] == "/hotline" and any(p["path"] == "/hotline" for p in me["pages"])
