"""Size and depth limits on request bodies and free-form JSON, checked when a request is validated —
before anything is committed — so one request cannot store a value that breaks every later read of
a case (issue 7). Bodies over MAX_BODY_BYTES are refused with 413 before they are parsed.

Every free-form field of an input model (a task's ``result``, a case's ``situation``) is checked with
``check_json``; the limits below are generous for what the fields are for (a certificate number,
an amount, a few flags) and small enough that the value is cheap to store, serialise and show.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# a department's result: {"certificate_no": "..."}, {"amount_paid": 12345.6}, {"items": [{...}]}
RESULT_MAX_DEPTH = 4
RESULT_MAX_BYTES = 8 * 1024
# the situation answers: a flat object of short values
SITUATION_MAX_DEPTH = 1
SITUATION_MAX_BYTES = 4 * 1024

MAX_KEY_CHARS = 64
MAX_STRING_CHARS = 1000
MAX_ENTRIES = 50  # keys of one object, elements of one list
MAX_ABS_NUMBER = 10**15


class JsonLimitError(ValueError):
    """The message is a Chinese sentence naming the field and the limit."""


def check_json(value: Any, *, what: str, max_depth: int, max_bytes: int) -> None:
    """Raise JsonLimitError when `value` (parsed JSON) nests deeper than `max_depth` containers,
    takes more than `max_bytes` as UTF-8 JSON, or holds an over-long key or string, an over-long
    object or list, a number that is not finite or out of range. Iterative: any depth is safe."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            depth += 1
            if depth > max_depth:
                raise JsonLimitError(
                    f"{what} 嵌套层次太多（最多 {max_depth} 层），请把内容整理成简单的键和值"
                )
            if len(node) > MAX_ENTRIES:
                raise JsonLimitError(f"{what} 的条目太多（每层最多 {MAX_ENTRIES} 项）")
            if isinstance(node, dict):
                for k, v in node.items():
                    if not isinstance(k, str) or len(k) > MAX_KEY_CHARS:
                        raise JsonLimitError(f"{what} 的键名太长（最多 {MAX_KEY_CHARS} 个字符）")
                    stack.append((v, depth))
            else:
                stack.extend((v, depth) for v in node)
        elif isinstance(node, str):
            if len(node) > MAX_STRING_CHARS:
                raise JsonLimitError(f"{what} 中的文字太长（每项最多 {MAX_STRING_CHARS} 个字符）")
        elif isinstance(node, bool) or node is None:
            continue
        elif isinstance(node, int | float):
            if isinstance(node, float) and not math.isfinite(node):
                raise JsonLimitError(f"{what} 中有无效的数字（NaN 或无穷大）")
            if abs(node) >= MAX_ABS_NUMBER:
                raise JsonLimitError(f"{what} 中的数字太大；编号请用文字（加引号）填写")
        else:
            raise JsonLimitError(f"{what} 中有无法保存的值")
    size = len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    if size > max_bytes:
        raise JsonLimitError(f"{what} 内容太大（{size} 字节，最多 {max_bytes} 字节）")


# ------------------------------------------------------------------ request bodies

# The largest legitimate body is a submission or a task result of a few kilobytes.
MAX_BODY_BYTES = 256 * 1024


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"请求内容太大（最多 {limit // 1024} KB），请只提交表单需要的内容。")


class BodySizeLimitMiddleware:
    """Refuses a body larger than `max_bytes` with 413 before it is parsed: at once when
    Content-Length says so, otherwise as soon as the bytes read exceed it (chunked uploads)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            text = declared.decode("latin-1").strip()
            if not text.isdigit() or int(text) > self.max_bytes:
                await self._refuse(send)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        exc = BodyTooLarge(self.max_bytes)
        body = json.dumps({"code": "body_too_large", "message": exc.detail}, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
