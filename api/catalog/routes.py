"""Catalog endpoints: items and their service guides, referral topics, questions, lookup, estimates."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.catalog import service
from api.catalog.loader import UNKNOWN_REGION, get_catalog
from api.catalog.places import situation_field
from api.catalog.regional import RegionalRules
from api.db import get_session
from api.errors import ApiError, error_responses
from api.regions.service import mask_name
from api.regions.service import rules as regional_rules
from api.security.ratelimit import rate_limit

router = APIRouter(prefix="/api/v1", tags=["catalog"])


def _region(region: str | None) -> str | None:
    if not get_catalog().knows_region(region):
        raise ApiError(422, "unknown_region", UNKNOWN_REGION)
    return region


def _in_region(out: dict, rules: RegionalRules) -> dict:
    """What the region set for the item (public view: the 专员's family name only)."""
    key = out["key"]
    catalog = get_catalog()
    person = rules.specialists.get(key)
    out["regional"] = {
        "region": rules.region,
        "region_name": catalog.regions[rules.region].name,
        "enabled": key not in rules.unavailable,
        "online_enabled": key not in rules.unavailable and key not in rules.offline_only,
        "specialist": {"name": mask_name(person["name"]), "phone": person["phone"]} if person else None,
    }
    return out


@router.get("/items", summary="事项目录（各地的时限与开通情况）")
def list_items(
    session: Annotated[Session, Depends(get_session)],
    region: str | None = Query(None, description="行政区划代码"),
) -> list[dict]:
    catalog = get_catalog()
    rules = regional_rules(session, _region(region))
    return [
        _in_region(service.summary(catalog, item, region, rules), rules) for item in catalog.items.values()
    ]


@router.get("/items/{key}", summary="事项办事指南（各地的时限、开通情况和专员）")
def get_item(
    key: str,
    session: Annotated[Session, Depends(get_session)],
    region: str | None = Query(None, description="行政区划代码"),
) -> dict:
    catalog = get_catalog()
    item = catalog.items.get(key)
    if item is None:
        raise ApiError(404, "unknown_item", f"没有这个事项：{key}。可以先查看事项目录 /api/v1/items")
    rules = regional_rules(session, _region(region))
    return _in_region(service.guide(catalog, item, region, rules.on, rules), rules)


@router.get("/referrals", summary="不在本次一件事范围内、需另行办理的事项及去处")
def list_referrals() -> list[dict]:
    return [r.model_dump() for r in get_catalog().referrals.values()]


@router.get("/referrals/{key}", summary="转介事项")
def get_referral(key: str) -> dict:
    referral = get_catalog().referrals.get(key)
    if referral is None:
        raise ApiError(404, "unknown_referral", f"没有这个转介事项：{key}")
    return referral.model_dump()


@router.get("/materials", summary="材料总清单")
def list_materials() -> list[dict]:
    return [m.model_dump() for m in get_catalog().materials.values()]


@router.get("/situation", summary="办理前需要了解的情形（问题与可选答案）")
def situation_fields() -> list[dict]:
    catalog = get_catalog()
    return [situation_field(catalog, key) for key in catalog.situation_fields]


@router.get(
    "/lookup",
    summary="热线查询：口语、正式名称或拼音首字母 → 事项",
    responses=error_responses(429),
    # per conversation (the assistant) or address; staff are not limited (RATE_LIMIT_LOOKUP)
    dependencies=[Depends(rate_limit("lookup", setting="RATE_LIMIT_LOOKUP"))],
)
def lookup(
    q: str = Query(..., min_length=1, max_length=100, description="查询词，如“销户口”“zxhk”"),
    limit: int = Query(5, ge=1, le=20),
) -> dict:
    results = service.lookup(get_catalog(), q, limit)
    return {"query": q, "results": results}


@router.get("/estimates/survivor-benefits", summary="丧葬补助金和抚恤金估算（按月数计）")
def survivor_benefits(
    contribution_years: int = Query(..., ge=0, le=80, description="逝者缴费满多少年（整年）"),
    retired: bool = Query(..., description="逝者去世时是否已退休领养老金"),
    years_drawn: int = Query(0, ge=0, le=80, description="已领取养老金满多少年（整年）"),
    region: str | None = Query(None),
    on: dt.date | None = Query(None, description="去世日期，默认今天"),
    session: Session = Depends(get_session),
) -> dict:
    rules = regional_rules(session, _region(region), on)
    return service.survivor_estimate(
        get_catalog(), contribution_years, retired, years_drawn, region, on, rules
    )


@router.get("/figures", summary="由省、市州、县设定的数额和期限（含生效日期）")
def figures(
    session: Annotated[Session, Depends(get_session)],
    region: str | None = Query(None),
    on: dt.date | None = Query(None),
) -> list[dict]:
    catalog = get_catalog()
    rules = regional_rules(session, _region(region), on)
    out = []
    for key, fig in catalog.figures.items():
        f = rules.figure(catalog, key)
        out.append(
            {
                "key": key,
                "name": fig.name,
                "unit": fig.unit,
                "value": f.value,
                "configured": f.value is not None,
                "origin": f.origin,
                "effective_from": f.entry.effective_from if f.entry else None,
                "basis": f.entry.basis.model_dump() if f.entry else None,
                "note": f.entry.note if f.entry else None,
            }
        )
    return out
