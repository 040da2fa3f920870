"""一窗受理 for signed-in window staff (and administrators): the unified form submitted through the one
submission flow (api/cases/flows.py, channel "window", the officer recorded), a case opened by its
number and the family's code (prefill, masked), numbers checked against a card without being shown,
what the family brought (容缺 promises included) and the receipt as a PDF. Every access is audited."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api import clock
from api.access.auth import ROLE_TEXT, Principal
from api.cases import flows
from api.cases.models import Case
from api.cases.numbers import case_key
from api.cases.progress_code import code_matches, normalize_progress_code
from api.cases.schemas import CaseCreate, CaseCreated
from api.cases.views import case_out
from api.catalog.loader import get_catalog
from api.db import get_session
from api.errors import ApiError, error_responses
from api.regions.service import rules as regional_rules
from api.security.audit import record_access
from api.security.ratelimit import FailureLimit, too_many
from api.staff.auth import require_staff, staff_page
from api.staff.pages import page
from api.tasks.service import task_out
from api.window import pages, service
from api.window.receipt import receipt_pdf

router = APIRouter(prefix="/api/v1/window", tags=["window"])

_window = require_staff("window_staff", "admin")
# Wrong family codes at the window, per officer and per case number: a code is not guessed at the
# counter either (the family is there and shows it). Successful openings are free.
_wrong_codes_case = FailureLimit("window_code_case", "10/hour")
_wrong_codes_staff = FailureLimit("window_code_staff", "30/hour")


def _open(session: Session, principal: Principal, case_no: str, code: str | None) -> Case:
    keys_case = [("case", case_key(case_no))]
    keys_staff = [("staff", principal.staff_id or "-")]
    retry = _wrong_codes_case.retry_after(keys_case) or _wrong_codes_staff.retry_after(keys_staff)
    if retry is not None:
        raise too_many(retry, "核对查询码")
    try:
        return service.open_for_window(session, principal.role, case_no, code)
    except ApiError as exc:
        if exc.status == 404:
            _wrong_codes_case.fail(keys_case)
            _wrong_codes_staff.fail(keys_staff)
        raise


CaseNo = Annotated[str, Path(max_length=40, description="案件号")]


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    code: str | None = Field(default=None, max_length=256, description="家属的查询码（6 位）或查询凭证")


class VerifyIn(CodeIn):
    field: Literal["deceased_id", "applicant_id", "applicant_phone"]
    value: str = Field(min_length=1, max_length=32)


class MaterialLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    key: str = Field(max_length=64)
    status: Literal["received", "promised", "pending"]
    promise_due: dt.date | None = Field(default=None, description="容缺：承诺补交的日期")
    note: str | None = Field(default=None, max_length=200)


class IntakeIn(CodeIn):
    materials: list[MaterialLineIn] = Field(max_length=30)
    note: str | None = Field(default=None, max_length=500)


class ReceiptIn(CodeIn):
    progress_code: str | None = Field(default=None, max_length=16, description="提交时给出的 6 位查询码")


def window_view(session: Session, case: Case) -> dict[str, Any]:
    """The case for the counter: the form prefilled (masked), tasks, materials with review points."""
    catalog = get_catalog()
    shown = case_out(session, case)
    rules = regional_rules(session, case.region, clock.today())
    latest = service.latest_intake(session, case)
    region = catalog.regions.get(case.region)
    return {
        "case_no": shown["case_no"],
        "case_no_readable": shown["case_no_readable"],
        "status": shown["status"],
        "channel": shown["channel"],
        "region": case.region,
        "region_name": region.name if region else case.region,
        "form": {
            "deceased": shown["deceased"],
            "applicant": shown["applicant"],
            "payee_account": shown["payee_account"],
            "situation": case.situation,
            "items": service.active_items(case),
        },
        "tasks": [task_out(t, clock.today()) for t in case.tasks],
        "materials": service.materials_for_window(case, rules, latest),
        "intake": (
            {"id": latest.id, "at": latest.created_at.isoformat() + "Z", "staff_id": latest.staff_id}
            if latest
            else None
        ),
    }


@router.post(
    "/cases",
    status_code=201,
    response_model=CaseCreated,
    summary="窗口一表申请（与网上申请同一流程，渠道为窗口，记录受理人）",
    responses=error_responses(401, 403, 409, 422),
)
def submit_at_window(
    body: CaseCreate,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(_window)],
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
) -> JSONResponse:
    answer, replayed = flows.submit_application(
        session,
        body,
        principal=principal,
        channel="window",
        idempotency_key=(idempotency_key or "").strip() or None,
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return JSONResponse(
        CaseCreated.model_validate(answer).model_dump(mode="json"), status_code=201, headers=headers
    )


@router.post(
    "/cases/{case_no}/open",
    summary="凭案件号和家属的查询码打开申请（预填，脱敏）",
    responses=error_responses(401, 403, 404, 422, 429),
)
def open_case(
    case_no: CaseNo,
    body: CodeIn,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(_window)],
) -> dict[str, Any]:
    case = _open(session, principal, case_no, body.code)
    record_access(session, principal, "window_open", "case", str(case.id))
    out = window_view(session, case)
    session.commit()
    return out


@router.post(
    "/cases/{case_no}/verify",
    summary="核对证件号码是否与申请一致（不显示号码）",
    responses=error_responses(401, 403, 404, 422, 429),
)
def verify_number(
    case_no: CaseNo,
    body: VerifyIn,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(_window)],
) -> dict[str, Any]:
    case = _open(session, principal, case_no, body.code)
    matches = service.verify(case, body.field, body.value)
    record_access(session, principal, f"window_verify_{body.field}", "case", str(case.id))
    session.commit()
    what = service.VERIFIABLE[body.field]
    return {
        "field": body.field,
        "matches": matches,
        "message": f"{what}与申请一致。" if matches else f"{what}与申请不一致，请再核对证件。",
    }


@router.post(
    "/cases/{case_no}/intake",
    status_code=201,
    summary="登记收取的材料和容缺承诺",
    responses=error_responses(401, 403, 404, 422, 429),
)
def record_intake(
    case_no: CaseNo,
    body: IntakeIn,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(_window)],
) -> dict[str, Any]:
    case = _open(session, principal, case_no, body.code)
    intake = service.record_intake(
        session, case, principal.role, principal.staff_id, [m.model_dump() for m in body.materials], body.note
    )
    record_access(session, principal, "window_intake", "case", str(case.id))
    out = window_view(session, case)
    session.commit()
    out["message"] = f"已登记（第 {intake.id} 号收件记录）。"
    return out


@router.post(
    "/cases/{case_no}/receipt",
    summary="受理回执（PDF）",
    responses={200: {"content": {"application/pdf": {}}}, **error_responses(401, 403, 404, 422, 429)},
)
def receipt(
    case_no: CaseNo,
    body: ReceiptIn,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(_window)],
) -> Response:
    case = _open(session, principal, case_no, body.code)
    view = window_view(session, case)
    # only a code that belongs to this case is printed
    code = next(
        (
            normalize_progress_code(c)
            for c in (body.progress_code, body.code)
            if c and code_matches(case.case_no, case.progress_code_hash, c)
        ),
        None,
    )
    latest = service.latest_intake(session, case)
    pdf = receipt_pdf(case, view["tasks"], view["materials"], latest, code, principal.staff_id)
    record_access(session, principal, "window_receipt", "case", str(case.id))
    session.commit()
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="receipt-{case.case_no}.pdf"',
            "Cache-Control": "no-store",
        },
    )


# ------------------------------------------------------------------ the page

page_router = APIRouter(include_in_schema=False)


@page_router.get("/workbench/window", response_class=HTMLResponse)
def window_page(
    who: Annotated[Principal | Response, Depends(staff_page("window_staff", "admin"))],
) -> Response:
    """一窗受理 (api/window/pages.py): the HTML carries no case data; its script asks this API."""
    if isinstance(who, Response):
        return who
    signed = f"{who.staff_id}（{ROLE_TEXT[who.role]}）"
    return HTMLResponse(page("一窗受理", pages.BODY, script=pages.SCRIPT, signed_in=signed))
