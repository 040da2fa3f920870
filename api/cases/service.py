"""Cases: checking a 一表申请 (people, situation, items) and finding a case. Filing a case is
api/cases/flows.py (one transaction); showing one is api/cases/views.py.

Like every service, nothing here commits: the route or the flow owns the transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.cases.models import Case
from api.cases.numbers import normalize_case_no, token_hash
from api.cases.progress_code import is_session_token, session_case_id
from api.cases.schemas import CaseCreate
from api.catalog.loader import get_catalog
from api.catalog.regional import RegionalRules
from api.checklist.engine import ChecklistInputError, active_keys, build_checklist
from api.errors import ApiError, preview
from api.identity import parse_id_number

SHARED_FIELDS = ("death_record_shared", "cremation_record_shared", "relationship_verified")


# ------------------------------------------------------------------ helpers


def jsonable(obj: Any) -> Any:
    """Checklist results may be pydantic models, dataclasses or plain values."""
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    return obj


def checklist_summary(result: Any) -> dict[str, Any]:
    """The part of a checklist result kept on the case (items with status and reason, materials,
    estimate, reduction); recomputed when shared data arrives."""
    data = result.model_dump(mode="json")
    return {k: data.get(k) for k in ("items", "materials", "estimate", "reduction") if k in data}


def _label(field: str) -> str:
    f = get_catalog().situation_fields.get(field)
    return f"{f.label}（{field}）" if f else field


# ------------------------------------------------------------------ validation


def validate_people(body: CaseCreate, today: dt.date) -> None:
    """422 with a sentence to act on when a date or ID number cannot be right: a death in the
    future or before the birth in the ID number, an applicant born after today, the applicant's ID
    number equal to the deceased's."""
    d, a = body.deceased, body.applicant
    if d.death_date > today:
        raise ApiError(422, "death_date_future", "去世日期不能晚于今天，请核对。")
    try:
        parse_id_number(d.id_number, not_after=d.death_date)
    except ValueError:
        raise ApiError(
            422, "death_before_birth", "去世日期早于逝者身份证号中的出生日期，请核对去世日期或身份证号。"
        ) from None
    try:
        parse_id_number(a.id_number, not_after=today)
    except ValueError:
        raise ApiError(
            422, "applicant_birth_future", "申请人身份证号中的出生日期晚于今天，请核对。"
        ) from None
    if d.id_number == a.id_number:
        raise ApiError(
            422,
            "applicant_is_deceased",
            "申请人和逝者的身份证号相同。请填写前来办理的家属（或代理人）本人的身份证号。",
        )


def situation_of(
    body: CaseCreate, channel: str, shared: dict[str, bool], fills: dict[str, Any]
) -> dict[str, Any]:
    """The validated situation of an application: shared-data flags set only from `shared` (422 when
    the body sets them), relationship and channel taken from the body (422 when they disagree),
    `fills` used where the family said nothing; unknown fields or values → 422 invalid_situation."""
    cat = get_catalog()
    given = dict(body.situation)
    for key in SHARED_FIELDS:
        if key in given:
            raise ApiError(
                422,
                "shared_field_not_allowed",
                f"“{_label(key)}”由系统根据部门共享的数据自动填写，请不要在申请中提交。",
                details={"field": key},
            )
    if "relationship" in given and given["relationship"] != body.applicant.relationship:
        raise ApiError(
            422,
            "relationship_mismatch",
            "situation.relationship 与 applicant.relationship 不一致，请只在申请人信息中填写关系。",
        )
    if "channel" in given and given["channel"] != channel:
        raise ApiError(
            422, "channel_mismatch", "situation.channel 与申请渠道不一致，请删除 situation.channel。"
        )
    given["relationship"] = body.applicant.relationship
    given["channel"] = channel
    for key, value in fills.items():
        given.setdefault(key, value)
    for key, value in shared.items():
        if value:
            given[key] = True
    given = {k: v for k, v in given.items() if v is not None}
    try:
        model = cat.situation_model.model_validate(given)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = preview(".".join(str(p) for p in err["loc"]), 64, plain=True)
            if err["type"] == "extra_forbidden":
                problems.append(f"不认识的情况字段 {field}")
            else:
                allowed = cat.allowed_values(field) if field in cat.situation_fields else []
                problems.append(f"{_label(field)} 的取值 {preview(err.get('input'))} 无效，可选：{allowed}")
        raise ApiError(422, "invalid_situation", "；".join(problems), details={"errors": problems}) from None
    return {k: v for k, v in model.model_dump().items() if v is not None}


def resolve_items(
    situation: dict[str, Any],
    items: list[str] | None,
    region: str | None,
    today: dt.date,
    rules: RegionalRules | None = None,
) -> Any:
    """The checklist for the situation and the chosen items (None: every item that applies), or
    422 with what to fix: unknown items, none chosen, questions still unanswered, items the
    situation rules out, or nothing left to do."""
    cat = get_catalog()
    if items is not None:
        unknown = [k for k in items if k not in cat.items]
        if unknown:
            raise ApiError(
                422,
                "unknown_items",
                f"不认识这些事项：{'、'.join(preview(k, plain=True) for k in unknown[:5])}。"
                "可先用 GET /api/v1/items 查看可办事项。",
                details={"unknown": [preview(k, plain=True) for k in unknown[:20]]},
            )
        if not items:
            raise ApiError(
                422, "no_items", "请至少选择一件要办的事项，或传 null 表示办理所有符合条件的事项。"
            )
        items = list(dict.fromkeys(items))
    try:
        result = build_checklist(cat, situation, items, today, region, rules)
    except ChecklistInputError as exc:
        raise ApiError(422, "invalid_checklist_input", str(exc), details={"field": exc.field}) from None
    missing = list(result.missing_fields)
    if missing:
        names = "、".join(f"{m.label}（{m.key}）" for m in missing)
        raise ApiError(
            422,
            "situation_incomplete",
            f"还需要了解这些情况才能确定要办的事项：{names}。请补充后再提交。",
            details={
                "missing_fields": [m.key for m in missing],
                "questions": [
                    {"field": m.key, "question": m.question, "needed_by": m.needed_by} for m in missing
                ],
            },
        )
    chosen = set(items or [])
    refused = [i for i in result.items if i.status == "ineligible" and i.key in chosen]
    if refused:
        lines = [f"“{cat.items[i.key].colloquial_name}”：{i.reason}" for i in refused]
        raise ApiError(
            422,
            "items_ineligible",
            "有的事项按您填写的情况不能办理：" + "；".join(lines) + "。请取消这些事项后再提交。",
            details={"ineligible": [{"item": i.key, "reason": i.reason} for i in refused]},
        )
    if not active_keys(result):
        raise ApiError(
            422, "nothing_to_do", "按您填写的情况，没有需要办理的事项。如有疑问请拨打 12345 咨询。"
        )
    return result


# ------------------------------------------------------------------ reading


def find_case(session: Session, case_no: str) -> Case | None:
    """The case with its notifications (its tasks load when read), by a case number in any accepted
    form (None when the number is malformed, fails its check digit or is unknown). No access check:
    the caller's."""
    norm = normalize_case_no(case_no)
    if norm is None:
        return None
    return session.scalar(select(Case).where(Case.case_no == norm).options(selectinload(Case.notifications)))


def case_for_access_token(session: Session, case_no: str | None, token: str) -> Case | None:
    """The applicant's case for this token — the access token, or a short-lived progress session
    (api/cases/progress_code.py) — or None. With case_no None, the token alone decides."""
    if not token:
        return None
    if is_session_token(token):
        case_id = session_case_id(token)
        if case_id is None:
            return None
        q = select(Case).where(Case.id == case_id)
    else:
        q = select(Case).where(Case.access_token_hash == token_hash(token))
    if case_no is not None:
        norm = normalize_case_no(case_no)
        if norm is None:
            return None
        q = q.where(Case.case_no == norm)
    return session.scalar(q)
