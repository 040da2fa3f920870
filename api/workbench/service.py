"""The department workbench: its queue, result fields checked against the catalog, supplement notes,
which personal fields a task may reveal. The status changes themselves go through the task lifecycle
(api.tasks.service.transition); nothing here sets a status."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session, selectinload

from api import clock
from api.cases.models import CASE_PERSONAL, Case
from api.catalog.loader import get_catalog
from api.checklist.calendar import is_working_day
from api.delivery import service as delivery
from api.delivery.models import DeliveryChoice, TaskDelivery
from api.errors import ApiError
from api.tasks.models import Task, TaskStatus
from api.tasks.service import task_out

S = TaskStatus
# What the department still has to act on (waiting tasks are not released to it yet).
OPEN_FOR_DEPARTMENT = (S.READY, S.ACCEPTED, S.SUPPLEMENT_REQUESTED, S.RESUBMITTED)
QUEUE_LIMIT = 200


def working_days_left(due: dt.date | None, today: dt.date) -> int | None:
    """Working days from today to the due date (China's calendar, holidays and 调休 counted): 0 when due
    today, negative when overdue (working days since the due date)."""
    if due is None:
        return None
    lo, hi, sign = (today, due, 1) if due >= today else (due, today, -1)
    count, day = 0, lo
    while day < hi:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return sign * count


def countdown_text(days: int | None, overdue: bool) -> str:
    if days is None:
        return "无时限"
    if overdue or days < 0:
        return f"已超期 {abs(days)} 个工作日" if days else "已超期"
    return "今天到期" if days == 0 else f"还剩 {days} 个工作日"


def supplement_choices(task: Task) -> list[dict[str, str]]:
    """The case's materials this item needs (from the case's checklist), for a supplement request."""
    mats = (task.case.checklist or {}).get("materials") or []
    own = [m for m in mats if task.item_key in (m.get("needed_for") or [])]
    return [{"key": m["key"], "name": m["name"]} for m in (own or mats) if "key" in m and "name" in m]


# Personal fields every department may reveal (to identify the deceased and reach the family); the
# payee account only for items that pay out; the delivery address only when a paper original is mailed.
BASE_REVEALABLE = ("deceased_name", "deceased_id", "applicant_name", "applicant_phone")
REVEAL_TEXT = {
    "deceased_name": "逝者姓名",
    "deceased_id": "逝者身份证号",
    "applicant_name": "申请人姓名",
    "applicant_phone": "申请人手机号",
    "payee_account": "收款账号",
    "delivery_address": "邮寄地址",
}


def revealable(task: Task, choice: Any) -> list[str]:
    item = get_catalog().items.get(task.item_key)
    fields = list(BASE_REVEALABLE)
    if item is not None and item.payout and task.case.payee_account_enc:
        fields.append("payee_account")
    if delivery.needs_mail(task, choice):
        fields.append("delivery_address")
    return fields


def reveal(task: Task, field: str, choice: Any) -> str:
    if field not in revealable(task, choice):
        raise ApiError(403, "not_needed", "办理这件事项不需要查看这项个人信息。")
    if field == "delivery_address":
        value = delivery.ADDRESS_FIELD.read(choice)
    else:
        value = CASE_PERSONAL[field].read(task.case)
    return value or ""


def masked_particulars(task: Task, choice: Any) -> dict[str, str | None]:
    case = task.case
    out: dict[str, str | None] = {
        "deceased_name": case.deceased_name_masked,
        "deceased_id": case.deceased_id_masked,
        "applicant_name": case.applicant_name_masked,
        "applicant_phone": case.applicant_phone_masked,
    }
    fields = revealable(task, choice)
    if "payee_account" in fields:
        out["payee_account"] = case.payee_account_masked
    if "delivery_address" in fields:
        out["delivery_address"] = choice.delivery_address_masked if choice else None
    return out


def queue(session: Session, department: str, case_no: str | None = None) -> list[Task]:
    """The department's open tasks and its completed ones whose paper original still has to be mailed
    (the family chose mailing, nothing posted yet), by due date (none last), then by id; at most
    QUEUE_LIMIT, selected and ordered in SQL. With ``case_no`` (normalised), that case's only: the
    clerk looking up the family on the phone."""
    paper = [k for k, i in get_catalog().items.items() if i.paper_original]
    to_mail = (
        select(Task.id)
        .join(DeliveryChoice, DeliveryChoice.case_id == Task.case_id)
        .outerjoin(TaskDelivery, TaskDelivery.task_id == Task.id)
        .where(
            Task.department == department,
            Task.status == S.COMPLETED,
            Task.item_key.in_(paper or ["-"]),
            DeliveryChoice.method == "mail",
            TaskDelivery.mailed_at.is_(None),
        )
    )
    return list(
        session.scalars(
            select(Task)
            .where(Task.department == department)
            .where(or_(Task.status.in_(OPEN_FOR_DEPARTMENT), Task.id.in_(to_mail)))
            .where(Task.case_id.in_(select(Case.id).where(Case.case_no == case_no)) if case_no else true())
            .options(selectinload(Task.case).selectinload(Case.tasks))
            .order_by(Task.due_date.is_(None), Task.due_date, Task.id)
            .limit(QUEUE_LIMIT)
        ).all()
    )


def cards(session: Session, tasks: list[Task], today: dt.date) -> list[dict[str, Any]]:
    """The queue's cards, with the delivery choices and rows read in two queries."""
    case_ids = {t.case_id for t in tasks} or {-1}
    choices = {
        c.case_id: c
        for c in session.scalars(select(DeliveryChoice).where(DeliveryChoice.case_id.in_(case_ids)))
    }
    rows = {
        r.task_id: r
        for r in session.scalars(
            select(TaskDelivery).where(TaskDelivery.task_id.in_([t.id for t in tasks] or [-1]))
        )
    }
    return [card(session, t, today, choices.get(t.case_id), rows.get(t.id), loaded=True) for t in tasks]


def card(
    session: Session,
    task: Task,
    today: dt.date,
    choice: DeliveryChoice | None = None,
    row: TaskDelivery | None = None,
    *,
    loaded: bool = False,
) -> dict[str, Any]:
    """One task of the queue as the clerk sees it: masked particulars, countdown, what to fill in."""
    cat = get_catalog()
    item = cat.items.get(task.item_key)
    if not loaded:
        choice, row = delivery.choice_of(session, task.case), delivery.delivery_row(session, task)
    base = task_out(task, today)
    days = working_days_left(task.due_date, today) if task.status != S.COMPLETED else None
    base.update(
        case_no=task.case.case_no,
        death_date=task.case.death_date,
        relationship=cat.value_label("relationship", task.case.relationship),
        particulars=masked_particulars(task, choice),
        revealable=[{"field": f, "label": REVEAL_TEXT[f]} for f in revealable(task, choice)],
        working_days_left=days,
        countdown=countdown_text(days, base["overdue"]) if task.status != S.COMPLETED else "已办结",
        result_fields=[f.model_dump() for f in item.result_fields] if item else [],
        result_text=item.result if item else "",
        supplement_choices=supplement_choices(task),
        delivery=delivery.delivery_out(task, task.case, choice, row),
        staff_id=task.staff_id,
    )
    return base


# ------------------------------------------------------------------ result fields

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_result(item_key: str, values: dict[str, Any]) -> dict[str, Any]:
    """The result a clerk entered, checked against the item's result_fields: every required field, the
    right kind of value, nothing unknown. 422 with the field's label otherwise."""
    item = get_catalog().items[item_key]
    fields = {f.key: f for f in item.result_fields}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ApiError(422, "unknown_result_field", f"这件事项没有这些结果字段：{'、'.join(unknown)}")
    out: dict[str, Any] = {}
    today = clock.today()
    for key, f in fields.items():
        raw = values.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if f.required:
                raise ApiError(422, "result_field_required", f"请填写“{f.label}”。")
            continue
        text = raw.strip() if isinstance(raw, str) else raw
        bad = ApiError(422, "bad_result_field", f"“{f.label}”的格式不对：{_KIND_HINT[f.kind]}")
        if f.kind == "amount":
            try:
                amount = Decimal(str(text).replace(",", "").replace("元", "").strip())
            except InvalidOperation:
                raise bad from None
            if not amount.is_finite() or amount < 0 or amount > Decimal("100000000"):
                raise bad
            out[key] = float(amount.quantize(Decimal("0.01")))
        elif f.kind == "date":
            try:
                day = dt.date.fromisoformat(str(text))
            except ValueError:
                raise bad from None
            if day > today:
                raise ApiError(422, "bad_result_field", f"“{f.label}”不能晚于今天。")
            out[key] = day.isoformat()
        elif f.kind == "month":
            if not _MONTH.match(str(text)):
                raise bad
            out[key] = str(text)
        elif f.kind == "yes_no":
            if isinstance(text, bool):
                out[key] = text
            elif str(text) in ("是", "true", "yes"):
                out[key] = True
            elif str(text) in ("否", "false", "no"):
                out[key] = False
            else:
                raise bad
        elif f.kind == "choice":
            if str(text) not in f.options:
                raise bad
            out[key] = str(text)
        else:
            if not isinstance(text, str) or len(text) > 100:
                raise ApiError(422, "bad_result_field", f"“{f.label}”应为不超过 100 个字的文字。")
            out[key] = text
    return out


_KIND_HINT = {
    "amount": "应为金额数字，如 3250.75",
    "date": "应为日期，如 2026-11-29",
    "month": "应为年月，如 2026-12",
    "yes_no": "应为“是”或“否”",
    "choice": "请从选项中选择",
    "text": "应为文字",
}


def supplement_note(task: Task, materials: list[str], reason: str) -> str:
    names = {c["key"]: c["name"] for c in supplement_choices(task)}
    names.update({k: m.name for k, m in get_catalog().materials.items() if k not in names})
    unknown = [k for k in materials if k not in names]
    if unknown:
        raise ApiError(422, "unknown_material", f"不认识这些材料：{'、'.join(unknown)}")
    listed = "、".join(names[k] for k in materials)
    return f"请补充：{listed}。原因：{reason}" if listed else reason
