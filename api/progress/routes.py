"""Following a case with what an elderly person can keep (issue 11 item 2).

- ``POST /api/v1/cases/{case_no}/progress-code`` ``{"code": "4K7P2M"}`` → the case's progress (the
  same view as ``GET /api/v1/cases/{case_no}``) and a short-lived ``access_token`` (a progress
  session, ``PROGRESS_SESSION_MINUTES``, default 30) that works as the applicant's Bearer token.
- ``POST /api/v1/progress/phone-code`` ``{"phone"}`` → 202, the same answer whether or not the phone
  has a case; an SMS code is sent only when it has one.
- ``POST /api/v1/progress/phone-code/verify`` ``{"phone", "code"}`` → that phone's cases, each with
  its progress and a short-lived ``access_token``.

Rate limits (``limits`` notation, each overridable by its environment variable; the first two count
wrong answers only, so a family reading its own case never uses them up):

==================================== ===================== =====================================
setting                               default               counted per
==================================== ===================== =====================================
RATE_LIMIT_PROGRESS_CODE_CLIENT      10 per 15 minutes     client (address or chat conversation)
RATE_LIMIT_PROGRESS_CODE_CASE        10 per hour           normalised case number
RATE_LIMIT_PHONE_CODE_SEND_PHONE     3 per 10 minutes      phone (its keyed hash), every request
RATE_LIMIT_PHONE_CODE_SEND_DAY       10 per day            phone, every request
RATE_LIMIT_PHONE_CODE_SEND_CLIENT    10 per hour           client, every request
RATE_LIMIT_PHONE_CODE_VERIFY_CLIENT  10 per 15 minutes     client, wrong answers
RATE_LIMIT_PHONE_CODE_VERIFY_PHONE   10 per hour           phone, wrong answers
==================================== ===================== =====================================

A guesser who uses up a case's budget holds that case's short-code route for at most an hour
(moving window); the family keeps the link with the long token and the phone route (separate
budgets, and the SMS goes to the applicant's own phone), and the 429 says so.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api import clock
from api.access.auth import Principal
from api.cases import views
from api.cases.models import Case
from api.cases.numbers import case_key, readable
from api.cases.progress_code import new_session_token, normalize_progress_code, session_minutes
from api.cases.schemas import CaseOut
from api.db import get_session
from api.errors import ApiError, error_responses
from api.identity import DigitsError, ascii_digits, mask_phone
from api.notify.sms import get_sms_adapter
from api.progress import service
from api.security import config
from api.security.audit import record_access
from api.security.ratelimit import FailureLimit, client_key, too_many

DEFAULTS = {
    "RATE_LIMIT_PROGRESS_CODE_CLIENT": "10 per 15 minutes",
    "RATE_LIMIT_PROGRESS_CODE_CASE": "10/hour",
    "RATE_LIMIT_PHONE_CODE_SEND_PHONE": "3 per 10 minutes",
    "RATE_LIMIT_PHONE_CODE_SEND_DAY": "10/day",
    "RATE_LIMIT_PHONE_CODE_SEND_CLIENT": "10/hour",
    "RATE_LIMIT_PHONE_CODE_VERIFY_CLIENT": "10 per 15 minutes",
    "RATE_LIMIT_PHONE_CODE_VERIFY_PHONE": "10/hour",
}


@asynccontextmanager
async def check_limits_at_start_up(_app: Any) -> AsyncIterator[None]:
    """Every limit below parses and SMS_ADAPTER names a usable adapter, or the API refuses to start
    (naming the variable)."""
    for name in DEFAULTS:
        config.parse_rate_limit(name, os.environ.get(name, "").strip() or DEFAULTS[name])
    get_sms_adapter()
    yield


router = APIRouter(prefix="/api/v1", tags=["progress"], lifespan=check_limits_at_start_up)


class _Limit(FailureLimit):
    """A FailureLimit whose limit is an environment variable with a default of this module."""

    def __init__(self, scope: str, setting: str) -> None:
        super().__init__(scope, "1/second")
        self.setting = setting

    @property
    def item(self):  # -> limits.RateLimitItem
        name = self.setting or ""
        return config.parse_rate_limit(name, os.environ.get(name, "").strip() or DEFAULTS[name])


_code_client = _Limit("progress_code_client", "RATE_LIMIT_PROGRESS_CODE_CLIENT")
_code_case = _Limit("progress_code_case", "RATE_LIMIT_PROGRESS_CODE_CASE")
_send_phone = _Limit("phone_code_send", "RATE_LIMIT_PHONE_CODE_SEND_PHONE")
_send_day = _Limit("phone_code_send_day", "RATE_LIMIT_PHONE_CODE_SEND_DAY")
_send_client = _Limit("phone_code_send_client", "RATE_LIMIT_PHONE_CODE_SEND_CLIENT")
_verify_client = _Limit("phone_code_verify_client", "RATE_LIMIT_PHONE_CODE_VERIFY_CLIENT")
_verify_phone = _Limit("phone_code_verify_phone", "RATE_LIMIT_PHONE_CODE_VERIFY_PHONE")

HOTLINE = "12345"
WRONG_CODE = (
    "案件号或查询码不对。查询码是 6 位，由数字和字母组成（没有 0、O、1、I），在提交申请时的短信里。"
    f"也可以用申请人手机号收验证码查看；需要帮助请拨打 {HOTLINE}。"
)
BAD_CODE_FORMAT = "查询码是 6 位，由数字 2-9 和字母组成（没有 0、O、1、I），请核对后再输入。"
BAD_PHONE = "手机号应为 11 位数字、以 1 开头，请填写提交申请时留的手机号。"
BAD_SMS_CODE_FORMAT = "验证码是短信里的 6 位数字，请核对后再输入。"
WRONG_SMS_CODE = "验证码不对或已经过期。请核对短信里的 6 位数字；过期了请重新获取验证码。"
SENT = "如果这个手机号提交过申请，验证码短信马上就到，{minutes} 分钟内有效。没有收到可以过一分钟再试。"


def _code_locked(retry: int) -> ApiError:
    err = too_many(retry, "查询码核对")
    err.message = (
        f"查询码输错的次数太多了，为保护您家的信息，请 {_wait(retry)}后再试。"
        f"也可以用申请人手机号收短信验证码查看进度，或用提交时给您的查询链接；需要帮助请拨打 {HOTLINE}。"
    )
    return err


def _wait(retry: int) -> str:
    return f"{retry} 秒" if retry < 120 else f"{-(-retry // 60)} 分钟"


class ProgressCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=40, description="6 位查询码，如 4K7P2M（大小写、空格不限）")


class PhoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: str = Field(min_length=1, max_length=40, description="申请人手机号（提交申请时留的）")


class PhoneCodeIn(PhoneIn):
    code: str = Field(min_length=1, max_length=20, description="短信里的 6 位验证码")


class CaseAccess(BaseModel):
    case_no: str
    case_no_readable: str
    access_token: str = Field(description="短时有效的查询凭证（Authorization: Bearer），到期后重新核对查询码")
    token_type: str = "bearer"
    expires_at: dt.datetime
    expires_in: int
    case: CaseOut


class PhoneCodeSent(BaseModel):
    message: str
    phone: str = Field(description="手机号（已遮盖）")
    expires_in: int


class PhoneCases(BaseModel):
    phone: str = Field(description="手机号（已遮盖）")
    cases: list[CaseAccess]
    message: str


def _access(session: Session, case: Case, action: str) -> dict[str, Any]:
    principal = Principal(role="applicant", case_no=case.case_no)
    record_access(session, principal, action, "case", str(case.id))
    token, expires = new_session_token(case.id)
    return {
        "case_no": case.case_no,
        "case_no_readable": readable(case.case_no),
        "access_token": token,
        "token_type": "bearer",
        "expires_at": dt.datetime.fromtimestamp(expires, tz=clock.CHINA),
        "expires_in": session_minutes() * 60,
        "case": CaseOut.model_validate(views.case_out(session, case)),
    }


@router.post(
    "/cases/{case_no}/progress-code",
    response_model=CaseAccess,
    summary="凭案件号和 6 位查询码查看进度（换取短时查询凭证）",
    responses=error_responses(404, 422, 429),
)
def exchange_progress_code(
    request: Request,
    case_no: Annotated[str, Path(max_length=40, description="案件号，如 SH20261129-48273-5")],
    body: ProgressCodeIn,
    session: Annotated[Session, Depends(get_session)],
) -> CaseAccess:
    keys_client, keys_case = [client_key(request)], [("case", case_key(case_no))]
    retry = _code_client.retry_after(keys_client) or _code_case.retry_after(keys_case)
    if retry is not None:
        raise _code_locked(retry)
    if normalize_progress_code(body.code) is None:
        raise ApiError(422, "invalid_progress_code", BAD_CODE_FORMAT)  # cannot be right: not counted
    case = service.check_progress_code(session, case_no, body.code)
    if case is None:
        _code_client.fail(keys_client)
        _code_case.fail(keys_case)
        raise ApiError(404, "wrong_progress_code", WRONG_CODE)
    out = CaseAccess.model_validate(_access(session, case, "read_by_progress_code"))
    session.commit()
    return out


def _phone_or_422(value: str) -> str:
    phone = service.normalize_phone(value)
    if phone is None:
        raise ApiError(422, "invalid_phone", BAD_PHONE)
    return phone


@router.post(
    "/progress/phone-code",
    status_code=202,
    response_model=PhoneCodeSent,
    summary="凭申请人手机号获取短信验证码（查看进度）",
    responses=error_responses(422, 429),
)
def request_phone_code(
    request: Request, body: PhoneIn, session: Annotated[Session, Depends(get_session)]
) -> JSONResponse:
    phone = _phone_or_422(body.phone)
    client, by_phone = [client_key(request)], [("phone", service.phone_hash(phone))]
    for limit, keys in ((_send_client, client), (_send_phone, by_phone), (_send_day, by_phone)):
        retry = limit.retry_after(keys)
        if retry is not None:
            raise too_many(retry, "获取验证码")
    for limit, keys in ((_send_client, client), (_send_phone, by_phone), (_send_day, by_phone)):
        limit.count(keys)
    service.request_phone_code(session, phone)
    session.commit()
    out = PhoneCodeSent(
        message=SENT.format(minutes=service.code_minutes()),
        phone=mask_phone(phone),
        expires_in=service.code_minutes() * 60,
    )
    return JSONResponse(out.model_dump(mode="json"), status_code=202)


@router.post(
    "/progress/phone-code/verify",
    response_model=PhoneCases,
    summary="核对短信验证码，查看这个手机号提交的全部案件的进度",
    responses=error_responses(401, 422, 429),
)
def verify_phone_code(
    request: Request, body: PhoneCodeIn, session: Annotated[Session, Depends(get_session)]
) -> PhoneCases:
    phone = _phone_or_422(body.phone)
    client, by_phone = [client_key(request)], [("phone", service.phone_hash(phone))]
    retry = _verify_client.retry_after(client) or _verify_phone.retry_after(by_phone)
    if retry is not None:
        raise too_many(retry, "验证码核对")
    try:
        code = "".join(ch for ch in ascii_digits(body.code, "验证码") if not ch.isspace())
    except DigitsError:
        code = ""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        raise ApiError(422, "invalid_sms_code", BAD_SMS_CODE_FORMAT)
    cases = service.verify_phone_code(session, phone, code)
    if cases is None:
        _verify_client.fail(client)
        _verify_phone.fail(by_phone)
        session.commit()  # the wrong attempt is counted on the code too
        raise ApiError(401, "wrong_sms_code", WRONG_SMS_CODE)
    out = PhoneCases(
        phone=mask_phone(phone),
        cases=[CaseAccess.model_validate(_access(session, c, "read_by_phone_code")) for c in cases],
        message=f"这个手机号提交的申请共 {len(cases)} 件。" if cases else "这个手机号还没有提交过申请。",
    )
    session.commit()
    return out
