"""Staff sign-in, sign-out and who am I; the sign-in page, the staff home page and the shared script."""

from __future__ import annotations

import os
from html import escape
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from limits import RateLimitItem, parse
from sqlalchemy.orm import Session

from api.catalog.loader import get_catalog
from api.db import get_session
from api.errors import ApiError, error_responses
from api.security.audit import record_access
from api.security.principal import ROLE_TEXT, Principal
from api.security.ratelimit import FailureLimit, client_ip, too_many
from api.staff import service
from api.staff.auth import (
    BAD_ORIGIN,
    CSRF_COOKIE,
    LOGIN_PAGE,
    SESSION_COOKIE,
    cookie_secure,
    principal_of,
    require_staff,
    same_origin,
    staff_page,
)
from api.staff.frame import LOGIN_BODY, LOGIN_JS, STAFF_JS, STAFF_PAGES, page
from api.staff.schemas import LoginIn, StaffMe
from api.staff.service import STAFF_ACCOUNT_ROLES

router = APIRouter(tags=["staff"])

LOGIN_LIMIT_SETTING, LOGIN_LIMIT_DEFAULT = "RATE_LIMIT_STAFF_LOGIN_FAILURES", "10 per 15 minutes"


class _LoginFailures(FailureLimit):
    """Wrong passwords per address and per user name (RATE_LIMIT_STAFF_LOGIN_FAILURES, default 10 per 15
    minutes, read on every use); once used up, sign-in is answered 429 before the password is checked."""

    def __init__(self) -> None:
        super().__init__("staff_login", LOGIN_LIMIT_DEFAULT)

    @property
    def item(self) -> RateLimitItem:
        raw = os.environ.get(LOGIN_LIMIT_SETTING, "").strip() or LOGIN_LIMIT_DEFAULT
        try:
            return parse(raw)
        except ValueError:
            return parse(LOGIN_LIMIT_DEFAULT)


login_failures = _LoginFailures()
BAD_LOGIN = "用户名或密码不对，请核对后再试。忘记密码请联系本单位的系统管理员。"

ANY_STAFF = STAFF_ACCOUNT_ROLES


def pages_for(role: str) -> list[dict[str, str]]:
    return [{"path": p.path, "title": p.title} for p in STAFF_PAGES if role in p.roles]


def home_for(role: str) -> str:
    own = pages_for(role)
    return own[0]["path"] if len(own) == 1 else "/staff"


def me_out(principal: Principal, display_name: str, csrf: str | None = None) -> StaffMe:
    dept = get_catalog().departments.get(principal.department or "")
    return StaffMe(
        username=principal.staff_id or "",
        display_name=display_name,
        role=principal.role,
        role_text=ROLE_TEXT[principal.role],
        department=principal.department,
        department_name=dept.short_name if dept else None,
        region=principal.region,
        home=home_for(principal.role),
        csrf_token=csrf,
        pages=pages_for(principal.role),
    )


@router.post(
    "/api/v1/staff/login",
    response_model=StaffMe,
    summary="工作人员登录（设置会话 cookie）",
    responses=error_responses(401, 403, 429),
)
def login(
    body: LoginIn, request: Request, response: Response, session: Annotated[Session, Depends(get_session)]
) -> StaffMe:
    if not same_origin(request):
        raise ApiError(403, "bad_origin", BAD_ORIGIN)
    keys = [("ip", client_ip(request)), ("user", body.username.strip().lower()[:64])]
    retry = login_failures.retry_after(keys)
    if retry is not None:
        raise too_many(retry, "登录尝试")
    account = service.authenticate(session, body.username, body.password)
    if account is None:
        login_failures.fail(keys)
        raise ApiError(401, "bad_credentials", BAD_LOGIN)
    opened = service.open_session(session, account)
    principal = principal_of(account.role, account.username, account.department, account.region, "")
    record_access(session, principal, "sign_in", "staff_account", account.username)
    session.commit()
    max_age = int(service.session_hours() * 3600)
    secure = cookie_secure()
    response.set_cookie(
        SESSION_COOKIE,
        opened.token,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE, opened.csrf, max_age=max_age, httponly=False, samesite="strict", secure=secure, path="/"
    )
    response.headers["Cache-Control"] = "no-store"
    return me_out(principal, account.display_name, opened.csrf)


@router.post("/api/v1/staff/logout", status_code=204, summary="退出登录", responses=error_responses(401, 403))
def logout(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_staff(*ANY_STAFF))],
) -> Response:
    service.close_session(session, request.cookies.get(SESSION_COOKIE, ""))
    record_access(session, principal, "sign_out", "staff_account", principal.staff_id or "")
    session.commit()
    out = Response(status_code=204)
    out.delete_cookie(SESSION_COOKIE, path="/", samesite="strict", httponly=True, secure=cookie_secure())
    out.delete_cookie(CSRF_COOKIE, path="/", samesite="strict", secure=cookie_secure())
    return out


@router.get(
    "/api/v1/staff/me", response_model=StaffMe, summary="当前登录的工作人员", responses=error_responses(401)
)
def me(
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_staff(*ANY_STAFF))],
) -> StaffMe:
    from sqlalchemy import select

    from api.staff.models import StaffAccount

    name = session.scalar(
        select(StaffAccount.display_name).where(StaffAccount.username == principal.staff_id)
    )
    return me_out(principal, name or principal.staff_id or "")


@router.get(LOGIN_PAGE, response_class=HTMLResponse, include_in_schema=False)
def login_page() -> str:
    return page("工作人员登录", LOGIN_BODY, script=LOGIN_JS)


@router.get("/staff", response_class=HTMLResponse, include_in_schema=False)
def staff_home(who: Annotated[Principal | Response, Depends(staff_page(*ANY_STAFF))]) -> Response:
    if isinstance(who, Response):
        return who
    links = "".join(
        f"<li><a href='{escape(p['path'])}'>{escape(p['title'])}</a></li>" for p in pages_for(who.role)
    )
    body = f"<h1>工作台</h1><p>您好，您的身份是{escape(ROLE_TEXT[who.role])}。</p>" + (
        f"<ul>{links}</ul>" if links else "<p class='muted'>您的身份暂时没有可用的页面。</p>"
    )
    return HTMLResponse(page("工作台", body, signed_in=f"{who.staff_id}（{ROLE_TEXT[who.role]}）"))


@router.get("/staff/assets/staff.js", include_in_schema=False)
def staff_js() -> PlainTextResponse:
    return PlainTextResponse(STAFF_JS, media_type="text/javascript", headers={"Cache-Control": "no-cache"})
