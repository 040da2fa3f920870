"""证照送达: result lines, the electronic result document, the family's delivery choice, mailing and
receipt. Services add and flush, never commit.

- Every completed task has an electronic result document (结果文书): number ``<readable case no>-<task id>``,
  the issuing department, the item, the result fields the department recorded (labels from the
  catalog's ``result_fields``), rendered as a PDF with the embedded CJK font (api/documents/pdf.py).
- When the family chose mailing in the form and the item's result is a paper certificate
  (``paper_original`` in knowledge/items.yaml), the department enters the carrier and tracking number
  once it has posted the original; the family then confirms receipt. For everything else the family
  confirms that it has received (downloaded) the electronic document.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api import clock
from api.cases.models import Case
from api.cases.numbers import readable
from api.catalog.loader import get_catalog
from api.delivery.models import DeliveryChoice, TaskDelivery
from api.errors import ApiError
from api.identity import mask_text
from api.security.personal import PersonalField, PersonalKind
from api.tasks.models import Task, TaskStatus


def _normalise_address(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split())


def mask_address(value: str | None) -> str:
    """Province and city part only: 贵州省贵阳市云岩区中华北路12号 → 贵州省贵阳市****."""
    if not value:
        return ""
    v = _normalise_address(value)
    keep = 0
    for marker in ("市", "州", "县", "区"):
        pos = v.find(marker)
        if 0 <= pos < 12:
            keep = max(keep, pos + 1)
            break
    keep = keep or min(3, len(v) // 3)
    return mask_text(v[:keep]) + "****"


ADDRESS = PersonalKind("address", _normalise_address, mask_address)
ADDRESS_FIELD = PersonalField("delivery_address", ADDRESS)

METHOD_TEXT = {
    "electronic": "电子结果文书（在进度页下载），纸质原件到窗口领取",
    "mail": "电子结果文书，纸质原件邮寄",
}
STATUS_TEXT = {
    "issued": "电子结果文书已出具，可下载",
    "to_mail": "纸质原件待寄出",
    "mailed": "纸质原件已寄出",
    "received": "家属已确认收到",
}


# ------------------------------------------------------------------ the delivery choice


def record_choice(session: Session, case: Case, method: str | None, address: str | None) -> DeliveryChoice:
    """A step of the submission (api.cases.flows): the family's choice, the address encrypted."""
    row = DeliveryChoice(case_id=case.id, method=method or "electronic", created_at=clock.utcnow())
    ADDRESS_FIELD.store(row, address if row.method == "mail" else None)
    session.add(row)
    return row


def choice_of(session: Session, case: Case) -> DeliveryChoice | None:
    return session.scalar(select(DeliveryChoice).where(DeliveryChoice.case_id == case.id))


def choice_out(choice: DeliveryChoice | None) -> dict[str, Any]:
    method = choice.method if choice else "electronic"
    return {
        "method": method,
        "method_text": METHOD_TEXT[method],
        "address": choice.delivery_address_masked if choice else None,
    }


# ------------------------------------------------------------------ results


def _format(kind: str, value: Any) -> str:
    if kind == "yes_no" or isinstance(value, bool):
        return "是" if value else "否"
    if kind == "amount" and isinstance(value, (int, float)):
        return f"{value:,.2f} 元"
    return str(value)


def result_lines(task: Task) -> list[dict[str, str]]:
    """The task's result as label/value lines: the catalog's result_fields first, in their order, then
    anything else the department sent (its own key as the label). Values are masked."""
    item = get_catalog().items.get(task.item_key)
    result = dict(task.result or {})
    lines: list[dict[str, str]] = []
    for f in item.result_fields if item else []:
        if f.key in result and result[f.key] not in (None, ""):
            lines.append(
                {"key": f.key, "label": f.label, "value": mask_text(_format(f.kind, result.pop(f.key)))}
            )
    for key, value in result.items():
        if value not in (None, "") and not isinstance(value, (dict, list)):
            lines.append({"key": str(key), "label": str(key), "value": mask_text(_format("text", value))})
    return lines


def document_no(case: Case, task: Task) -> str:
    """The readable case number and the task: SH20261130-00000-1-7 (never a long digit run, which
    screens and logs would mask as a personal number)."""
    return f"{readable(case.case_no)}-{task.id}"


def needs_mail(task: Task, choice: DeliveryChoice | None) -> bool:
    item = get_catalog().items.get(task.item_key)
    return bool(item and item.paper_original and choice is not None and choice.method == "mail")


def delivery_row(session: Session, task: Task) -> TaskDelivery | None:
    return session.scalar(select(TaskDelivery).where(TaskDelivery.task_id == task.id))


def delivery_out(
    task: Task, case: Case, choice: DeliveryChoice | None, row: TaskDelivery | None
) -> dict[str, Any] | None:
    """The delivery step of a completed task (None before completion)."""
    if task.status != TaskStatus.COMPLETED:
        return None
    dept = get_catalog().departments.get(task.department)
    mail = needs_mail(task, choice)
    if row is not None and row.received_at is not None:
        status = "received"
    elif mail:
        status = "mailed" if row is not None and row.mailed_at is not None else "to_mail"
    else:
        status = "issued"
    return {
        "document_no": document_no(case, task),
        "issuing_department": dept.name if dept else task.department,
        "issued_at": task.completed_at,
        "document_path": f"/api/v1/cases/{case.case_no}/tasks/{task.item_key}/document",
        "method": "mail" if mail else "electronic",
        "address": choice.delivery_address_masked if mail and choice else None,
        "carrier": row.carrier if row else None,
        "tracking_no": row.tracking_no if row else None,
        "mailed_at": row.mailed_at if row else None,
        "received_at": row.received_at if row else None,
        "status": status,
        "status_text": STATUS_TEXT[status],
        "result_lines": result_lines(task),
    }


def deliveries_for(session: Session, case: Case) -> dict[int, dict[str, Any] | None]:
    """task id → its delivery view, for every task of the case (two queries)."""
    choice = choice_of(session, case)
    ids = [t.id for t in case.tasks]
    rows = {
        r.task_id: r
        for r in session.scalars(select(TaskDelivery).where(TaskDelivery.task_id.in_(ids or [-1])))
    }
    return {t.id: delivery_out(t, case, choice, rows.get(t.id)) for t in case.tasks}


def _row_for(session: Session, task: Task) -> TaskDelivery:
    row = delivery_row(session, task)
    if row is None:
        row = TaskDelivery(task_id=task.id, created_at=clock.utcnow())
        session.add(row)
    return row


NOT_COMPLETED = "这件事项还没有办结，结果还不能送达。"


def record_mailing(
    session: Session, task: Task, carrier: str, tracking_no: str, by: str | None
) -> TaskDelivery:
    """The department posted the paper original: carrier and tracking number (409 when nothing is to be
    mailed, or when it was received already)."""
    if task.status != TaskStatus.COMPLETED:
        raise ApiError(409, "not_completed", NOT_COMPLETED)
    if not needs_mail(task, choice_of(session, task.case)):
        raise ApiError(409, "no_mailing", "家属没有选择邮寄，或这件事项没有纸质原件，不需要填写快递单号。")
    row = _row_for(session, task)
    if row.received_at is not None:
        raise ApiError(409, "already_received", "家属已经确认收到，不能再修改快递信息。")
    row.carrier, row.tracking_no = carrier, tracking_no
    row.mailed_at, row.mailed_by = clock.utcnow(), by
    session.flush()
    return row


def confirm_receipt(session: Session, task: Task) -> TaskDelivery:
    """The family confirms it has the result (the mailed original once it was posted)."""
    if task.status != TaskStatus.COMPLETED:
        raise ApiError(409, "not_completed", NOT_COMPLETED)
    row = _row_for(session, task)
    if needs_mail(task, choice_of(session, task.case)) and row.mailed_at is None:
        raise ApiError(
            409, "not_mailed_yet", "纸质原件还没有寄出，寄出后会短信告诉您快递单号，收到后再确认。"
        )
    if row.received_at is None:
        row.received_at = clock.utcnow()
    session.flush()
    return row


# ------------------------------------------------------------------ the document


def render_document(case: Case, task: Task) -> bytes:
    """The electronic result document of a completed task, as a PDF (personal data masked)."""
    from api.documents.pdf import heading, new_document, paragraph, title, to_bytes

    cat = get_catalog()
    item = cat.items[task.item_key]
    dept = cat.departments.get(task.department)
    issued = clock.local_date(task.completed_at) if task.completed_at else clock.today()
    no = document_no(case, task)
    pdf = new_document(f"办理结果 {no}", footer="贵州省个人身后“一件事” · 有疑问请拨打 12345")
    title(pdf, f"{item.name} 办理结果")
    paragraph(pdf, f"文书编号：{no}")
    paragraph(pdf, f"出具部门：{dept.name if dept else task.department}")
    paragraph(pdf, f"办结日期：{issued:%Y年%m月%d日}")
    paragraph(pdf, f"案件号：{case.case_no}")
    heading(pdf, "逝者")
    paragraph(pdf, f"姓名：{case.deceased_name_masked}　身份证号：{case.deceased_id_masked}")
    paragraph(pdf, f"死亡日期：{case.death_date:%Y年%m月%d日}")
    heading(pdf, "办理结果")
    paragraph(pdf, item.result)
    for line in result_lines(task):
        paragraph(pdf, f"{line['label']}：{line['value']}")
    if item.paper_original:
        paragraph(pdf, "纸质原件按您在申请时选择的方式送达（邮寄或到窗口领取）。", gray=True)
    paragraph(pdf, "本文书由系统根据部门办结信息生成，个人信息已部分隐藏。", gray=True)
    return to_bytes(pdf)


def issued_on(task: Task) -> dt.date | None:
    return clock.local_date(task.completed_at) if task.completed_at else None
