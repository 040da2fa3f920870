"""Window intake: who may open a case at the counter, the review points of each material in this
family's situation, and recording what the family brought (received, promised under 告知承诺/容缺,
still to bring).

Who may see what: a window officer opens a case with its number AND the family's code (the short
progress code or the access token — the family is at the counter and shows it); an administrator
with the number alone. Either way the case is shown masked; an officer who must check a number
against a card types it and is told whether it matches (``verify``), without the system revealing it.
Every opening, verification, intake and receipt is written to the audit log by the route.

Services add and flush, never commit.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import clock
from api.cases.models import CASE_PERSONAL, Case
from api.cases.numbers import token_hash
from api.cases.progress_code import code_matches
from api.cases.service import find_case
from api.catalog.loader import Catalog, get_catalog
from api.catalog.regional import RegionalRules
from api.checklist.engine import ACTIVE, Situation
from api.errors import ApiError
from api.window.models import MATERIAL_STATUSES, IntakeMaterial, WindowIntake

NOT_FOUND = "没有找到这个案件，或家属提供的查询码不对。请核对案件号和查询码（短信里的 6 位查询码）。"
CODE_NEEDED = "请输入家属的查询码（短信里的 6 位查询码）：窗口凭案件号和查询码打开家属的申请。"
OPEN_WITHOUT_CODE = ("admin",)  # roles that may open a case by its number alone (audited)
VERIFIABLE = {
    "deceased_id": "逝者身份证号",
    "applicant_id": "申请人身份证号",
    "applicant_phone": "申请人手机号",
}
_FIGURE = re.compile(r"\{figure\.([a-z0-9_]+)\}")


# ------------------------------------------------------------------ access


def family_code_matches(case: Case, code: str) -> bool:
    """The family's short progress code, or the case's access token."""
    code = (code or "").strip()
    if not code:
        return False
    if code_matches(case.case_no, getattr(case, "progress_code_hash", None), code):
        return True
    return 16 <= len(code) <= 256 and hmac.compare_digest(token_hash(code), case.access_token_hash or "")


def open_for_window(session: Session, role: str, case_no: str, code: str | None) -> Case:
    """The case, when the caller may open it at the window; 404 otherwise (a wrong code and an unknown
    number look the same)."""
    case = find_case(session, case_no)
    if role in OPEN_WITHOUT_CODE and not code:
        if case is None:
            raise ApiError(404, "case_not_found", NOT_FOUND)
        return case
    if not code:
        raise ApiError(422, "family_code_required", CODE_NEEDED)
    if case is None or not family_code_matches(case, code):
        raise ApiError(404, "case_not_found", NOT_FOUND)
    return case


def verify(case: Case, field: str, value: str) -> bool:
    """Whether the number on a card equals the one in the case (compared by keyed hash; nothing shown)."""
    if field not in VERIFIABLE:
        raise ApiError(422, "unknown_field", f"只能核对：{'、'.join(VERIFIABLE.values())}。")
    pf = CASE_PERSONAL[field]
    stored = getattr(case, f"{field}_hash", None)
    try:
        return bool(stored) and hmac.compare_digest(pf.hash(value), stored or "")
    except ValueError:
        return False


# ------------------------------------------------------------------ review points


def _figure_text(catalog: Catalog, rules: RegionalRules | None, key: str) -> str:
    if key not in catalog.figures:
        return "当地规定的数额"
    f = rules.figure(catalog, key) if rules else catalog.figure(key)
    if f.value is None:
        return "当地规定的数额"
    value = int(f.value) if float(f.value).is_integer() else f.value
    return f"{value}{f.unit}"


def review_points(
    catalog: Catalog,
    material_key: str,
    situation: dict[str, Any],
    active: list[str],
    rules: RegionalRules | None = None,
) -> list[dict[str, Any]]:
    """审查要点 of one material in this family's situation: the points whose situation holds and whose
    items (if any) the case includes, figures filled in with the values in force in the region."""
    material = catalog.materials[material_key]
    sit = Situation({k: v for k, v in situation.items() if k in catalog.situation_fields}, catalog)
    out = []
    for rp in material.review_points:
        if rp.when and sit.holds(rp.when) is not True:
            continue
        if rp.items and not any(k in active for k in rp.items):
            continue
        out.append(
            {
                "check": _FIGURE.sub(lambda m: _figure_text(catalog, rules, m.group(1)), rp.check),
                "basis": rp.basis.title,
                "basis_source": rp.basis.source,
                "generic": bool(rp.basis.note),
            }
        )
    return out


def active_items(case: Case) -> list[str]:
    return [i["key"] for i in (case.checklist or {}).get("items", []) if i.get("status") in ACTIVE]


def materials_for_window(
    case: Case, rules: RegionalRules | None, latest: WindowIntake | None
) -> list[dict[str, Any]]:
    """The case's materials (from its checklist) with review points, 容缺 and what was recorded."""
    catalog = get_catalog()
    active = active_items(case)
    recorded = {m.material_key: m for m in latest.materials} if latest else {}
    out = []
    for line in (case.checklist or {}).get("materials", []):
        key = line["key"]
        if key not in catalog.materials:
            continue
        rec = recorded.get(key)
        out.append(
            {
                "key": key,
                "name": line.get("name"),
                "form": line.get("form"),
                "medium": line.get("medium"),
                "copies": line.get("copies", 1),
                "generated": line.get("generated", False),
                "exempt": line.get("exempt", False),
                "exempt_reason": line.get("reason"),
                "promise_allowed": bool(line.get("promise_allowed")),
                "promise_note": line.get("promise_note"),
                "review_points": review_points(catalog, key, case.situation or {}, active, rules),
                "recorded": (
                    {
                        "status": rec.status,
                        "promise_due": rec.promise_due.isoformat() if rec.promise_due else None,
                        "note": rec.note,
                    }
                    if rec
                    else None
                ),
            }
        )
    return out


# ------------------------------------------------------------------ intake


STATUS_TEXT = {"received": "已收取/已核验", "promised": "容缺（告知承诺，后补）", "pending": "未带，需补交"}


def latest_intake(session: Session, case: Case) -> WindowIntake | None:
    return session.scalar(
        select(WindowIntake).where(WindowIntake.case_id == case.id).order_by(WindowIntake.id.desc()).limit(1)
    )


def record_intake(
    session: Session,
    case: Case,
    role: str,
    staff_id: str | None,
    lines: list[dict[str, Any]],
    note: str | None = None,
) -> WindowIntake:
    """One intake: a line per material the family was asked for. A promise (容缺) only where the
    catalog allows it for this case; an exempt or unknown material is refused with what to do."""
    catalog = get_catalog()
    by_key = {m["key"]: m for m in (case.checklist or {}).get("materials", [])}
    today = clock.today()
    seen: set[str] = set()
    intake = WindowIntake(
        case_id=case.id, staff_id=staff_id, role=role, created_at=clock.utcnow(), note=(note or None)
    )
    for line in lines:
        key, status = line["key"], line["status"]
        name = catalog.materials[key].name if key in catalog.materials else key
        if key in seen:
            raise ApiError(422, "duplicate_material", f"“{name}”填了两次，请只保留一行。")
        seen.add(key)
        if key not in by_key:
            raise ApiError(422, "material_not_needed", f"这个案件不需要“{name}”，请核对材料清单。")
        m = by_key[key]
        if m.get("exempt"):
            raise ApiError(422, "material_exempt", f"“{name}”不用交：{m.get('reason') or '已免交'}")
        if status not in MATERIAL_STATUSES:
            raise ApiError(422, "invalid_status", "材料状态只能是：已收取、容缺（告知承诺）或未带。")
        due: dt.date | None = line.get("promise_due")
        if status == "promised":
            if not m.get("promise_allowed"):
                raise ApiError(
                    422,
                    "promise_not_allowed",
                    f"“{name}”在这个案件里不能容缺（告知承诺），请收取材料；家属暂时没有的请记为“未带，需补交”。",
                )
            if due is not None and due < today:
                raise ApiError(422, "promise_due_past", "承诺补交的日期不能早于今天。")
        elif due is not None:
            due = None  # a due date belongs to a promise only
        intake.materials.append(
            IntakeMaterial(material_key=key, status=status, promise_due=due, note=(line.get("note") or None))
        )
    session.add(intake)
    session.flush()
    return intake
