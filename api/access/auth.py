"""Who is calling (FastAPI dependencies): credentials to a Principal, role checks and object-level checks.

The roles and the Principal live in api.security.principal, the configured credentials in
api.security.credentials; this module reads cases (an applicant's token, task) and so sits above them.

Credentials (the first one present decides; a present but wrong credential is refused with 401,
never silently treated as "anonymous"):

- departments: ``X-Api-Key`` (DEPARTMENT_API_KEYS, or development keys — ``python -m api.security.keys``);
- staff and administrators: ``X-Staff-Token`` (STAFF_TOKENS, or development tokens);
- applicants: ``Authorization: Bearer <access_token>``, the token given once with the case number.

Secrets are compared in constant time against every configured value. Wrong credentials are
counted per client (api.security.ratelimit.credential_failures, RATE_LIMIT_CREDENTIAL_FAILURES); once
a client's budget is used up, an X-Api-Key or X-Staff-Token is answered 429 before it is checked, and
a wrong applicant token too (the right one — 192 random bits — still passes, so a family behind a
guesser's address is not locked out).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.cases.service import case_for_access_token, find_case
from api.db import get_session
from api.errors import ApiError
from api.security import config
from api.security.credentials import department_for_key, staff_for_token
from api.security.principal import ROLE_TEXT, ROLES, STAFF_ROLES, Principal, Role
from api.security.ratelimit import client_key, credential_failures, too_many
from api.tasks.models import Task  # also maps Case.tasks, read by the object checks

if TYPE_CHECKING:
    from api.cases.models import Case

log = logging.getLogger("api.security")

_api_key = APIKeyHeader(name="X-Api-Key", auto_error=False, description="承办部门的接口密钥")
_staff_token = APIKeyHeader(name="X-Staff-Token", auto_error=False, description="工作人员或管理员令牌")
_bearer = HTTPBearer(auto_error=False, description="申请人的查询码（access_token）")


BAD_API_KEY = "部门接口密钥无效，请核对 X-Api-Key，或联系系统管理员。"
BAD_STAFF_TOKEN = "工作人员令牌无效或已停用，请重新登录或联系管理员。"
BAD_ACCESS_TOKEN = "查询码不正确。请核对案件号和查询码；遗失查询码请带身份证到窗口或拨打 12345。"
NO_CREDENTIALS = (
    "需要凭证：申请人请带查询码（Authorization: Bearer），部门请带 X-Api-Key，工作人员请带 X-Staff-Token。"
)


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def _request_id(request: Request) -> str:
    rid = (request.headers.get("X-Request-ID") or "").strip()
    return rid[:64] if rid and rid.isascii() and rid.isprintable() else uuid.uuid4().hex


def get_optional_principal(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    api_key: Annotated[str | None, Depends(_api_key)] = None,
    staff_token: Annotated[str | None, Depends(_staff_token)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
) -> Principal | None:
    """The caller, or None when no credential was presented. A wrong credential is a 401."""
    rid = _request_id(request)

    def refused(code: str, message: str) -> ApiError:
        credential_failures.fail([client_key(request)])
        return _unauthorized(code, message)

    def over_budget() -> None:
        retry = credential_failures.retry_after([client_key(request)])
        if retry is not None:
            raise too_many(retry)

    # an empty header is a wrong credential, not an absent one (APIKeyHeader turns "" into None)
    if api_key is None and "x-api-key" in request.headers:
        api_key = request.headers["x-api-key"]
    if staff_token is None and "x-staff-token" in request.headers:
        staff_token = request.headers["x-staff-token"]
    try:
        if api_key is not None:
            over_budget()  # operators choose these secrets: no guess is checked past the budget
            dept = department_for_key(api_key.strip())
            if dept is None:
                log.warning("rejected X-Api-Key (request %s)", rid)
                raise refused("invalid_api_key", BAD_API_KEY)
            return Principal(role="department", department=dept, request_id=rid)
        if staff_token is not None:
            over_budget()
            staff = staff_for_token(staff_token.strip())
            if staff is None:
                log.warning("rejected X-Staff-Token (request %s)", rid)
                raise refused("invalid_staff_token", BAD_STAFF_TOKEN)
            role, staff_id = staff
            return Principal(role=role, staff_id=staff_id, request_id=rid)
    except config.ConfigError as exc:
        log.error("security configuration error: %s", exc)
        raise ApiError(500, "config_error", "系统凭证配置有误，请联系系统管理员。") from None
    if bearer is not None or "authorization" in request.headers:
        token = bearer.credentials.strip() if bearer is not None else ""
        case = None
        if 16 <= len(token) <= 256:
            # the token alone decides; the route compares principal.case_no with the case asked
            # for and answers "not found" either way, so a wrong pairing reveals nothing
            case = case_for_access_token(session, None, token)
        if case is None:
            over_budget()
            raise refused("invalid_access_token", BAD_ACCESS_TOKEN)
        return Principal(role="applicant", case_no=case.case_no, request_id=rid)
    return None


# The brief's name for the optional dependency.
get_principal = get_optional_principal


def require_principal(
    principal: Annotated[Principal | None, Depends(get_optional_principal)],
) -> Principal:
    if principal is None:
        raise _unauthorized(
            "unauthenticated",
            NO_CREDENTIALS,
        )
    return principal


def require_roles(*roles: str) -> Callable[..., Principal]:
    """Dependency: 401 without credentials, 403 when the caller's role is not one of `roles`."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    allowed = "、".join(ROLE_TEXT[r] for r in roles)

    def dependency(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
        if principal.role not in roles:
            raise ApiError(
                403,
                "forbidden",
                f"您的身份（{ROLE_TEXT[principal.role]}）不能办理这项操作，只有{allowed}可以。",
            )
        return principal

    dependency.__name__ = "require_" + "_or_".join(roles)
    return dependency


# ------------------------------------------------------------------ object-level checks

CASE_NOT_FOUND = (
    "没有找到这个案件，或查询码不对。请核对案件号和查询码；遗失查询码请带身份证到窗口或拨打 12345。"
)
TASK_NOT_FOUND = "没有找到这件任务，或它不属于您的部门。"


def ensure_case_access(principal: Principal, case: Case) -> None:
    """An applicant sees only the case of their token; a department only cases it has a task in.

    Refusals look exactly like a missing case (404), so they reveal nothing about other cases.
    """
    if principal.role in STAFF_ROLES:
        return
    if principal.role == "applicant" and principal.case_no and principal.case_no == case.case_no:
        return
    if principal.role == "department" and any(t.department == principal.department for t in case.tasks):
        return
    raise ApiError(404, "case_not_found", CASE_NOT_FOUND)


def ensure_task_department(principal: Principal, task: Task) -> None:
    """A department acts only on its own tasks (404 otherwise: another department's task looks
    missing); staff and administrators may see any task; an applicant only those of their case."""
    if principal.role in STAFF_ROLES:
        return
    if principal.role == "department" and principal.department and task.department == principal.department:
        return
    if principal.role == "applicant" and principal.case_no and task.case.case_no == principal.case_no:
        return
    raise ApiError(404, "task_not_found", TASK_NOT_FOUND)


def applicant_task(session: Session, principal: Principal, case_no: str, item: str) -> Task:
    """The task for one item of the applicant's own case; anything else is a 404 that reveals nothing."""
    case = find_case(session, case_no)
    if case is None or principal.case_no != case.case_no:
        raise ApiError(404, "case_not_found", CASE_NOT_FOUND)
    task = next((t for t in case.tasks if t.item_key == item), None)
    if task is None:
        raise ApiError(404, "item_not_in_case", "这个案件里没有这件事项，请核对事项名称。")
    return task


__all__ = ["ROLES", "ROLE_TEXT", "STAFF_ROLES", "Principal", "Role"]  # re-exported for the routes
