"""The window's receipt (受理回执): an A4 PDF with the case number, the short progress code (when the
officer has it: at submission, or typed by the family), the items and departments with their due
dates, and each material as received, promised (容缺, with the promise and its date) or to bring.
Names and numbers masked; the Chinese font embedded (api/documents/pdf.py)."""

from __future__ import annotations

from typing import Any

from api import clock
from api.cases.models import Case
from api.cases.numbers import readable
from api.catalog.loader import get_catalog
from api.documents.pdf import heading, new_document, paragraph, title, to_bytes
from api.window.models import WindowIntake
from api.window.service import STATUS_TEXT


def receipt_pdf(
    case: Case,
    tasks: list[dict[str, Any]],
    materials: list[dict[str, Any]],
    intake: WindowIntake | None,
    progress_code: str | None,
    officer: str | None,
) -> bytes:
    catalog = get_catalog()
    region = catalog.regions.get(case.region)
    pdf = new_document("个人身后“一件事”受理回执", footer="有疑问请拨打 12345 政务服务便民热线")
    title(pdf, "个人身后“一件事”受理回执")
    now = clock.now()
    paragraph(pdf, f"案件号：{readable(case.case_no)}", size=14)
    if progress_code:
        paragraph(pdf, f"查询码：{progress_code}（凭案件号和查询码查看办理进度，请妥善保管）", size=14)
    else:
        paragraph(pdf, "查询码：已通过短信发给申请人（凭案件号和查询码查看办理进度）", gray=True)
    paragraph(
        pdf,
        f"受理地点：{region.name if region else case.region}　受理时间：{now:%Y-%m-%d %H:%M}"
        f"　受理人：{officer or '窗口工作人员'}",
    )
    paragraph(
        pdf,
        f"逝者：{case.deceased_name_masked}（身份证 {case.deceased_id_masked}）　"
        f"申请人：{case.applicant_name_masked}（手机 {case.applicant_phone_masked}，"
        f"{catalog.value_label('relationship', case.relationship)}）",
    )

    heading(pdf, "同时办理的事项")
    for t in tasks:
        due = f"，预计 {t['due_date']} 前办结" if t.get("due_date") else "，前置事项办完后开始办理"
        paragraph(pdf, f"· {t['colloquial_name']}（{t['department_name']}）：{t['status_text']}{due}")

    heading(pdf, "材料")
    for m in materials:
        rec = m.get("recorded")
        if m["exempt"]:
            state = f"免交：{m['exempt_reason']}"
        elif m["generated"] and not rec:
            state = "系统生成"
        elif rec:
            state = STATUS_TEXT.get(rec["status"], rec["status"])
            if rec["status"] == "promised":
                state += f"，承诺 {rec['promise_due']} 前补交" if rec.get("promise_due") else ""
                if m.get("promise_note"):
                    state += f"。{m['promise_note']}"
        else:
            state = "未登记"
        paragraph(pdf, f"· {m['name']}：{state}")
        if rec and rec.get("note"):
            paragraph(pdf, f"备注：{rec['note']}", size=9.5, indent=4, gray=True)
    if intake and intake.note:
        paragraph(pdf, f"窗口备注：{intake.note}", gray=True)

    heading(pdf, "说明")
    paragraph(
        pdf,
        "各部门同时办理，办好一件会发短信告诉您。容缺（告知承诺）的材料请在承诺的日期前补交，"
        "逾期未补交的事项可能无法办结。",
    )
    paragraph(pdf, "申请人签字：＿＿＿＿＿＿＿＿　　窗口工作人员签字：＿＿＿＿＿＿＿＿", size=12)
    return to_bytes(pdf)
