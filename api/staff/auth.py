"""Who is signed in on a staff page: ``require_staff(*roles)`` (API routes) and ``staff_page(*roles)``
(HTML pages). Both return the existing ``api.security.principal.Principal``, so the role and object
checks of api.security (``ensure_task_department``, ``ensure_case_access``) work unchanged: a signed-in
department clerk is ``Principal(role="department", department=<its department>, staff_id=<user>)``,
exactly like that department's X-Api-Key plus the clerk's name.

CSRF: every request whose method is not GET/HEAD/OPTIONS must
- carry ``X-CSRF-Token`` equal to the session's CSRF token (given at sign-in in the body and in the
  readable ``staff_csrf`` cookie; only its hash is stored), and
- when the browser sends ``Origin`` (or only ``Referer``), come from this site.
The session cookie is SameSite=Strict and HttpOnly on top of that.
"""

from __future__ import annotations

import hmac
import os
import uuid
from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from api.db import get_session
from api.errors import ApiError
from api.security.config import is_production
from api.security.principal import ROLE_TEXT, Principal
from api.staff import service
from api.staff.service import STAFF_ACCOUNT_ROLES

SESSION_COOKIE = "staff_session"
CSRF_COOKIE = "staff_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
LOGIN_PAGE = "/staff/login"

NOT_SIGNED_IN = "请先登录工作台（登录已过期或已退出）。"
BAD_CSRF = "页面已过期，请刷新页面后再操作（安全校验未通过）。"
BAD_ORIGIN = "请求来自其他网站，已拒绝。请直接在工作台页面里操作。"


def cookie_secure() -> bool:
    """Secure cookies in production (HTTPS); STAFF_COOKIE_SECURE=1/0 overrides."""
    raw = os.environ.get("STAFF_COOKIE_SECURE", "").strip().lower()
    if raw in ("1", "true", "yes"):
        return True
    if raw in ("0", "false", "no"):
        return False
    return is_production()


def _request_id(request: Request) -> str:
    rid = (request.headers.get("X-Request-ID") or "").strip()
    return rid[:64] if rid and rid.isascii() and rid.isprintable() else uuid.uuid4().hex


def same_origin(request: Request) -> bool:
    """No Origin/Referer (old browsers, non-browser clients that also have no cookie to abuse), or one
    naming this host."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True
    if origin == "null":
        return False
    parts = urlsplit(origin)
    return parts.netloc.lower() == (request.headers.get("host") or "").lower()


def principal_of(
    account_role: str, username: str, department: str | None, region: str | None, rid: str
) -> Principal:
    return Principal(
        role=account_role, department=department, staff_id=username, region=region, request_id=rid
    )


def signed_in(request: Request, session: Session) -> tuple[Principal, service.StaffSession] | None:
    """The Principal and session row of the request's cookie, or None."""
    token = request.cookies.get(SESSION_COOKIE) or ""
    row = service.find_session(session, token)
    if row is None:
        return None
    if session.dirty:  # last_seen_at touched: keep it even if the route only reads
        session.commit()
    a = row.account
    return principal_of(a.role, a.username, a.department, a.region, _request_id(request)), row


def check_csrf(request: Request, row: service.StaffSession) -> None:
    if request.method in SAFE_METHODS:
        return
    if not same_origin(request):
        raise ApiError(403, "bad_origin", BAD_ORIGIN)
    presented = request.headers.get(CSRF_HEADER) or ""
    if not presented or not hmac.compare_digest(service.token_hash(presented), row.csrf_hash):
        raise ApiError(403, "csrf_failed", BAD_CSRF)


def _check_roles(roles: tuple[str, ...]) -> str:
    unknown = set(roles) - set(STAFF_ACCOUNT_ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown staff roles {sorted(unknown)}")
    return "、".join(ROLE_TEXT[r] for r in roles)


def require_staff(*roles: str) -> Callable[..., Principal]:
    """Dependency for API routes used by staff pages: 401 without a live session, 403 with another role
    or (state-changing methods) without the CSRF token. Returns the Principal.

    ``dependency.staff_roles`` names the roles (read by tests/api/test_staff_matrix.py)."""
    allowed = _check_roles(roles)

    def dependency(request: Request, session: Annotated[Session, Depends(get_session)]) -> Principal:
        found = signed_in(request, session)
        if found is None:
            raise ApiError(401, "staff_sign_in_required", NOT_SIGNED_IN)
        principal, row = found
        check_csrf(request, row)
        if principal.role not in roles:
            raise ApiError(
                403,
                "forbidden",
                f"您的身份（{ROLE_TEXT[principal.role]}）不能使用这项功能，只有{allowed}可以。",
            )
        return principal

    dependency.__name__ = "require_staff_" + "_or_".join(roles)
    dependency.staff_roles = roles  # type: ignore[attr-defined]
    return dependency


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{LOGIN_PAGE}?next={quote(target, safe='')}", status_code=303)


def forbidden_page(principal: Principal, allowed: str) -> HTMLResponse:
    from api.staff.frame import page

    body = (
        f"<h1>没有权限</h1><p>您的身份（{ROLE_TEXT[principal.role]}）不能打开这个页面，只有{allowed}可以。</p>"
        "<p><a href='/staff'>回到工作台首页</a></p>"
    )
    return HTMLResponse(page("没有权限", body), status_code=403)


def staff_page(*roles: str) -> Callable[..., Principal | Response]:
    """Dependency for HTML pages: the Principal, or a Response to return as is — a 303 to the sign-in
    page (which comes back afterwards) or a 403 page. Use::

        def my_page(who: Annotated[Principal | Response, Depends(staff_page("department"))]):
            if isinstance(who, Response):
                return who
    """
    allowed = _check_roles(roles)

    def dependency(
        request: Request, session: Annotated[Session, Depends(get_session)]
    ) -> Principal | Response:
        found = signed_in(request, session)
        if found is None:
            return login_redirect(request)
        principal, _row = found
        if principal.role not in roles:
            return forbidden_page(principal, allowed)
        return principal

    dependency.__name__ = "staff_page_" + "_or_".join(roles)
    dependency.staff_roles = roles  # type: ignore[attr-defined]
    return dependency
