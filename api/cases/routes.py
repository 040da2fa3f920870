"""POST /api/v1/cases (一表申请) and GET /api/v1/cases/{case_no} (progress and results)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access.auth import (
    CASE_NOT_FOUND,
    Principal,
    get_optional_principal,
    require_roles,
    staff_for_token,
)
from api.cases import flows, service, views
from api.cases.models import IdempotencyRecord
from api.cases.numbers import case_key
from api.cases.schemas import CaseCreate, CaseCreated, CaseOut
from api.db import get_session
from api.errors import ApiError, error_responses
from api.security.audit import record_access
from api.security.ratelimit import FailureLimit, accountable_caller, client_key, too_many

router = APIRouter(prefix="/api/v1", tags=["cases"])

ERRORS = error_responses(401, 403, 404, 409, 422, 429)


# Failed lookups (wrong token, unknown case number) per client (address, or the assistant's
# conversation) and per normalised case number: guessing is slow, and a family is never locked out of
# its own case (see case_lookup_limit). RATE_LIMIT_CASE_LOOKUP_FAILURES, default 30/minute.
_lookup_failures = FailureLimit("case_lookup", setting="RATE_LIMIT_CASE_LOOKUP_FAILURES")
# New cases per client: RATE_LIMIT_CASE_CREATE, default 10/hour (see case_creation_limit).
_creations = FailureLimit("case_create", setting="RATE_LIMIT_CASE_CREATE")


def _valid_credential_for(request: Request, session: Session, case_key_: str) -> bool:
    """The request carries the access token of this very case. A token is 192 random bits, so
    letting it through a used-up budget never helps a guesser — and keeps the family in."""
    auth = request.headers.get("Authorization", "")
    if auth[:7].lower() != "bearer ":
        return False
    token = auth[7:].strip()
    if not 16 <= len(token) <= 256:
        return False
    case = service.case_for_access_token(session, None, token)
    return case is not None and case.case_no == case_key_


def case_lookup_limit(
    request: Request,
    case_no: Annotated[str, Path(max_length=40)],
    session: Annotated[Session, Depends(get_session)],
) -> Iterator[None]:
    """Every route that takes a case number and a credential: failures (401, 403, 404) count per
    client (address, or the assistant's conversation — ``client_key``) and per normalised case
    number (hyphen, case and full-width variants share one counter); when either budget is used up
    the answer is 429 with Retry-After — before any credential is checked — unless the request
    carries this case's own access token. Staff with a valid token are not limited (a hotline centre
    answers many families from one address)."""
    token = request.headers.get("X-Staff-Token")
    if token and staff_for_token(token.strip()) is not None:
        yield
        return
    key = case_key(case_no)
    keys = [client_key(request), ("case", key)]
    retry = _lookup_failures.retry_after(keys)
    if retry is not None and not _valid_credential_for(request, session, key):
        raise too_many(retry)
    try:
        yield
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            _lookup_failures.fail(keys)
        raise


def _is_replay(session: Session, idempotency_key: str | None) -> bool:
    key = (idempotency_key or "").strip()
    if not key or len(key) > 128:
        return False
    return session.scalar(select(IdempotencyRecord.id).where(IdempotencyRecord.key == key)) is not None


def case_creation_limit(
    request: Request, session: Annotated[Session, Depends(get_session)]
) -> Iterator[None]:
    """POST /cases: new cases count per client (``client_key``: the assistant's conversation, else
    the address), RATE_LIMIT_CASE_CREATE (default 10/hour). Only a new case counts — refused
    submissions and retries of one already filed (same Idempotency-Key) do not, and such a retry is
    answered even when the budget is used up (the family gets its case number back). Staff with a
    valid token are not limited (a window files many families' cases)."""
    if accountable_caller(request):
        yield
        return
    keys = [client_key(request)]
    if _is_replay(session, request.headers.get("Idempotency-Key")):
        yield
        return
    retry = _creations.retry_after(keys)
    if retry is not None:
        raise too_many(retry, "提交申请")
    yield  # an exception (a refused submission) is not counted
    _creations.count(keys)


@router.post(
    "/cases",
    status_code=201,
    response_model=CaseCreated,
    summary="一表申请：一次提交，多部门并行办理",
    responses={k: v for k, v in ERRORS.items() if k != 404},
    dependencies=[Depends(case_creation_limit)],
)
def create_case(
    body: CaseCreate,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal | None, Depends(get_optional_principal)],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=128,
            description="重试同一份申请时带上同一个键，保证只建一个案件",
        ),
    ] = None,
) -> JSONResponse:
    role = principal.role if principal else "applicant"
    if role not in ("applicant", "window_staff", "admin"):
        raise ApiError(403, "forbidden", "只有申请人本人（网上）或窗口工作人员可以提交申请。")
    if idempotency_key is not None and not idempotency_key.strip():
        raise ApiError(422, "invalid_idempotency_key", "Idempotency-Key 不能为空。")
    channel = "window" if role in ("window_staff", "admin") else "online"
    if body.channel is not None and role in ("window_staff", "admin"):
        channel = body.channel
    # one transaction, audit row included; the flow commits
    body_out, replayed = flows.submit_application(
        session,
        body,
        principal=principal,
        channel=channel,
        idempotency_key=idempotency_key.strip() if idempotency_key else None,
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return JSONResponse(
        CaseCreated.model_validate(body_out).model_dump(mode="json"), status_code=201, headers=headers
    )


@router.get(
    "/cases/{case_no}",
    response_model=CaseOut,
    summary="办理进度与结果（申请人凭查询码，或工作人员）",
    responses={k: v for k, v in ERRORS.items() if k not in (409, 422)},
    dependencies=[Depends(case_lookup_limit)],
)
def get_case(
    case_no: Annotated[str, Path(max_length=40, description="案件号，如 SH20261129-48273-5")],
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[
        Principal, Depends(require_roles("applicant", "window_staff", "hotline_staff", "admin"))
    ],
) -> CaseOut:
    case = service.find_case(session, case_no)
    if principal.role == "applicant" and (case is None or principal.case_no != case.case_no):
        # the same answer whether the case exists or not: a case number alone reveals nothing
        raise ApiError(404, "case_not_found", CASE_NOT_FOUND)
    if case is None:
        raise ApiError(404, "case_not_found", CASE_NOT_FOUND)
    record_access(session, principal, "read", "case", str(case.id))
    out = CaseOut.model_validate(views.case_out(session, case))
    session.commit()
    return out
