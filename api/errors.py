"""Errors as JSON with a stable `code` and a Chinese `message` a person can act on."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    """Raise anywhere in a request; the handler turns it into the JSON error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details, headers


_TYPE_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识这个字段，请删除或检查拼写",
    "literal_error": "取值无效",
    "enum": "取值无效",
    "bool_parsing": "应为是（true）或否（false）",
    "bool_type": "应为是（true）或否（false）",
    "string_type": "应为文字",
    "int_parsing": "应为整数",
    "date_from_datetime_parsing": "应为日期，格式如 2026-11-29",
    "date_parsing": "应为日期，格式如 2026-11-29",
    "json_invalid": "请求内容不是有效的 JSON",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_attributes_type": "应为对象",
}


def field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "请求"


def describe_validation_error(err: dict[str, Any]) -> str:
    path = field_path(tuple(err.get("loc", ())))
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind in ("literal_error", "enum") and "expected" in ctx:
        return f"字段 {path} 的取值 {err.get('input')!r} 无效，可选：{ctx['expected']}"
    if kind == "value_error":
        # our own validators raise ValueError with a Chinese sentence already
        return f"字段 {path}：{str(ctx.get('error') or err.get('msg', '')).removeprefix('Value error, ')}"
    base = _TYPE_MESSAGES.get(kind, err.get("msg", "格式不正确"))
    return f"字段 {path}：{base}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        body: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.details is not None:
            body["details"] = exc.details
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": field_path(tuple(e.get("loc", ()))), "message": describe_validation_error(e)}
            for e in exc.errors()
        ]
        message = "；".join(e["message"] for e in errors[:3])
        if len(errors) > 3:
            message += f"；另有 {len(errors) - 3} 处问题"
        return JSONResponse(
            {"code": "invalid_request", "message": message, "errors": errors}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "没有找到这个地址或对象", 405: "不支持这种请求方式", 401: "需要登录或凭证"}
        message = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else None
        return JSONResponse(
            {
                "code": f"http_{exc.status_code}",
                "message": message or messages.get(exc.status_code, "请求失败"),
            },
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - last resort
        import logging

        logging.getLogger("api").exception("unhandled error: %s", type(exc).__name__)
        return JSONResponse(
            {"code": "internal_error", "message": "系统出了点问题，请稍后再试，或拨打 12345 热线。"},
            status_code=500,
        )
