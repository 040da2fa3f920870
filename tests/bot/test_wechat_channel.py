"""The WeChat official-account channel (assistant/channels/wechat.py) with a fake bot and a fake WeChat API.

No network: WeChat's API is an httpx.MockTransport recording every call; the bot is an async function
standing in for Rasa's on_new_message, answering through the channel's output channel with a chosen delay.
The reply window is shortened so the tests are quick; the logic is the same as with 4.5 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage

from assistant.channels.wechat import (
    HOLDING_TEXT,
    NOT_TEXT,
    WELCOME,
    WeChatInput,
    WeChatSettings,
    buttons_text,
    chosen_option,
    signature,
    split_text,
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-wechat-token"
OPENID = "oFAMILY-openid-0001"
ACCOUNT = "gh_account"


class FakeWeChat:
    """WeChat's token and customer-service endpoints, recording calls."""

    def __init__(self, fail_first_send_with: int | None = None) -> None:
        self.token_calls: list[dict[str, str]] = []
        self.sent: list[dict[str, Any]] = []
        self.fail_first_send_with = fail_first_send_with
        self.issued = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/token":
            self.token_calls.append(dict(request.url.params))
            if request.url.params.get("secret") != "s3cret":
                return httpx.Response(200, json={"errcode": 40125, "errmsg": "invalid appsecret"})
            self.issued += 1
            return httpx.Response(200, json={"access_token": f"TOKEN{self.issued}", "expires_in": 7200})
        if request.url.path == "/cgi-bin/message/custom/send":
            if self.fail_first_send_with is not None:
                code, self.fail_first_send_with = self.fail_first_send_with, None
                return httpx.Response(200, json={"errcode": code, "errmsg": "access_token expired"})
            body = json.loads(request.content)
            self.sent.append({"token": request.url.params["access_token"], **body})
            return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})
        return httpx.Response(404, json={"errcode": -1})


def make_channel(
    fake: FakeWeChat | None = None, *, window: float = 0.3, secret: str = "s3cret", redis_url: str = ""
) -> WeChatInput:
    settings = WeChatSettings(
        token=TOKEN,
        appid="wxAPPID",
        secret=secret,
        api_base="http://wechat.fake",
        reply_window=window,
        api_timeout=2,
        dedup_redis_url=redis_url,
    )
    fake = fake or FakeWeChat()
    return WeChatInput(settings, transport=httpx.MockTransport(fake.handler))


def signed(timestamp: str = "1700000000", nonce: str = "n0nce", token: str = TOKEN) -> dict[str, str]:
    return {"signature": signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}


def text_xml(content: str, msg_id: str = "1001", openid: str = OPENID) -> bytes:
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    ).encode()


def reply_content(body: str) -> str:
    root = ET.fromstring(body)
    assert root.findtext("ToUserName") == OPENID
    assert root.findtext("FromUserName") == ACCOUNT
    assert root.findtext("MsgType") == "text"
    return root.findtext("Content") or ""


class FakeBot:
    """Stands in for Rasa: each script entry is (delay seconds, message dict)."""

    def __init__(self, *script: tuple[float, dict[str, Any]]) -> None:
        self.script = script
        self.received: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        for delay, msg in self.script:
            await asyncio.sleep(delay)
            await message.output_channel.send_response(message.sender_id, dict(msg))


async def settle(channel: WeChatInput) -> None:
    """Wait for the turns still running (replies after the window) and close the HTTP client."""
    while channel._tasks:
        await asyncio.gather(*list(channel._tasks))
    await channel.api.close()
    if channel.shared is not None:
        await channel.shared.close()


# ------------------------------------------------------------------ signature and verification


def test_server_verification_checks_the_signature() -> None:
    channel = make_channel()
    assert channel.verify({**signed(), "echostr": "echo123"}) == (200, "echo123")
    status, body = channel.verify({**signed(token="wrong"), "echostr": "echo123"})
    assert status == 403 and "签名" in body
    assert channel.verify({"echostr": "echo123"})[0] == 403


def test_signature_is_sha1_of_the_sorted_strings() -> None:
    import hashlib

    assert signature("b", "c", "a") == hashlib.sha1(b"abc").hexdigest()


def test_a_message_with_a_wrong_signature_never_reaches_the_bot() -> None:
    async def run() -> None:
        channel, bot = make_channel(), FakeBot((0, {"text": "不该出现"}))
        status, _ = await channel.receive(signed(token="wrong"), text_xml("你好"), bot)
        assert status == 403 and bot.received == []
        await settle(channel)

    asyncio.run(run())


def test_disabled_without_a_token_and_credentials_yml_loads_without_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("WECHAT_TOKEN", "WECHAT_APPID", "WECHAT_SECRET", "WECHAT_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    from rasa.core.run import create_http_input_channels

    channels = create_http_input_channels(None, str(ROOT / "credentials.yml"))
    wechat = [c for c in channels if isinstance(c, WeChatInput)]
    assert len(wechat) == 1 and not wechat[0].settings.enabled
    assert wechat[0].verify({**signed(), "echostr": "x"})[0] == 404

    async def run() -> None:
        bot = FakeBot()
        assert (await wechat[0].receive(signed(), text_xml("你好"), bot))[0] == 404
        assert bot.received == []

    asyncio.run(run())
    # the blueprint registers on a Sanic app (as Rasa mounts it, under /webhooks/wechat)
    from sanic import Sanic

    app = Sanic("wechat_channel_test")
    app.blueprint(wechat[0].blueprint(FakeBot()), url_prefix="/webhooks/wechat")
    paths = {route.path for route in app.router.routes}
    assert "webhooks/wechat/webhook" in paths


def test_settings_from_the_environment() -> None:
    s = WeChatSettings.from_env(
        {"WECHAT_TOKEN": "t", "WECHAT_APPID": "a", "WECHAT_SECRET": "s", "WECHAT_API_BASE": "http://x/"}
    )
    assert s.enabled and s.can_send_later and s.api_base == "http://x" and s.reply_window == 4.5
    assert not WeChatSettings.from_env({}).enabled
    assert WeChatSettings.from_env({"WECHAT_REPLY_WINDOW": "abc"}).reply_window == 4.5


# ------------------------------------------------------------------ replies


def test_a_quick_answer_is_the_passive_reply_with_buttons_as_numbers() -> None:
    async def run() -> None:
        fake = FakeWeChat()
        channel = make_channel(fake)
        buttons = [
            {"title": "注销户口", "payload": "/choose_item"},
            {"title": "领丧葬费", "payload": "/funeral"},
        ]
        bot = FakeBot(
            (0, {"text": "请节哀。您想先办哪一件？", "buttons": buttons}),
            (0, {"custom": {"items": ["hukou_cancel"]}}),
        )
        status, body = await channel.receive(signed(), text_xml("老人走了要办啥子"), bot)
        assert status == 200
        content = reply_content(body)
        assert content == "请节哀。您想先办哪一件？\n回复 1 注销户口\n回复 2 领丧葬费"
        assert "items" not in content  # custom payloads are for the widget, not WeChat
        msg = bot.received[0]
        assert msg.text == "老人走了要办啥子" and msg.input_channel == "wechat"
        assert OPENID not in msg.sender_id and msg.sender_id.startswith("wx-")
        assert msg.sender_id == channel.sender_id(OPENID)  # stable: one conversation per family

        # the family answers "２" (full-width): the bot receives the second button's payload
        plain = FakeBot((0, {"text": "好的。"}))
        status, _ = await channel.receive(signed(), text_xml("２", msg_id="1002"), plain)
        assert plain.received[-1].text == "/funeral"
        # the options are used once: after an answer without buttons, "1" is just text
        await channel.receive(signed(), text_xml("1", msg_id="1003"), plain)
        assert plain.received[-1].text == "1"
        await settle(channel)
        assert fake.sent == [] and fake.token_calls == []  # everything fitted in the window

    asyncio.run(run())


def test_retries_of_the_same_message_reach_the_bot_once_and_get_the_same_reply() -> None:
    async def run() -> None:
        channel = make_channel()
        bot = FakeBot((0.05, {"text": "您好，请问有什么可以帮您？"}))
        xml = text_xml("你好", msg_id="777")
        # WeChat's first try and two retries, the first two overlapping
        first, second = await asyncio.gather(
            channel.receive(signed(), xml, bot), channel.receive(signed(), xml, bot)
        )
        third = await channel.receive(signed(nonce="other"), xml, bot)
        assert len(bot.received) == 1
        assert first == second == third
        assert reply_content(first[1]) == "您好，请问有什么可以帮您？"
        await settle(channel)

    asyncio.run(run())


def test_what_comes_after_the_window_goes_through_the_customer_service_api() -> None:
    async def run() -> None:
        fake = FakeWeChat()
        channel = make_channel(fake, window=0.2)
        bot = FakeBot(
            (0, {"text": "好的，我来查一下。"}),
            (
                0.8,
                {
                    "text": "您的材料清单：死亡证明、户口簿。",
                    "buttons": [{"title": "提交申请", "payload": "/submit"}],
                },
            ),
            (0, {"text": "还有什么要问的吗？"}),
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        status, body = await channel.receive(signed(), text_xml("我要看清单"), bot)
        elapsed = loop.time() - started
        assert status == 200 and elapsed < 0.2 + 0.4  # at the window's end, not after the bot (0.8 s)
        assert reply_content(body) == "好的，我来查一下。"
        await settle(channel)
        assert [m["text"]["content"] for m in fake.sent] == [
            "您的材料清单：死亡证明、户口簿。\n回复 1 提交申请",
            "还有什么要问的吗？",
        ]
        assert all(m["touser"] == OPENID and m["msgtype"] == "text" for m in fake.sent)
        assert len(fake.token_calls) == 1  # the access token is fetched once and cached
        assert fake.token_calls[0] == {
            "grant_type": "client_credential",
            "appid": "wxAPPID",
            "secret": "s3cret",
        }
        assert {m["token"] for m in fake.sent} == {"TOKEN1"}

    asyncio.run(run())


def test_nothing_within_the_window_gives_a_holding_reply() -> None:
    async def run() -> None:
        fake = FakeWeChat()
        channel = make_channel(fake, window=0.1)
        bot = FakeBot((0.3, {"text": "查到了：您的案件正在办理。"}))
        _, body = await channel.receive(signed(), text_xml("查进度"), bot)
        assert reply_content(body) == HOLDING_TEXT
        await settle(channel)
        assert [m["text"]["content"] for m in fake.sent] == ["查到了：您的案件正在办理。"]

    asyncio.run(run())


def test_an_expired_access_token_is_renewed_once() -> None:
    async def run() -> None:
        fake = FakeWeChat(fail_first_send_with=42001)
        channel = make_channel(fake, window=0.05)
        bot = FakeBot((0.15, {"text": "稍后的回复"}))
        await channel.receive(signed(), text_xml("你好"), bot)
        await settle(channel)
        assert [m["text"]["content"] for m in fake.sent] == ["稍后的回复"]
        assert len(fake.token_calls) == 2 and fake.sent[0]["token"] == "TOKEN2"

    asyncio.run(run())


def test_a_refused_access_token_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    async def run() -> None:
        fake = FakeWeChat()
        channel = make_channel(fake, window=0.05, secret="wrong")
        bot = FakeBot((0.15, {"text": "稍后的回复"}))
        status, _ = await channel.receive(signed(), text_xml("你好"), bot)
        assert status == 200
        await settle(channel)
        assert fake.sent == []

    asyncio.run(run())
    assert "customer-service message not sent" in caplog.text and "40125" in caplog.text


def test_events_and_other_message_types() -> None:
    async def run() -> None:
        channel, bot = make_channel(), FakeBot((0, {"text": "x"}))
        subscribe = (
            f"<xml><ToUserName>{ACCOUNT}</ToUserName><FromUserName>{OPENID}</FromUserName>"
            "<CreateTime>1700000001</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>"
        ).encode()
        assert reply_content((await channel.receive(signed(), subscribe, bot))[1]) == WELCOME
        image = (
            f"<xml><ToUserName>{ACCOUNT}</ToUserName><FromUserName>{OPENID}</FromUserName>"
            "<CreateTime>1700000002</CreateTime><MsgType>image</MsgType><MsgId>55</MsgId></xml>"
        ).encode()
        assert reply_content((await channel.receive(signed(), image, bot))[1]) == NOT_TEXT
        voice = (
            f"<xml><ToUserName>{ACCOUNT}</ToUserName><FromUserName>{OPENID}</FromUserName>"
            "<CreateTime>1700000003</CreateTime><MsgType>voice</MsgType>"
            "<Recognition>户口怎么注销</Recognition><MsgId>56</MsgId></xml>"
        ).encode()
        await channel.receive(signed(), voice, bot)
        assert [m.text for m in bot.received] == ["户口怎么注销"]
        await settle(channel)

    asyncio.run(run())


@pytest.mark.parametrize(
    "body",
    [
        b"not xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>',
        b"<xml><Encrypt>abc</Encrypt><ToUserName>gh</ToUserName></xml>",
        b"<xml><Content>no sender</Content></xml>",
    ],
)
def test_bad_bodies_are_refused(body: bytes) -> None:
    async def run() -> None:
        channel, bot = make_channel(), FakeBot()
        status, text = await channel.receive(signed(), body, bot)
        assert status == 400 and text == "消息格式不正确" and bot.received == []

    asyncio.run(run())


# ------------------------------------------------------------------ helpers


def test_numbered_options() -> None:
    buttons = [{"title": "是", "payload": "/affirm"}, {"title": "不是", "payload": "/deny"}]
    assert buttons_text("是您本人吗？", buttons) == "是您本人吗？\n回复 1 是\n回复 2 不是"
    assert chosen_option("1", buttons) == "/affirm"
    assert chosen_option(" 回复2 ", buttons) == "/deny"
    assert chosen_option("2。", buttons) == "/deny"
    assert chosen_option("3", buttons) is None
    assert chosen_option("1号", buttons) is None
    assert chosen_option("1", []) is None


def test_long_texts_are_split_within_wechats_limit() -> None:
    text = "\n".join(f"第{i}项材料：居民死亡医学证明（推断）书原件一份" for i in range(200))
    pieces = split_text(text)
    assert len(pieces) > 1 and all(len(p.encode()) <= 2000 for p in pieces)
    assert "\n".join(pieces) == text
    assert all(len(p.encode()) <= 2000 for p in split_text("很" * 3000))


def test_the_blueprint_routes_through_sanic() -> None:
    """The real routes as Rasa mounts them (/webhooks/wechat), driven over ASGI (sanic_testing, Rasa's
    test client, is not installed; ``_startup`` finalises the routers as the server would)."""
    from sanic import Sanic

    async def run() -> None:
        fake = FakeWeChat()
        channel = make_channel(fake)
        bot = FakeBot((0, {"text": "您好", "buttons": [{"title": "查进度", "payload": "/check_progress"}]}))
        app = Sanic("wechat_channel_asgi_test")
        app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/wechat")
        await app._startup()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://rasa") as client:
            r = await client.get("/webhooks/wechat/webhook", params={**signed(), "echostr": "e-42"})
            assert (r.status_code, r.text) == (200, "e-42")
            r = await client.get("/webhooks/wechat/webhook", params={**signed(token="x"), "echostr": "e"})
            assert r.status_code == 403
            r = await client.post("/webhooks/wechat/webhook", params=signed(), content=text_xml("你好"))
            assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
            assert reply_content(r.text) == "您好\n回复 1 查进度"
            r = await client.post("/webhooks/wechat/webhook", params=signed(), content=b"<xml>")
            assert r.status_code == 400
        await settle(channel)

    asyncio.run(run())


def test_a_failing_assistant_gets_an_apology_not_silence() -> None:
    async def run() -> None:
        channel = make_channel()

        async def broken(message: UserMessage) -> None:
            raise RuntimeError("tracker store down")

        status, body = await channel.receive(signed(), text_xml("你好"), broken)
        assert status == 200 and "12345" in reply_content(body)
        await settle(channel)

    asyncio.run(run())


# ------------------------------------------------------------------ several Rasa processes

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        msg = f"Redis unreachable at {REDIS_URL} ({type(exc).__name__}); shared de-duplication not tested"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{msg} — CI=true requires this service", pytrace=False)
        pytest.skip(msg)
    return REDIS_URL


def test_a_retry_on_another_process_reaches_the_bot_once() -> None:
    url = redis_or_skip()

    async def run() -> None:
        first, second = make_channel(redis_url=url), make_channel(redis_url=url)
        bot = FakeBot((0.1, {"text": "您好，请问有什么可以帮您？"}))
        xml = text_xml("你好", msg_id=f"multi-{uuid.uuid4().hex}")

        async def retry_elsewhere() -> tuple[int, str]:
            await asyncio.sleep(0.03)  # WeChat's retry, balanced to the other Rasa process
            return await second.receive(signed(), xml, bot)

        a, b = await asyncio.gather(first.receive(signed(), xml, bot), retry_elsewhere())
        c = await second.receive(signed(nonce="third"), xml, bot)  # the third try, after the reply
        assert len(bot.received) == 1
        assert a == b == c and reply_content(a[1]) == "您好，请问有什么可以帮您？"
        await settle(first)
        await settle(second)

    asyncio.run(run())


def test_redis_down_still_answers() -> None:
    async def run() -> None:
        channel = make_channel(redis_url="redis://127.0.0.1:9/0")
        bot = FakeBot((0, {"text": "您好"}))
        status, body = await channel.receive(signed(), text_xml("你好", msg_id="r-down"), bot)
        assert status == 200 and reply_content(body) == "您好" and len(bot.received) == 1
        await settle(channel)

    asyncio.run(run())


def test_a_number_answered_on_another_process_picks_the_option() -> None:
    url = redis_or_skip()

    async def run() -> None:
        first, second = make_channel(redis_url=url), make_channel(redis_url=url)
        openid = f"o-{uuid.uuid4().hex}"
        asks = FakeBot((0, {"text": "是您本人吗？", "buttons": [{"title": "是", "payload": "/affirm"}]}))
        await first.receive(signed(), text_xml("查进度", msg_id=uuid.uuid4().hex, openid=openid), asks)
        plain = FakeBot((0, {"text": "好的。"}))
        await second.receive(signed(), text_xml("1", msg_id=uuid.uuid4().hex, openid=openid), plain)
        assert plain.received[-1].text == "/affirm"
        await second.receive(signed(), text_xml("1", msg_id=uuid.uuid4().hex, openid=openid), plain)
        assert plain.received[-1].text == "1"  # used once
        # Redis holds the options under the tracker's sender id, never the openid
        import redis

        keys = [k.decode() for k in redis.Redis.from_url(url).keys("wechat:*")]
        assert not any(openid in k for k in keys)
        await settle(first)
        await settle(second)

    asyncio.run(run())
