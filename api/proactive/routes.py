"""The opt-out link of an invitation (/o?token=…: a page, then a button) and the administrators' view.

GET only shows the page (link previews and scanners open links; they must not opt anybody out);
the button POSTs. The token is looked up by its SHA-256; an unknown token says so kindly. It travels
as the query parameter ``token``, which the log masking redacts (api/security/masking_log.py), so
access logs do not carry it.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.access.auth import Principal, require_roles
from api.db import get_session
from api.errors import error_responses
from api.proactive import service
from api.proactive.models import Invitation
from api.proactive.sender import lifespan
from api.security.audit import record_access

router = APIRouter(lifespan=lifespan)

Token = Annotated[str, Query(max_length=64, description="退订链接里的令牌")]


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>{escape(title)} · 个人身后“一件事”</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;font-size:18px;line-height:1.6;
max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}
button{{font:inherit;padding:.5rem 1rem;background:#0b57d0;color:#fff;border:1px solid #0b57d0;
border-radius:4px}}
:focus-visible{{outline:3px solid #f5a400}}</style>
</head><body><main><h1>{escape(title)}</h1>{body}</main></body></html>"""
    return HTMLResponse(html, status_code=status)


INVALID = "<p>这个链接无效或已经失效。如果您不想再收到“一件事”服务邀请短信，请拨打 12345 告诉我们。</p>"


@router.get("/o", response_class=HTMLResponse, include_in_schema=False)
def opt_out_page(session: Annotated[Session, Depends(get_session)], token: Token = "") -> HTMLResponse:
    if service.invitation_for_token(session, token) is None:
        return _page("链接无效", INVALID, 404)
    return _page(
        "不再接收服务邀请短信",
        "<p>打扰您了，十分抱歉。确认后，我们不会再向这个手机号发送“一件事”服务邀请短信"
        "（您自己申请办理后的进度通知不受影响）。</p>"
        f"<form method='post' action='/o?token={escape(token)}'>"
        "<button type='submit'>确认不再接收</button></form>",
    )


@router.post("/o", response_class=HTMLResponse, include_in_schema=False)
def opt_out(session: Annotated[Session, Depends(get_session)], token: Token = "") -> HTMLResponse:
    inv = service.invitation_for_token(session, token)
    if inv is None:
        return _page("链接无效", INVALID, 404)
    service.record_opt_out(session, inv.contact_phone_hash, "link")
    session.commit()
    return _page(
        "已为您退订",
        "<p>以后不会再向这个手机号发送“一件事”服务邀请短信。"
        "需要办理时，仍可随时拨打 12345 或到政务服务中心。</p>",
    )


class InvitationOut(BaseModel):
    id: int
    status: str
    reason: str | None
    source_department: str
    contact_phone: str  # masked
    send_after: dt.datetime
    sent_at: dt.datetime | None
    attempts: int
    message: str | None  # as sent, masked, the opt-out token hidden


class InvitationList(BaseModel):
    counts: dict[str, int]
    invitations: list[InvitationOut]


@router.get(
    "/api/v1/admin/invitations",
    response_model=InvitationList,
    tags=["admin"],
    summary="主动服务邀请短信：各状态数量和最近的邀请（号码已遮蔽）",
    responses=error_responses(401, 403, s403="只有管理员可以查看"),
)
def list_invitations(
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(require_roles("admin"))],
    status: Annotated[
        Literal["queued", "sending", "sent", "failed", "cancelled", "suppressed"] | None, Query()
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> InvitationList:
    q = select(Invitation)
    if status:
        q = q.where(Invitation.status == status)
    rows = session.scalars(q.order_by(Invitation.id.desc()).limit(limit)).all()
    counts = dict(session.execute(select(Invitation.status, func.count()).group_by(Invitation.status)).all())
    record_access(session, principal, "list", "invitations", status or "all")
    session.commit()
    return InvitationList(
        counts=counts,
        invitations=[
            InvitationOut(
                id=r.id,
                status=r.status,
                reason=r.reason,
                source_department=r.source_department,
                contact_phone=r.contact_phone_masked,
                send_after=r.send_after,
                sent_at=r.sent_at,
                attempts=r.attempts,
                message=r.message,
            )
            for r in rows
        ],
    )
