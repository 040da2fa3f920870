"""The hotline console (/hotline) and its endpoints: search, checklist PDF, checklist by SMS link.

The search, the guide, the situation and the checklist are public catalog data (no sign-in, rate
limited per address like the lookup); sending an SMS is for hotline staff signed in (api/staff).
"""

from __future__ import annotations

import datetime as dt
import os
from html import escape
from pathlib import Path as FsPath
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel, Field, create_model
from sqlalchemy.orm import Session

from api import clock
from api.access.auth import Principal
from api.catalog.loader import get_catalog
from api.catalog.version import catalog_version
from api.checklist.routes import ChecklistRequest, run_checklist
from api.db import get_session
from api.documents.pdf import FontMissing
from api.errors import ApiError, error_responses
from api.hotline import links, search
from api.hotline.checklist_pdf import checklist_pdf
from api.security.audit import record_access
from api.security.ratelimit import rate_limit
from api.staff.auth import SESSION_COOKIE, require_staff, signed_in

router = APIRouter(tags=["hotline"])
STATIC = FsPath(__file__).resolve().parent / "static"
ASSETS = {"hotline.js": "text/javascript", "hotline.css": "text/css"}

# Who may send an SMS: hotline staff (and administrators) signed in on the page (docs/staff.md: session
# cookie + CSRF token).
require_hotline_staff = require_staff("hotline_staff", "admin")

# Per address for anonymous callers. Staff signed in on the page are accountable callers and not
# counted, as with X-Staff-Token (a hotline centre answers many families from one address).
LIMITS = {
    "search": rate_limit("hotline_search", os.environ.get("RATE_LIMIT_HOTLINE_SEARCH") or "300/minute"),
    "pdf": rate_limit("checklist_pdf", setting="RATE_LIMIT_CHECKLIST"),
}


def _limited(name: str):  # type: ignore[no-untyped-def]
    def dependency(request: Request, session: Annotated[Session, Depends(get_session)]) -> None:
        if request.cookies.get(SESSION_COOKIE) and signed_in(request, session) is not None:
            return
        LIMITS[name](request)

    dependency.__name__ = f"hotline_limit_{name}"
    return dependency


# ------------------------------------------------------------------ the page


@router.get("/hotline", response_class=HTMLResponse, include_in_schema=False)
def hotline_page() -> HTMLResponse:
    html = (STATIC / "hotline.html").read_text(encoding="utf-8")
    html = html.replace("__CATALOG_VERSION__", escape(catalog_version()))
    html = html.replace("__TODAY__", clock.today().isoformat())
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/hotline/{asset}", include_in_schema=False)
def hotline_asset(asset: Annotated[str, Path(max_length=32)]) -> FileResponse:
    if asset not in ASSETS:
        raise ApiError(404, "not_found", "没有这个页面文件。")
    return FileResponse(STATIC / asset, media_type=ASSETS[asset], headers={"Cache-Control": "no-cache"})


# ------------------------------------------------------------------ search


@router.get(
    "/api/v1/hotline/search",
    summary="热线查询：口语、正式名称、拼音首字母或全拼 → 事项（目录查询 + 助手的语义理解）",
    responses=error_responses(429),
    dependencies=[Depends(_limited("search"))],
)
async def hotline_search(
    q: str = Query(..., min_length=1, max_length=100, description="来电人说的话，或拼音首字母如 hkzx"),
    limit: int = Query(8, ge=1, le=20),
    nlu: bool = Query(True, description="同时问助手的语义理解（Rasa /model/parse）"),
) -> dict:
    return await search.search(get_catalog(), q, limit, use_nlu=nlu)


# ------------------------------------------------------------------ PDF


def _pdf(situation: dict, result) -> bytes:  # type: ignore[no-untyped-def]
    try:
        return checklist_pdf(get_catalog(), situation, result)
    except FontMissing as exc:
        raise ApiError(
            503, "pdf_font_missing", "暂时无法生成 PDF（服务器缺少中文字体），请联系系统管理员。"
        ) from exc


def _pdf_response(data: bytes, disposition: str) -> Response:
    name = f"办事清单-{clock.today().isoformat()}.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'{disposition}; filename="checklist.pdf"; '
            f"filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )


@router.post(
    "/api/v1/checklist/pdf",
    summary="可打印的 A4 材料清单（PDF，内嵌中文字体，带打印日期和目录版本）",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **error_responses(422, 429)},
    dependencies=[Depends(_limited("pdf"))],
)
def checklist_pdf_route(
    request: ChecklistRequest,  # type: ignore[valid-type]
    session: Annotated[Session, Depends(get_session)],
) -> Response:
    situation = request.situation.model_dump(exclude_none=True)  # type: ignore[attr-defined]
    # the region's rules in force (time limits, items not offered), like POST /checklist
    result = run_checklist(situation, request.items, request.start_date, request.region, session)  # type: ignore[attr-defined]
    return _pdf_response(_pdf(situation, result), "attachment")


# ------------------------------------------------------------------ SMS link

SmsLinkRequest = create_model(
    "SmsLinkRequest",
    __base__=ChecklistRequest,
    phone=(str, Field(..., max_length=20, description="来电人的手机号（只用于发送，不保存）")),
)


class SmsLinkOut(BaseModel):
    phone_masked: str
    sms_status: str
    expires_at: dt.datetime
    catalog_version: str


@router.post(
    "/api/v1/hotline/sms-links",
    status_code=201,
    response_model=SmsLinkOut,
    summary="把材料清单的链接用短信发给来电人（仅热线工作人员）",
    responses=error_responses(401, 403, 422, 429),
)
def send_sms_link(
    body: SmsLinkRequest,  # type: ignore[valid-type]
    principal: Annotated[Principal, Depends(require_hotline_staff)],
    session: Annotated[Session, Depends(get_session)],
) -> SmsLinkOut:
    situation = body.situation.model_dump(exclude_none=True)  # type: ignore[attr-defined]
    run_checklist(situation, body.items, None, body.region, session)  # type: ignore[attr-defined]  # 422 on bad input
    link = links.send_link(
        session,
        situation=situation,
        items=body.items,  # type: ignore[attr-defined]
        region=body.region,  # type: ignore[attr-defined]
        phone=body.phone,  # type: ignore[attr-defined]
        staff_id=principal.staff_id,
    )
    record_access(session, principal, "send_checklist_link", "checklist_link", link.id)
    session.commit()
    if link.sms_status == "failed":
        raise ApiError(
            502,
            "sms_failed",
            "短信没有发出去（短信通道暂时不可用），请稍后再试，或请来电人到政务服务网查看。",
        )
    return SmsLinkOut(
        phone_masked=link.phone_masked,
        sms_status=link.sms_status,
        expires_at=link.expires_at.replace(tzinfo=dt.timezone.utc).astimezone(clock.CHINA),
        catalog_version=link.catalog_version,
    )


_GONE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>办事清单</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;font-size:18px;max-width:36rem;
margin:2rem auto;padding:0 1rem;color:#111}</style></head><body><h1>办事清单</h1><p>__TEXT__</p>
<p>可以再拨打 12345 政务服务便民热线，请工作人员重新发送；
也可以到贵州政务服务网或政务服务中心“一件事”窗口查看。</p>
</body></html>"""


@router.get("/c/{token}", include_in_schema=False)
def open_link(
    token: Annotated[str, Path(max_length=64)],
    session: Annotated[Session, Depends(get_session)],
    _limited: Annotated[None, Depends(rate_limit("checklist_link", setting="RATE_LIMIT_CHECKLIST"))],
) -> Response:
    link = links.find_link(session, token)
    if link is None:
        return HTMLResponse(
            _GONE.replace("__TEXT__", "没有找到这份清单，请核对短信里的链接。"), status_code=404
        )
    if links.expired(link):
        text = f"这份清单的链接已过期（有效期 {links.link_days()} 天）。"
        return HTMLResponse(_GONE.replace("__TEXT__", text), status_code=410)
    result = run_checklist(link.situation, link.items, None, link.region, session)
    link.opened += 1
    session.commit()
    return _pdf_response(_pdf(link.situation, result), "inline")
