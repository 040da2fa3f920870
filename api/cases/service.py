"""一表申请: validate the unified form, resolve items with the checklist engine, create the case and
one task per item in one transaction (with the outbox events of the released tasks)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from api import clock
from api.cases.models import CASE_OPEN, Case, IdempotencyRecord, Notification, Task
from api.cases.notify import get_sms_adapter
from api.cases.numbers import new_access_token, new_case_no, normalize_case_no, readable, token_hash
from api.cases.schemas import CaseCreate
from api.catalog.loader import get_catalog
from api.checklist.engine import ChecklistInputError, active_keys, build_checklist
from api.errors import ApiError, preview
from api.identity import (
    mask_account,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    parse_id_number,
)
from api.security.crypto import decrypt, encrypt, lookup_hash

log = logging.getLogger("api.cases")

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
    data = result.model_dump(mode="json")
    return {k: data.get(k) for k in ("items", "materials", "estimate", "reduction") if k in data}


def request_hash(body: CaseCreate) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    # keyed, so that the stored hash cannot be used to guess the personal data in the body
    return hashlib.sha256(lookup_hash(canonical).encode()).hexdigest()


def notify(session: Session, case: Case, text: str) -> None:
    status = get_sms_adapter().send(decrypt(case.applicant_phone_enc), text)
    session.add(
        Notification(
            case=case,
            channel="sms",
            recipient_masked=case.applicant_phone_masked,
            message=mask_text(text),
            status=status,
            created_at=clock.utcnow(),
        )
    )


def _label(field: str) -> str:
    f = get_catalog().situation_fields.get(field)
    return f"{f.label}（{field}）" if f else field


# ------------------------------------------------------------------ validation


def _validate_people(body: CaseCreate, today: dt.date) -> None:
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


def _situation(
    body: CaseCreate, channel: str, shared: dict[str, bool], fills: dict[str, Any]
) -> dict[str, Any]:
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


def shared_facts(
    session: Session, deceased_hash: str, applicant_hash: str, relationship: str
) -> dict[str, Any]:
    from api.sharing.models import DeathRecord, RelationshipVerification

    records = session.scalars(select(DeathRecord).where(DeathRecord.deceased_id_hash == deceased_hash)).all()
    verified = session.scalar(
        select(RelationshipVerification).where(
            RelationshipVerification.deceased_id_hash == deceased_hash,
            RelationshipVerification.applicant_id_hash == applicant_hash,
            RelationshipVerification.relationship == relationship,
        )
    )
    kinds = {r.kind: r for r in records}
    return {
        "death_record": kinds.get("death"),
        "cremation_record": kinds.get("cremation"),
        "relationship": verified,
        "flags": {
            "death_record_shared": "death" in kinds,
            "cremation_record_shared": "cremation" in kinds,
            "relationship_verified": bool(verified and verified.verified),
        },
    }


def resolve_items(
    situation: dict[str, Any], items: list[str] | None, region: str | None, today: dt.date
) -> Any:
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
        result = build_checklist(cat, situation, items, today, region)
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
    norm = normalize_case_no(case_no)
    if norm is None:
        return None
    return session.scalar(
        select(Case)
        .where(Case.case_no == norm)
        .options(selectinload(Case.tasks), selectinload(Case.notifications))
    )


def case_for_access_token(session: Session, case_no: str | None, token: str) -> Case | None:
    """The applicant's case for this token, or None. With case_no None, the token alone decides."""
    if not token:
        return None
    q = select(Case).where(Case.access_token_hash == token_hash(token))
    if case_no is not None:
        norm = normalize_case_no(case_no)
        if norm is None:
            return None
        q = q.where(Case.case_no == norm)
    return session.scalar(q)


def task_out(task: Task, today: dt.date | None = None) -> dict[str, Any]:
    from api.tasks.service import STATUS_TEXT, is_overdue

    cat = get_catalog()
    item = cat.items.get(task.item_key)
    dept = cat.departments.get(task.department)
    return {
        "id": task.id,
        "item": task.item_key,
        "name": item.name if item else task.item_key,
        "colloquial_name": item.colloquial_name if item else task.item_key,
        "department": task.department,
        "department_name": dept.short_name if dept else task.department,
        "status": task.status,
        "status_text": STATUS_TEXT.get(task.status, task.status),
        "waits_for": list(task.waits_for or []),
        "due_date": task.due_date,
        "overdue": is_overdue(task, today),
        "version": task.version,
        "result": task.result,
        "note": task.note,
        "updated_at": task.updated_at,
    }


def case_out(session: Session, case: Case) -> dict[str, Any]:
    today = clock.today()
    facts = shared_facts(session, case.deceased_id_hash, case.applicant_id_hash, case.relationship)
    shared: dict[str, Any] = dict(facts["flags"])
    if facts["death_record"] is not None:
        r = facts["death_record"]
        shared["death_record"] = {
            "source": r.source_department,
            "date": r.event_date,
            "record_no": r.record_no,
        }
    if facts["cremation_record"] is not None:
        r = facts["cremation_record"]
        shared["cremation_record"] = {
            "source": r.source_department,
            "date": r.event_date,
            "record_no": r.record_no,
        }
    return {
        "case_no": case.case_no,
        "case_no_readable": readable(case.case_no),
        "status": case.status,
        "region": case.region,
        "channel": case.channel,
        "created_at": case.created_at,
        "completed_at": case.completed_at,
        "deceased": {
            "name": case.deceased_name_masked,
            "id_number": case.deceased_id_masked,
            "death_date": case.death_date,
        },
        "applicant": {
            "name": case.applicant_name_masked,
            "phone": case.applicant_phone_masked,
            "relationship": case.relationship,
            "relationship_text": get_catalog().value_label("relationship", case.relationship),
        },
        "payee_account": case.payee_account_masked,
        "shared_data": shared,
        "tasks": [task_out(t, today) for t in case.tasks],
        "checklist": case.checklist,
        "notifications": [
            {
                "channel": n.channel,
                "recipient": n.recipient_masked,
                "message": n.message,
                "status": n.status,
                "created_at": n.created_at,
            }
            for n in case.notifications
        ],
    }


# ------------------------------------------------------------------ creating


def _replay(rec: IdempotencyRecord, req_hash: str) -> dict[str, Any]:
    if rec.request_hash != req_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "这个 Idempotency-Key 已经用于另一份不同的申请。"
            "重新提交同一份申请请用原来的内容；新申请请换一个新的键。",
        )
    body = dict(rec.response)
    body["access_token"] = decrypt(body["access_token"])
    return body


def _duplicate_case(existing: Case, applicant_hash: str, phone: str) -> ApiError:
    # the case number goes back only to the applicant who opened it: same ID number and same phone
    if existing.applicant_id_hash == applicant_hash and decrypt(existing.applicant_phone_enc) == phone:
        return ApiError(
            409,
            "case_exists",
            f"您已经为这位逝者提交过申请（案件号 {readable(existing.case_no)}），正在办理中，不需要重复提交。"
            "可凭案件号和查询码查看进度；查询码遗失请带身份证到窗口或拨打 12345。",
            details={"case_no": existing.case_no},
        )
    return ApiError(
        409,
        "case_exists",
        "已经有家人为这位逝者提交了申请，正在办理中，不需要重复提交。请向提交申请的家人询问案件号和查询码，"
        "或拨打 12345 咨询。",
    )


def create_case(
    session: Session,
    body: CaseCreate,
    *,
    channel: str,
    staff_id: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[dict[str, Any], bool, int | None]:
    """Return (response body, replayed, case id)."""
    from api.tasks.service import add_event, release_unblocked

    req_hash = request_hash(body)
    if idempotency_key:
        rec = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == idempotency_key))
        if rec is not None:
            return _replay(rec, req_hash), True, rec.case_id

    today = clock.today()
    _validate_people(body, today)
    cat = get_catalog()
    if body.region is not None and body.region not in cat.regions:
        raise ApiError(
            422, "unknown_region", "不认识这个行政区划代码，请填写贵州省内的市（州）或县（区）代码。"
        )
    region = body.region or cat.default_region

    d, a = body.deceased, body.applicant
    deceased_hash = lookup_hash(d.id_number)
    applicant_hash = lookup_hash(a.id_number)

    facts = shared_facts(session, deceased_hash, applicant_hash, a.relationship)
    fills: dict[str, Any] = {}
    if facts["death_record"] is not None and facts["death_record"].death_nature:
        fills["death_nature"] = facts["death_record"].death_nature
    situation = _situation(body, channel, facts["flags"], fills)
    result = resolve_items(situation, body.items, region, today)
    # Whether this deceased has an open case is told only to a fully validated application
    # (issue 7): a probe with a bare ID number learns nothing.
    existing = session.scalar(select(Case).where(Case.open_deceased_hash == deceased_hash))
    if existing is not None:
        raise _duplicate_case(existing, applicant_hash, a.phone)

    payout = [k for k in active_keys(result) if cat.items[k].payout]
    if payout and not body.payee_account:
        names = "、".join(cat.items[k].colloquial_name for k in payout)
        raise ApiError(
            422,
            "payee_account_required",
            f"“{names}”会把钱打到您指定的账户，请填写收款银行账号（payee_account）。",
        )

    try:
        token = new_access_token()
        case_no = new_case_no(today)
        while session.scalar(select(Case.id).where(Case.case_no == case_no)) is not None:  # pragma: no cover
            case_no = new_case_no(today)
        case = Case(
            case_no=case_no,
            status=CASE_OPEN,
            region=region,
            channel=channel,
            situation=situation,
            checklist=checklist_summary(result),
            created_at=clock.utcnow(),
            created_by_staff=staff_id,
            deceased_name_enc=encrypt(d.name),
            deceased_name_masked=mask_name(d.name),
            deceased_id_enc=encrypt(d.id_number),
            deceased_id_hash=deceased_hash,
            deceased_id_masked=mask_id_number(d.id_number),
            death_date=d.death_date,
            open_deceased_hash=deceased_hash,
            applicant_name_enc=encrypt(a.name),
            applicant_name_masked=mask_name(a.name),
            applicant_id_enc=encrypt(a.id_number),
            applicant_id_hash=applicant_hash,
            applicant_phone_enc=encrypt(a.phone),
            applicant_phone_hash=lookup_hash(a.phone),
            applicant_phone_masked=mask_phone(a.phone),
            relationship=a.relationship,
            payee_account_enc=encrypt(body.payee_account) if body.payee_account else None,
            payee_account_masked=mask_account(body.payee_account) if body.payee_account else None,
            access_token_hash=token_hash(token),
            idempotency_key=idempotency_key,
        )
        session.add(case)
        active = set(active_keys(result))
        for entry in result.items:
            if entry.key not in active:
                continue
            task = Task(
                item_key=entry.key,
                department=cat.items[entry.key].department,
                status="waiting",
                waits_for=[w for w in (getattr(entry, "waits_for", None) or []) if w in active],
                created_at=clock.utcnow(),
            )
            case.tasks.append(task)
            add_event(
                session,
                task,
                "created",
                None,
                "applicant" if channel == "online" else "window_staff",
                staff_id,
            )
        session.flush()
        release_unblocked(session, case)
        notify(
            session,
            case,
            f"【一件事】您的申请已受理，案件号 {readable(case_no)}，共 {len(case.tasks)} 件事项，"
            "各部门将同步办理。可凭案件号和查询码查看进度。",
        )
        session.flush()
        response = {
            "case_no": case.case_no,
            "case_no_readable": readable(case.case_no),
            "access_token": token,
            "status": case.status,
            "tasks": [jsonable(task_out(t, today)) for t in case.tasks],
            "checklist": case.checklist,
            "message": "申请已提交。请记下案件号和查询码（查询码只显示这一次），"
            "凭它们随时查看各事项的办理进度。",
        }
        if idempotency_key:
            stored = dict(response)
            stored["access_token"] = encrypt(token)
            session.add(
                IdempotencyRecord(
                    key=idempotency_key,
                    request_hash=req_hash,
                    status_code=201,
                    response=stored,
                    case_id=case.id,
                    created_at=clock.utcnow(),
                )
            )
        session.commit()
    except IntegrityError:
        # A concurrent request won the race (same Idempotency-Key, or a case for the same deceased).
        session.rollback()
        if idempotency_key:
            rec = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.key == idempotency_key))
            if rec is not None:
                return _replay(rec, req_hash), True, rec.case_id
        existing = session.scalar(select(Case).where(Case.open_deceased_hash == deceased_hash))
        if existing is not None:
            raise _duplicate_case(existing, applicant_hash, a.phone) from None
        raise
    log.info("case %s created: %d tasks, channel %s", readable(case.case_no), len(case.tasks), channel)
    return response, False, case.id
