"""Errors as JSON with a stable `code` and a Chinese `message` a person can act on."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

# The one table of error answers routes declare in OpenAPI; every body is {code, message, details?}.
ERROR_DESCRIPTIONS: dict[int, str] = {
    401: "缺少或无效的凭证",
    403: "无权办理",
    404: "没有找到",
    409: "冲突",
    422: "请求内容不符合要求",
    429: "请求太频繁",
}


def error_responses(*statuses: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route for these statuses, described from ERROR_DESCRIPTIONS; a route
    may word one more precisely with a keyword ``s<status>`` (``s403="只有管理员可以查看"``)."""
    return {
        code: {"description": descriptions.get(f"s{code}", ERROR_DESCRIPTIONS[code])} for code in statuses
    }


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
    "model_type": "应为对象",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "date_type": "应为日期，格式如 2026-11-29",
    "date_from_datetime_inexact": "应为日期，格式如 2026-11-29",
    "datetime_type": "应为日期时间",
    "datetime_parsing": "应为日期时间",
    "string_unicode": "应为文字",
    "string_pattern_mismatch": "格式不正确",
    "json_type": "应为 JSON 内容",
    "is_instance_of": "类型不正确",
    "none_required": "应为空（null）",
    "recursion_loop": "嵌套层次太多",
    "uuid_parsing": "格式不正确",
    "url_parsing": "不是有效的网址",
}

# messages that name the limit from pydantic's context (never English text to the user)
_LIMIT_MESSAGES = {
    "string_too_short": lambda c: (
        "不能为空" if c.get("min_length") == 1 else f"至少 {c.get('min_length')} 个字符"
    ),
    "string_too_long": lambda c: f"太长了，最多 {c.get('max_length')} 个字符",
    "too_short": lambda c: f"至少要有 {c.get('min_length')} 项",
    "too_long": lambda c: f"太多了，最多 {c.get('max_length')} 项",
    "greater_than_equal": lambda c: f"不能小于 {c.get('ge')}",
    "greater_than": lambda c: f"应大于 {c.get('gt')}",
    "less_than_equal": lambda c: f"不能大于 {c.get('le')}",
    "less_than": lambda c: f"应小于 {c.get('lt')}",
    "multiple_of": lambda c: f"应为 {c.get('multiple_of')} 的倍数",
}


def preview(value: Any, limit: int = 40, *, plain: bool = False) -> str:
    """A value as it may appear in a message (its repr, or the text itself when `plain`): never
    echoed back in full (a 10-million-character key was once echoed twice in a 20 MB answer)."""
    try:
        text = value if plain and isinstance(value, str) else repr(value)
    except Exception:  # pragma: no cover - a repr that fails
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit] + f"…（共 {len(text)} 个字符）"


def field_path(loc: tuple[Any, ...]) -> str:
    parts = [preview(str(p), 64, plain=True) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "请求"


def describe_validation_error(err: dict[str, Any]) -> str:
    path = field_path(tuple(err.get("loc", ())))
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind in ("literal_error", "enum") and "expected" in ctx:
        return f"字段 {path} 的取值 {preview(err.get('input'))} 无效，可选：{ctx['expected']}"
    if kind in ("value_error", "assertion_error"):
        # our own validators raise ValueError with a Chinese sentence already
        return f"字段 {path}：{str(ctx.get('error') or err.get('msg', '')).removeprefix('Value error, ')}"
    if kind in _LIMIT_MESSAGES:
        return f"字段 {path}：{_LIMIT_MESSAGES[kind](ctx)}"
    # anything else: a Chinese sentence, never pydantic's English message
    return f"字段 {path}：{_TYPE_MESSAGES.get(kind, '格式不正确')}"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        body: dict[str, Any] = {"code": exc.code, "message": exc.message}
        if exc.details is not None:
            body["details"] = exc.details
        return JSONResponse(body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        all_errors = exc.errors()
        errors = [
            {"field": field_path(tuple(e.get("loc", ()))), "message": describe_validation_error(e)}
            for e in all_errors[:20]
        ]
        message = "；".join(e["message"] for e in errors[:3])
        if len(all_errors) > 3:
            message += f"；另有 {len(all_errors) - 3} 处问题"
        return JSONResponse(
            {"code": "invalid_request", "message": message, "errors": errors}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {
            400: "请求内容无法解析，请检查是否为有效的 JSON",
            401: "需要登录或凭证",
            404: "没有找到这个地址或对象",
            405: "不支持这种请求方式",
            413: "请求内容太大",
            415: "请求内容的格式不支持，请用 application/json",
        }
        message = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else None
        codes = {413: "body_too_large"}
        return JSONResponse(
            {
                "code": codes.get(exc.status_code, f"http_{exc.status_code}"),
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
