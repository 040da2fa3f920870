"""The shared SMS module (api/notify/sms.py): the fake's outbox, the HTTP gateway adapter with
retries, the choice by SMS_ADAPTER, and masked log lines."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from api.notify import sms

PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.setenv("SMS_OUTBOX_FILE", str(tmp_path / "outbox.jsonl"))
    monkeypatch.delenv("SMS_ADAPTER", raising=False)
    monkeypatch.delenv("APP_ENV", raising=False)
    sms.reset_sms_adapter()
    yield
    sms.reset_sms_adapter()


def test_fake_records_in_memory_and_file(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="api.sms")
    status = sms.send_sms(PHONE, "【一件事】验证码 482913，5分钟内有效。", secrets=["482913"])
    assert status == "recorded"
    assert isinstance(sms.get_sms_adapter(), sms.FakeSmsAdapter)
    last = sms.last_message_to(PHONE)
    assert last is not None and "482913" in last.text and last.to_masked == "139****5678"
    rows = sms.read_outbox_file(tmp_path / "outbox.jsonl")
    assert rows[-1].text == last.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "482913" not in logged and PHONE not in logged and "139****5678" in logged


def test_no_outbox_file_in_production(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SMS_ADAPTER", "fake")
    sms.send_sms(PHONE, "x")
    assert not (tmp_path / "outbox.jsonl").exists()
    monkeypatch.delenv("SMS_ADAPTER")
    assert isinstance(sms.get_sms_adapter(), sms.LoggingSmsAdapter)


def test_unknown_adapter_name_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMS_ADAPTER", "carrier-pigeon")
    with pytest.raises(ValueError):
        sms.get_sms_adapter()


def _gateway(answers: list[int | type[Exception]], seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, type):
            raise answer("boom", request=request)
        return httpx.Response(answer, json={})

    return httpx.MockTransport(handler)


def test_http_gateway_retries_with_one_idempotency_key(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[httpx.Request] = []
    adapter = sms.HttpSmsAdapter(
        "http://gateway.test/send",
        "k-123",
        retries=2,
        backoff=0,
        transport=_gateway([503, httpx.ConnectError, 200], seen),
    )
    sms.set_sms_adapter(adapter)
    caplog.set_level(logging.INFO, logger="api.sms")
    assert sms.send_sms(PHONE, "您的查询码 4K7P2M", secrets=["4K7P2M"]) == "sent"
    assert len(seen) == 3
    assert len({r.headers["Idempotency-Key"] for r in seen}) == 1
    assert seen[0].headers["Authorization"] == "Bearer k-123"
    assert json.loads(seen[0].content) == {
        "phone": PHONE,
        "text": "您的查询码 4K7P2M",
        "message_id": seen[0].headers["Idempotency-Key"],
    }
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "4K7P2M" not in logged and PHONE not in logged


def test_http_gateway_gives_up_and_refusals_are_not_retried() -> None:
    seen: list[httpx.Request] = []
    adapter = sms.HttpSmsAdapter(
        "http://g.test", "", retries=1, backoff=0, transport=_gateway([500, 502], seen)
    )
    assert adapter.send(PHONE, "x") == "failed" and len(seen) == 2
    seen.clear()
    adapter = sms.HttpSmsAdapter("http://g.test", "", retries=3, backoff=0, transport=_gateway([400], seen))
    assert adapter.send(PHONE, "x") == "failed" and len(seen) == 1


def test_http_adapter_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMS_ADAPTER", "http")
    monkeypatch.setenv("SMS_GATEWAY_URL", "http://g.test/sms")
    monkeypatch.setenv("SMS_GATEWAY_TIMEOUT", "2.5")
    monkeypatch.setenv("SMS_GATEWAY_RETRIES", "4")
    adapter = sms.get_sms_adapter()
    assert isinstance(adapter, sms.HttpSmsAdapter)
    assert (adapter.url, adapter.timeout, adapter.retries) == ("http://g.test/sms", 2.5, 4)


def test_a_failing_adapter_does_not_break_the_caller() -> None:
    class Broken:
        name = "broken"

        def send(self, phone: str, text: str) -> str:
            raise RuntimeError(phone)

    sms.set_sms_adapter(Broken())
    assert sms.send_sms(PHONE, "x") == "failed"


def test_production_is_read_as_security_reads_it() -> None:
    from api.security.config import DEVELOPMENT_ENVS

    assert sms._DEVELOPMENT_ENVS == DEVELOPMENT_ENVS


def test_masked_text() -> None:
    assert sms.masked_text(f"码 ABC234 手机 {PHONE}", ["ABC234"]) == "码 ****** 手机 139****5678"
