"""Regional settings: who may change which region, the changes themselves (history rows), reverts,
and the rules in force on a date for the checklist, the guides, submissions and dispatch.

Like every service it adds and flushes, never commits; the route commits once, after its audit row.
It imports no security module: the caller passes the actor's role, staff id and region.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from api import clock
from api.catalog.loader import Catalog, get_catalog
from api.catalog.regional import KINDS, RegionalRules, Setting, resolve
from api.errors import ApiError
from api.regions.models import RegionChange

KIND_TEXT = {
    "item_enabled": "开通事项",
    "online_enabled": "开通网上申请",
    "time_limit": "办理时限（工作日）",
    "figure": "政策数字",
    "specialist": "“一件事”专员",
}
DATED_KINDS = ("time_limit", "figure")  # the ones that change what a family is told or paid
MAX_TIME_LIMIT = 60
_PHONE = re.compile(r"^[0-9][0-9\- ]{5,18}[0-9]$")


@dataclass(frozen=True)
class Actor:
    role: str
    staff_id: str | None
    region: str | None  # a regional administrator's region


# ------------------------------------------------------------------ scope


def subtree(catalog: Catalog, code: str) -> list[str]:
    """The region and every region below it."""
    return [r for r in catalog.regions if code in {c.code for c in catalog.region_chain(r)}]


def may_manage(catalog: Catalog, actor: Actor, region: str) -> bool:
    """An administrator manages every region; a regional administrator their region and below."""
    if actor.role == "admin":
        return True
    if actor.role == "regional_admin" and actor.region:
        return actor.region in {c.code for c in catalog.region_chain(region)}
    return False


def check_scope(catalog: Catalog, actor: Actor, region: str) -> None:
    if region not in catalog.regions:
        raise ApiError(404, "unknown_region", f"没有这个行政区划：{region}。请从地区列表中选择。")
    if not may_manage(catalog, actor, region):
        mine = catalog.regions[actor.region].name if actor.region in catalog.regions else "您的地区"
        raise ApiError(
            403,
            "region_out_of_scope",
            f"您只能管理{mine}及其下辖地区的配置，不能修改{catalog.regions[region].name}。",
        )


# ------------------------------------------------------------------ reading


def _latest(rows: list[RegionChange], on: dt.date) -> dict[tuple[str, str, str], RegionChange]:
    best: dict[tuple[str, str, str], RegionChange] = {}
    for row in rows:
        if row.effective_from > on:
            continue
        key = (row.region, row.kind, row.target)
        cur = best.get(key)
        if cur is None or (row.effective_from, row.id) > (cur.effective_from, cur.id):
            best[key] = row
    return best


_CACHE = "regional_rules"  # session.info key: rules already read in this transaction
_LISTENING = "regional_rules_listening"


def _forget(session: Session) -> None:
    session.info.pop(_CACHE, None)


def rules(session: Session, region: str | None, on: dt.date | None = None) -> RegionalRules:
    """The rules in force in `region` (None: the default region) on `on` (default: China's today),
    the region's chain read in one query and kept until the transaction ends (a submission releasing
    several tasks reads them once); a change made in the transaction clears them."""
    catalog = get_catalog()
    on = on or clock.today()
    if not session.info.get(_LISTENING):  # the cache lives until the transaction ends
        event.listen(session, "after_commit", _forget)
        event.listen(session, "after_rollback", _forget)
        session.info[_LISTENING] = True
    cache = session.info.setdefault(_CACHE, {})
    key = (region or catalog.default_region, on)
    if key not in cache:
        cache[key] = _read_rules(session, catalog, region, on)
    return cache[key]


def _read_rules(session: Session, catalog: Catalog, region: str | None, on: dt.date) -> RegionalRules:
    chain = [r.code for r in catalog.region_chain(region)]
    rows = (
        list(
            session.scalars(
                select(RegionChange).where(RegionChange.region.in_(chain), RegionChange.effective_from <= on)
            )
        )
        if chain
        else []
    )
    settings = [Setting(r.region, r.kind, r.target, r.value) for r in _latest(rows, on).values()]
    return resolve(catalog, region, on, settings)


def time_limit(session: Session, item_key: str, region: str | None, on: dt.date) -> int:
    return rules(session, region, on).time_limit(get_catalog(), item_key)


def history(session: Session, region: str, limit: int = 200) -> list[RegionChange]:
    return list(
        session.scalars(
            select(RegionChange)
            .where(RegionChange.region == region)
            .order_by(RegionChange.id.desc())
            .limit(limit)
        )
    )


def reverted_ids(session: Session, region: str) -> set[int]:
    return {
        r
        for r in session.scalars(
            select(RegionChange.reverts_id).where(
                RegionChange.region == region, RegionChange.reverts_id.is_not(None)
            )
        )
        if r is not None
    }


def scheduled(session: Session, region: str, today: dt.date) -> list[RegionChange]:
    """Changes of this region that take effect after today."""
    return list(
        session.scalars(
            select(RegionChange)
            .where(RegionChange.region == region, RegionChange.effective_from > today)
            .order_by(RegionChange.effective_from, RegionChange.id)
        )
    )


# ------------------------------------------------------------------ writing


def _check_value(catalog: Catalog, kind: str, target: str, value: Any) -> Any:
    if kind not in KINDS:
        raise ApiError(422, "unknown_setting", f"不认识的配置类型 {kind}，可选：{'、'.join(KINDS)}")
    if kind == "figure":
        if target not in catalog.figures:
            raise ApiError(422, "unknown_figure", f"没有这个政策数字：{target}。")
    elif target not in catalog.items:
        raise ApiError(422, "unknown_item", f"没有这个事项：{target}。")
    if value is None:
        return None  # clears the setting at this level
    if kind in ("item_enabled", "online_enabled"):
        if not isinstance(value, bool):
            raise ApiError(422, "invalid_value", "开通或关闭请填 true 或 false。")
        return value
    if kind == "time_limit":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TIME_LIMIT:
            raise ApiError(
                422, "invalid_value", f"办理时限请填 0 到 {MAX_TIME_LIMIT} 之间的整数（工作日，0 表示即办）。"
            )
        return value
    if kind == "figure":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or value > 10**9:
            raise ApiError(422, "invalid_value", "政策数字请填一个不小于 0 的数。")
        return value
    # specialist
    if not isinstance(value, dict) or set(value) - {"name", "phone"}:
        raise ApiError(422, "invalid_value", "专员请填写姓名（name）和办公电话（phone）。")
    name = str(value.get("name") or "").strip()
    phone = str(value.get("phone") or "").strip()
    if not 1 <= len(name) <= 20 or not name.isprintable():
        raise ApiError(422, "invalid_value", "专员姓名请填 1–20 个字。")
    if not _PHONE.match(phone):
        raise ApiError(422, "invalid_value", "办公电话请填区号和号码，如 0851-86891234。")
    return {"name": name, "phone": phone}


def change(
    session: Session,
    actor: Actor,
    region: str,
    kind: str,
    target: str,
    value: Any,
    effective_from: dt.date | None = None,
    note: str | None = None,
    *,
    reverts: RegionChange | None = None,
) -> RegionChange:
    """A new setting from `effective_from` (default: today, China's date; never earlier — a time limit
    or figure never changes retroactively)."""
    catalog = get_catalog()
    check_scope(catalog, actor, region)
    value = _check_value(catalog, kind, target, value)
    today = clock.today()
    effective_from = effective_from or today
    if effective_from < today:
        raise ApiError(
            422,
            "effective_date_past",
            f"生效日期不能早于今天（{today.isoformat()}）：已经按原来的规定办理的不会追溯改变。",
        )
    row = RegionChange(
        region=region,
        kind=kind,
        target=target,
        value=value,
        effective_from=effective_from,
        note=(note or "").strip()[:500] or None,
        reverts_id=reverts.id if reverts else None,
        created_at=clock.utcnow(),
        role=actor.role,
        staff_id=actor.staff_id,
    )
    session.add(row)
    session.flush()
    session.info.pop(_CACHE, None)  # what this session reads next includes the change
    return row


def revert(session: Session, actor: Actor, change_id: int, note: str | None = None) -> RegionChange:
    """Undo a change with a new one: the value in force just before it, from its date if that is
    still ahead, from today otherwise."""
    original = session.get(RegionChange, change_id)
    if original is None:
        raise ApiError(404, "unknown_change", "没有找到这条配置记录。")
    check_scope(get_catalog(), actor, original.region)
    if session.scalar(select(RegionChange.id).where(RegionChange.reverts_id == original.id)) is not None:
        raise ApiError(409, "already_reverted", "这条配置已经撤销过了。")
    earlier = [
        r
        for r in session.scalars(
            select(RegionChange).where(
                RegionChange.region == original.region,
                RegionChange.kind == original.kind,
                RegionChange.target == original.target,
                RegionChange.id != original.id,
            )
        )
        if (r.effective_from, r.id) < (original.effective_from, original.id)
    ]
    before = max(earlier, key=lambda r: (r.effective_from, r.id), default=None)
    today = clock.today()
    return change(
        session,
        actor,
        original.region,
        original.kind,
        original.target,
        before.value if before else None,
        max(original.effective_from, today),
        note or f"撤销第 {original.id} 号配置",
        reverts=original,
    )


# ------------------------------------------------------------------ views


def mask_name(name: str) -> str:
    """A specialist's name in public views: the family name and 专员 (王专员)."""
    return f"{name[:1]}专员" if name else ""


def change_out(row: RegionChange, catalog: Catalog) -> dict[str, Any]:
    target_name = (
        catalog.figures[row.target].name
        if row.kind == "figure" and row.target in catalog.figures
        else catalog.items[row.target].colloquial_name
        if row.target in catalog.items
        else row.target
    )
    return {
        "id": row.id,
        "region": row.region,
        "region_name": catalog.regions[row.region].name if row.region in catalog.regions else row.region,
        "kind": row.kind,
        "kind_text": KIND_TEXT.get(row.kind, row.kind),
        "target": row.target,
        "target_name": target_name,
        "value": row.value,
        "effective_from": row.effective_from.isoformat(),
        "note": row.note,
        "reverts_id": row.reverts_id,
        "created_at": row.created_at.isoformat() + "Z",
        "role": row.role,
        "staff_id": row.staff_id,
    }


def config_out(catalog: Catalog, r: RegionalRules, *, public: bool) -> dict[str, Any]:
    """Per item: enabled, online, time limit (and where it comes from), 专员; the figures."""
    items = []
    for key, item in catalog.items.items():
        person = r.specialists.get(key)
        if person and public:
            person = {
                "name": mask_name(person["name"]),
                "phone": person["phone"],
                "region_name": person["region_name"],
            }
        items.append(
            {
                "key": key,
                "colloquial_name": item.colloquial_name,
                "name": item.name,
                "department_name": catalog.departments[item.department].name,
                "enabled": key not in r.unavailable,
                "online_enabled": key not in r.offline_only and key not in r.unavailable,
                "time_limit_days": r.time_limit(catalog, key),
                "default_time_limit_days": item.time_limit_days,
                "time_limit_from": r.origins.get(("time_limit", key)),
                "specialist": person,
            }
        )
    figures = []
    for key, fig in catalog.figures.items():
        f = r.figure(catalog, key)
        figures.append({"key": key, "name": fig.name, "unit": fig.unit, "value": f.value, "origin": f.origin})
    reg = catalog.regions[r.region]
    return {
        "region": r.region,
        "region_name": reg.name,
        "level": reg.level,
        "on": r.on.isoformat(),
        "items": items,
        "figures": figures,
    }


def region_tree(catalog: Catalog) -> list[dict[str, Any]]:
    def node(code: str) -> dict[str, Any]:
        reg = catalog.regions[code]
        children = [c for c, r in catalog.regions.items() if r.parent == code]
        return {"code": code, "name": reg.name, "level": reg.level, "children": [node(c) for c in children]}

    return [node(c) for c, r in catalog.regions.items() if r.parent is None]
