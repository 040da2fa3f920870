"""Regional configuration: the region tree and a region's rules in force (public, 专员 names masked);
changes, their history and reverts for regional administrators (their region and below) and
administrators, each written to the audit log in the same transaction."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api import clock
from api.access.auth import ROLE_TEXT, Principal
from api.catalog.loader import get_catalog
from api.db import get_session
from api.errors import ApiError, error_responses
from api.regions import pages, service
from api.security.audit import record_access
from api.staff.auth import require_staff, staff_page
from api.staff.pages import page

router = APIRouter(prefix="/api/v1", tags=["regions"])

Code = Annotated[str, Path(min_length=6, max_length=6, pattern=r"^\d{6}$", description="行政区划代码")]
_managers = require_staff("regional_admin", "admin")


class ChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["item_enabled", "online_enabled", "time_limit", "figure", "specialist"]
    target: str = Field(min_length=1, max_length=64, description="事项键；政策数字时为数字的键")
    value: bool | int | float | dict[str, str] | None = Field(
        description="开通 true/false；时限（工作日）；数字；专员 {name, phone}；null 表示取消本级设置"
    )
    effective_from: dt.date | None = Field(default=None, description="生效日期，默认今天；不能早于今天")
    note: str | None = Field(default=None, max_length=500, description="依据或原因")


class RevertIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str | None = Field(default=None, max_length=500)


def _actor(principal: Principal) -> service.Actor:
    return service.Actor(principal.role, principal.staff_id, getattr(principal, "region", None))


def _known(code: str) -> str:
    if code not in get_catalog().regions:
        raise ApiError(404, "unknown_region", f"没有这个行政区划：{code}。请从地区列表中选择。")
    return code


@router.get("/regions", summary="省、市州、县三级行政区划")
def region_tree() -> list[dict[str, Any]]:
    return service.region_tree(get_catalog())


@router.get(
    "/regions/{code}/config",
    summary="某地当天（或某日）有效的配置（公开：专员只显示姓氏）",
    responses=error_responses(404),
)
def public_config(
    code: Code,
    session: Annotated[Session, Depends(get_session)],
    on: dt.date | None = Query(None, description="哪一天，默认今天"),
) -> dict[str, Any]:
    rules = service.rules(session, _known(code), on)
    return service.config_out(get_catalog(), rules, public=True)


@router.get(
    "/regions/{code}/settings",
    summary="地区管理：当前配置、待生效的变更和变更历史",
    responses=error_responses(401, 403, 404),
)
def settings(
    code: Code,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(_managers)],
    on: dt.date | None = Query(None),
) -> dict[str, Any]:
    catalog = get_catalog()
    service.check_scope(catalog, _actor(principal), code)
    today = clock.today()
    rules = service.rules(session, code, on or today)
    out = service.config_out(catalog, rules, public=False)
    out["today"] = today.isoformat()
    out["scheduled"] = [service.change_out(r, catalog) for r in service.scheduled(session, code, today)]
    reverted = service.reverted_ids(session, code)
    out["history"] = [
        {**service.change_out(r, catalog), "reverted": r.id in reverted}
        for r in service.history(session, code)
    ]
    return out


@router.post(
    "/regions/{code}/changes",
    status_code=201,
    summary="修改本地配置（从生效日期起有效，不追溯）",
    responses=error_responses(401, 403, 404, 422),
)
def make_change(
    code: Code,
    body: ChangeIn,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(_managers)],
) -> dict[str, Any]:
    row = service.change(
        session, _actor(principal), code, body.kind, body.target, body.value, body.effective_from, body.note
    )
    record_access(session, principal, f"region_{body.kind}", "region_change", str(row.id))
    session.commit()
    return service.change_out(row, get_catalog())


@router.post(
    "/regions/changes/{change_id}/revert",
    status_code=201,
    summary="撤销一条配置（新增一条记录恢复原值）",
    responses=error_responses(401, 403, 404, 409),
)
def revert_change(
    change_id: int,
    session: Annotated[Session, Depends(get_session)],
    principal: Annotated[Principal, Depends(_managers)],
    body: RevertIn | None = None,
) -> dict[str, Any]:
    row = service.revert(session, _actor(principal), change_id, body.note if body else None)
    record_access(session, principal, "region_revert", "region_change", str(row.id))
    session.commit()
    return service.change_out(row, get_catalog())


# ------------------------------------------------------------------ the page

page_router = APIRouter(include_in_schema=False)


@page_router.get("/workbench/region", response_class=HTMLResponse)
def region_page(
    who: Annotated[Principal | Response, Depends(staff_page("regional_admin", "admin"))],
) -> Response:
    """地区配置 (api/regions/pages.py): a regional administrator sees their region and below."""
    if isinstance(who, Response):
        return who
    catalog = get_catalog()
    region = getattr(who, "region", None) if who.role == "regional_admin" else None
    where = catalog.regions[region].name if region in catalog.regions else "全省"
    signed = f"{who.staff_id}（{ROLE_TEXT[who.role]}，{where}）"
    html = page("地区配置", pages.BODY, script=pages.SCRIPT, signed_in=signed)
    if region:
        html = html.replace("<body>", f'<body data-region="{escape(region)}">', 1)
    return HTMLResponse(html)
