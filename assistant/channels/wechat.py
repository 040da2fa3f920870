"""WeChat official account (公众号) customer-service messages as a Rasa input channel.

Registered in credentials.yml as ``assistant.channels.wechat.WeChatInput``; every setting comes from
the environment (docs/channels.md):

- ``WECHAT_TOKEN``      the token set in the official account's server configuration (signature check);
                        absent → the channel is disabled: its URLs answer 404 and nothing else changes.
- ``WECHAT_APPID``, ``WECHAT_SECRET``  for the access token of the customer-service message API; absent →
                        only passive replies (what the bot said within the window).
- ``WECHAT_API_BASE``   default ``https://api.weixin.qq.com`` (a local fake in tests and development).
- ``WECHAT_REPLY_WINDOW`` seconds the passive reply waits for the bot (default 4.5; WeChat waits 5).
- ``WECHAT_API_TIMEOUT`` seconds for each call to WeChat's API (default 5).
- ``WECHAT_DEDUP_REDIS_URL`` a Redis (``redis://[:password@]host:port/db``) shared by several Rasa
                        processes, so that a retry landing on another process is not answered twice;
                        unset → de-duplication in the memory of one process.

URLs (Rasa mounts the blueprint at /webhooks/wechat): ``GET /webhooks/wechat/webhook`` answers WeChat's
server verification (``echostr``), ``POST /webhooks/wechat/webhook`` receives the XML messages. Both check
``signature = sha1(sorted(token, timestamp, nonce))``. Plain-text mode (明文模式) only: encrypted messages
(安全模式) are refused with a log line.

One turn: the message goes to the bot at once; what the bot says within the window is the passive XML
reply; whatever comes later goes through the customer-service message API
(``POST {base}/cgi-bin/message/custom/send``, access token from ``{base}/cgi-bin/token`` cached until
shortly before it expires). WeChat retries a message that got no answer in 5 s (three tries): a retry of
a message already received never reaches the bot again; it gets the same reply. Buttons become numbered
options ("回复 1 …"); a later reply of just that number sends the button's payload.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import time
import xml.etree.ElementTree as ET
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import httpx
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
MAX_BODY = 64 * 1024
# WeChat shows at most 2048 bytes of a text message; keep a margin for the joining blank lines.
MAX_TEXT_BYTES = 2000
HOLDING_TEXT = "正在为您查询，请稍等，马上回复您。"
NOT_TEXT = "目前我只能看懂文字。请直接打字告诉我您想办什么，比如“户口怎么注销”。"
WELCOME = (
    "您好，这里是贵州省个人身后“一件事”服务。请节哀。\n"
    "您可以直接打字问我，比如“老人走了要办哪些事”“户口怎么注销”，或发送案件编号查询办理进度。"
)
DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


# ------------------------------------------------------------------ settings


@dataclass(frozen=True)
class WeChatSettings:
    token: str = ""
    appid: str = ""
    secret: str = ""
    api_base: str = DEFAULT_API_BASE
    reply_window: float = 4.5
    api_timeout: float = 5.0
    dedup_redis_url: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @property
    def can_send_later(self) -> bool:
        return bool(self.appid and self.secret)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> WeChatSettings:
        env = dict(os.environ) if env is None else env

        def number(name: str, default: float) -> float:
            raw = env.get(name, "").strip()
            try:
                return float(raw) if raw else default
            except ValueError:
                log.warning("wechat: %s=%r is not a number; using %s", name, raw, default)
                return default

        return cls(
            token=env.get("WECHAT_TOKEN", "").strip(),
            appid=env.get("WECHAT_APPID", "").strip(),
            secret=env.get("WECHAT_SECRET", "").strip(),
            api_base=(env.get("WECHAT_API_BASE", "").strip() or DEFAULT_API_BASE).rstrip("/"),
            reply_window=number("WECHAT_REPLY_WINDOW", 4.5),
            api_timeout=number("WECHAT_API_TIMEOUT", 5.0),
            dedup_redis_url=env.get("WECHAT_DEDUP_REDIS_URL", "").strip(),
        )


def signature(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's signature: sha1 of the three strings sorted and joined."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode("utf-8")).hexdigest()


def signature_valid(token: str, args: dict[str, str]) -> bool:
    expected = signature(token, args.get("timestamp", ""), args.get("nonce", ""))
    return hmac.compare_digest(expected, args.get("signature", ""))


# ------------------------------------------------------------------ messages


@dataclass(frozen=True)
class Incoming:
    to_user: str  # the official account
    from_user: str  # the family's openid
    create_time: str
    msg_type: str
    content: str = ""
    msg_id: str = ""
    event: str = ""

    @property
    def dedup_key(self) -> str:
        # events carry no MsgId; WeChat's own advice is FromUserName + CreateTime
        return self.msg_id or f"{self.from_user}:{self.create_time}:{self.event}"


class BadMessage(ValueError):
    pass


def parse_xml(body: bytes) -> Incoming:
    if len(body) > MAX_BODY:
        raise BadMessage("message too large")
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise BadMessage("DTDs are not accepted")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise BadMessage(f"not XML: {exc}") from None

    def text(tag: str) -> str:
        node = root.find(tag)
        return (node.text or "").strip() if node is not None else ""

    if root.find("Encrypt") is not None and root.find("MsgType") is None:
        raise BadMessage("encrypted message (安全模式) is not supported: use 明文模式")
    msg_type = text("MsgType")
    content = text("Content")
    if msg_type == "voice":  # speech recognition, when the account has it switched on
        content = text("Recognition")
    incoming = Incoming(
        to_user=text("ToUserName"),
        from_user=text("FromUserName"),
        create_time=text("CreateTime"),
        msg_type=msg_type,
        content=content,
        msg_id=text("MsgId"),
        event=text("Event").lower(),
    )
    if not incoming.from_user or not incoming.to_user or not msg_type:
        raise BadMessage("ToUserName, FromUserName and MsgType are required")
    return incoming


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply_xml(incoming: Incoming, content: str, now: int | None = None) -> str:
    """The passive reply: a text message from the account back to the family."""
    return (
        "<xml>"
        f"<ToUserName>{_cdata(incoming.from_user)}</ToUserName>"
        f"<FromUserName>{_cdata(incoming.to_user)}</FromUserName>"
        f"<CreateTime>{int(time.time()) if now is None else now}</CreateTime>"
        "<MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content>"
        "</xml>"
    )


def buttons_text(text: str, buttons: list[dict[str, Any]]) -> str:
    """A message with buttons as numbered options WeChat can show: "回复 1 …"."""
    lines = [text.strip()] if text and text.strip() else []
    lines += [f"回复 {i} {b.get('title', '')}".rstrip() for i, b in enumerate(buttons, start=1)]
    return "\n".join(lines)


def chosen_option(text: str, buttons: list[dict[str, Any]]) -> str | None:
    """The payload of the option a bare number picks ("1", "１", "回复1", "1."), else None."""
    m = re.fullmatch(r"\s*(?:回复|选)?\s*(\d{1,2})\s*[.。、)）]?\s*", text.translate(DIGITS))
    if not m:
        return None
    n = int(m.group(1))
    if 1 <= n <= len(buttons):
        b = buttons[n - 1]
        return str(b.get("payload") or b.get("title") or "")
    return None


def _utf8_len(value: str) -> int:
    return len(value.encode("utf-8"))


def split_text(value: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut at line ends where possible."""
    pieces: list[str] = []
    current = ""
    for line in value.splitlines(keepends=True):
        while _utf8_len(line) > limit:  # one very long line: cut by characters
            cut = len(line)
            while _utf8_len(line[:cut]) > limit:
                cut = cut * 3 // 4
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:cut])
            line = line[cut:]
        if _utf8_len(current + line) > limit:
            pieces.append(current)
            current = ""
        current += line
    if current.strip():
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


# ------------------------------------------------------------------ WeChat's API


class WeChatApiError(RuntimeError):
    pass


class WeChatApi:
    """The customer-service message API with a cached access token."""

    # access token invalid or expired: fetch a new one and try once more
    TOKEN_ERRORS: ClassVar[frozenset[int]] = frozenset({40001, 40014, 42001})

    def __init__(self, settings: WeChatSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self._transport = transport
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                base_url=self.settings.api_base, timeout=self.settings.api_timeout, transport=self._transport
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def access_token(self, *, refresh: bool = False) -> str:
        async with self._token_lock:
            if not refresh and self._token and time.monotonic() < self._token_expires:
                return self._token
            try:
                r = await self._http().get(
                    "/cgi-bin/token",
                    params={
                        "grant_type": "client_credential",
                        "appid": self.settings.appid,
                        "secret": self.settings.secret,
                    },
                )
                data = r.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise WeChatApiError(f"access token: {type(exc).__name__}") from None
            token = data.get("access_token") if isinstance(data, dict) else None
            if not token:
                raise WeChatApiError(
                    f"access token refused: errcode={data.get('errcode')} {data.get('errmsg')}"
                )
            expires_in = int(data.get("expires_in") or 7200)
            # renew five minutes early (at least half the lifetime) so a token never expires mid-send
            self._token = token
            self._token_expires = time.monotonic() + max(expires_in - 300, expires_in // 2)
            return token

    async def send_text(self, openid: str, content: str) -> None:
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        for attempt in (1, 2):
            token = await self.access_token(refresh=attempt == 2)
            try:
                r = await self._http().post(
                    "/cgi-bin/message/custom/send", params={"access_token": token}, json=body
                )
                data = r.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise WeChatApiError(f"custom/send: {type(exc).__name__}") from None
            code = int(data.get("errcode") or 0) if isinstance(data, dict) else -1
            if code == 0:
                return
            if code in self.TOKEN_ERRORS and attempt == 1:
                continue
            raise WeChatApiError(f"custom/send refused: errcode={code} {data.get('errmsg', '')}")


# ------------------------------------------------------------------ one turn


@dataclass
class Turn:
    """What the bot says for one WeChat message: kept for the passive reply until the window closes,
    sent through the customer-service API afterwards."""

    incoming: Incoming
    passive: list[str] = field(default_factory=list)
    sealed: bool = False
    reply_xml: str | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # reply_xml is set
    created: float = field(default_factory=time.monotonic)


class WeChatOutput(OutputChannel):
    def __init__(self, channel: WeChatInput, turn: Turn) -> None:
        self.channel, self.turn = channel, turn

    @classmethod
    def name(cls) -> str:
        return "wechat"

    async def _deliver(self, text: str) -> None:
        for piece in split_text(text):
            turn = self.turn
            fits = _utf8_len("\n\n".join([*turn.passive, piece])) <= MAX_TEXT_BYTES
            if not turn.sealed and fits:
                turn.passive.append(piece)
                continue
            turn.sealed = True  # keep the order: once one piece goes later, every following one does
            await self.channel.send_later(turn.incoming.from_user, piece)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if text and text.strip():
            await self._deliver(text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.channel.remember_buttons(self.turn.incoming.from_user, buttons)
        await self._deliver(buttons_text(text, buttons))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        # structured payloads (checklist, items, case number) are for the widget and the mini-program;
        # the text of the same message already says it in words
        return None

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._deliver(image)

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        await self._deliver(str(attachment))


# ------------------------------------------------------------------ shared de-duplication


class SharedTurns:
    """Message ids claimed in Redis, for several Rasa processes behind one address: the first process to
    claim a message answers it and stores its passive reply; a retry on another process waits for that
    reply (up to the window) instead of sending the message to the bot again. The numbered options sent
    to a family are kept there too (by the tracker's sender id, never the openid), so "1" works whichever
    process receives it."""

    PENDING = "\x00pending"
    POLL = 0.1

    def __init__(self, url: str, ttl: float, prefix: str = "wechat:") -> None:
        import redis.asyncio as aioredis  # Rasa's own dependency (its Redis lock and tracker stores)

        self.redis = aioredis.from_url(url, socket_timeout=2, socket_connect_timeout=2, decode_responses=True)
        self.ttl, self.prefix = max(1, int(ttl)), prefix

    async def claim(self, key: str) -> bool:
        """True when this process is the first to see the message (or Redis is down: answer anyway)."""
        try:
            return bool(await self.redis.set(f"{self.prefix}msg:{key}", self.PENDING, nx=True, ex=self.ttl))
        except Exception as exc:  # a Redis outage must not silence the channel
            log.warning("wechat: shared de-duplication unavailable (%s); answering here", type(exc).__name__)
            return True

    async def publish(self, key: str, reply: str) -> None:
        try:
            await self.redis.set(f"{self.prefix}msg:{key}", reply, ex=self.ttl)
        except Exception as exc:
            log.warning("wechat: reply not shared for retries (%s)", type(exc).__name__)

    async def reply(self, key: str, timeout: float) -> str | None:
        """The first process's reply once it has one (None when it does not come in time)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = await self.redis.get(f"{self.prefix}msg:{key}")
            except Exception:
                return None
            if value is not None and value != self.PENDING:
                return value
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(self.POLL)

    async def put_buttons(self, sender: str, buttons: list[dict[str, Any]], ttl: float) -> None:
        try:
            await self.redis.set(
                f"{self.prefix}opts:{sender}", json.dumps(buttons, ensure_ascii=False), ex=int(ttl)
            )
        except Exception as exc:
            log.warning("wechat: numbered options not shared (%s)", type(exc).__name__)

    async def take_buttons(self, sender: str) -> list[dict[str, Any]]:
        """The options last sent to this family, forgotten as they are read (used once)."""
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                value, _ = (
                    await pipe.get(f"{self.prefix}opts:{sender}")
                    .delete(f"{self.prefix}opts:{sender}")
                    .execute()
                )
            kept = json.loads(value) if value else []
            return kept if isinstance(kept, list) else []
        except Exception as exc:
            log.warning("wechat: numbered options not read (%s)", type(exc).__name__)
            return []

    async def close(self) -> None:
        await self.redis.close()


# ------------------------------------------------------------------ the channel


class WeChatInput(InputChannel):
    DEDUP_SECONDS = 120.0  # WeChat's three tries fall within about 15 s
    DEDUP_MAX = 10_000
    BUTTONS_SECONDS = 30 * 60.0

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WeChatInput:
        # credentials.yml names the channel only; every value comes from the environment, so a
        # machine without WECHAT_TOKEN starts with the channel disabled instead of failing
        settings = WeChatSettings.from_env()
        if not settings.enabled:
            log.info("wechat channel disabled (WECHAT_TOKEN is not set)")
        elif not settings.can_send_later:
            log.warning(
                "wechat channel: WECHAT_APPID/WECHAT_SECRET not set; replies after the window are dropped"
            )
        return cls(settings)

    def __init__(self, settings: WeChatSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.api = WeChatApi(settings, transport)
        self._turns: OrderedDict[str, Turn] = OrderedDict()
        self._buttons: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.shared = (
            SharedTurns(settings.dedup_redis_url, self.DEDUP_SECONDS) if settings.dedup_redis_url else None
        )

    def sender_id(self, openid: str) -> str:
        """The tracker's sender id: a keyed hash of the openid, so the tracker store never holds it."""
        digest = hmac.new(self.settings.token.encode(), openid.encode(), hashlib.sha256).hexdigest()
        return f"wx-{digest[:32]}"

    # -------------------------------------------------------------- state

    async def remember_buttons(self, openid: str, buttons: list[dict[str, Any]]) -> None:
        options = [{"title": b.get("title"), "payload": b.get("payload")} for b in buttons]
        if self.shared is not None:
            await self.shared.put_buttons(self.sender_id(openid), options, self.BUTTONS_SECONDS)
            return
        self._buttons.pop(openid, None)
        self._buttons[openid] = (time.monotonic(), options)
        while len(self._buttons) > self.DEDUP_MAX:  # the oldest families' options go first
            self._buttons.pop(next(iter(self._buttons)))

    async def take_buttons(self, openid: str) -> list[dict[str, Any]]:
        """The options last sent to this family, forgotten as they are read (each set is used once)."""
        if self.shared is not None:
            return await self.shared.take_buttons(self.sender_id(openid))
        kept = self._buttons.pop(openid, None)
        if kept is None or time.monotonic() - kept[0] > self.BUTTONS_SECONDS:
            return []
        return kept[1]

    def _forget_old_turns(self) -> None:
        now = time.monotonic()
        while self._turns:
            turn = next(iter(self._turns.values()))
            if now - turn.created <= self.DEDUP_SECONDS and len(self._turns) <= self.DEDUP_MAX:
                break
            self._turns.popitem(last=False)

    async def send_later(self, openid: str, text: str) -> None:
        if not self.settings.can_send_later:
            log.warning("wechat: a reply after the window was dropped (WECHAT_APPID/WECHAT_SECRET not set)")
            return
        try:
            await self.api.send_text(openid, text)
        except WeChatApiError as exc:
            log.error("wechat: customer-service message not sent: %s", exc)

    # -------------------------------------------------------------- handlers

    def verify(self, args: dict[str, str]) -> tuple[int, str]:
        """GET: WeChat's server verification; (status, body)."""
        if not self.settings.enabled:
            return 404, "微信渠道未启用"
        if not signature_valid(self.settings.token, args):
            log.warning("wechat: verification with a wrong signature refused")
            return 403, "签名校验失败"
        return 200, args.get("echostr", "")

    async def receive(
        self,
        args: dict[str, str],
        body: bytes,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> tuple[int, str]:
        """POST: one message; (status, body) where body is the passive XML reply or "success"."""
        if not self.settings.enabled:
            return 404, "微信渠道未启用"
        if not signature_valid(self.settings.token, args):
            log.warning("wechat: a message with a wrong signature refused")
            return 403, "签名校验失败"
        try:
            incoming = parse_xml(body)
        except BadMessage as exc:
            log.warning("wechat: message not read: %s", exc)
            return 400, "消息格式不正确"

        self._forget_old_turns()
        key = incoming.dedup_key
        turn = self._turns.get(key)
        if turn is not None:  # a retry of a message already received: never to the bot again
            log.info("wechat: retry of message %s answered from the first try", key)
        elif self.shared is not None and not await self.shared.claim(key):
            # another process received it first: its reply, when it has one, is this one's too
            log.info("wechat: retry of message %s answered by another process", key)
            reply = await self.shared.reply(key, self.settings.reply_window + 0.4)
            return 200, reply if reply is not None else "success"
        else:
            turn = Turn(incoming)
            self._turns[key] = turn
            self._start(turn, on_new_message)
        # the turn sets its reply when the window closes; the margin only guards against a bug
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(turn.ready.wait(), timeout=self.settings.reply_window + 0.4)
        if turn.reply_xml is None:
            return 200, "success"
        return 200, turn.reply_xml

    def _start(self, turn: Turn, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        task = asyncio.ensure_future(self._run_turn(turn, on_new_message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run_turn(self, turn: Turn, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        incoming = turn.incoming
        bot = asyncio.ensure_future(self._to_bot(turn, on_new_message))
        try:
            await asyncio.wait_for(asyncio.shield(bot), timeout=self.settings.reply_window)
        except asyncio.TimeoutError:
            pass
        except Exception:  # the bot failed: say so in the reply rather than nothing
            log.exception("wechat: the assistant failed on a message")
        # the window closes: what the bot said so far is the passive reply; the rest goes later
        turn.sealed = True
        if turn.passive:
            content = "\n\n".join(turn.passive)
        elif bot.done():
            content = (
                "" if bot.exception() is None else "抱歉，系统暂时出了点问题。请稍后再试，或拨打 12345 咨询。"
            )
        else:
            content = HOLDING_TEXT if self.settings.can_send_later else ""
        turn.reply_xml = text_reply_xml(incoming, content) if content else "success"
        turn.ready.set()
        if self.shared is not None:
            await self.shared.publish(incoming.dedup_key, turn.reply_xml)
        if not bot.done():
            try:
                await bot
            except Exception:
                log.exception("wechat: the assistant failed on a message")

    async def _to_bot(self, turn: Turn, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        incoming = turn.incoming
        output = WeChatOutput(self, turn)
        if incoming.msg_type == "event":
            if incoming.event == "subscribe":
                await output.send_text_message(incoming.from_user, WELCOME)
            return  # unsubscribe, menu clicks, location reports: nothing to say
        if incoming.msg_type not in ("text", "voice") or not incoming.content:
            await output.send_text_message(incoming.from_user, NOT_TEXT)
            return
        text = incoming.content
        payload = chosen_option(text, await self.take_buttons(incoming.from_user))
        if payload:
            text = payload
        await on_new_message(
            UserMessage(
                text,
                output,
                self.sender_id(incoming.from_user),
                input_channel=self.name(),
                metadata={"channel": "wechat"},
            )
        )

    # -------------------------------------------------------------- sanic

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("wechat_webhook", __name__)

        def args_of(request: Request) -> dict[str, str]:
            return {k: request.args.get(k, "") for k in ("signature", "timestamp", "nonce", "echostr")}

        @bp.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "enabled": self.settings.enabled})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            status, body = self.verify(args_of(request))
            return response.text(body, status=status)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            status, body = await self.receive(args_of(request), request.body or b"", on_new_message)
            content_type = "application/xml" if body.startswith("<xml>") else "text/plain"
            return response.text(body, status=status, content_type=f"{content_type}; charset=utf-8")

        return bp
