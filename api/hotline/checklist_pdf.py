"""The printable A4 checklist: what the family brings, which items, how long — no personal data.

Made from a checklist result (api/checklist) and the situation it was computed for; carries China's
date (api/clock.py) and the catalog version (api/catalog/version.py) so staff can tell which rules a
sheet followed.
"""

from __future__ import annotations

import datetime as dt

from api import clock
from api.catalog.loader import Catalog
from api.catalog.version import catalog_version
from api.checklist.schemas import ChecklistResult
from api.documents import pdf as doc

TITLE = "个人身后“一件事”办事清单"

STATUS_TEXT = {
    "selected": "要办",
    "added_prerequisite": "要先办",
    "already_done": "不用再办",
    "ineligible": "这次办不了",
}
MEDIUM_TEXT = {"electronic": "电子", "paper": "纸质", "any": "纸质或电子均可"}


def _sentences(parts: list[str]) -> str:
    """Parts joined by "；" without doubled punctuation, ending with "。"."""
    return "；".join(p.rstrip("。；;. ") for p in parts if p) + "。"


def situation_lines(catalog: Catalog, situation: dict) -> list[str]:
    """ "去世地点：在家里" for every answered field, in the catalog's order and words."""
    out = []
    for key, f in catalog.situation_fields.items():
        if key in situation and situation[key] is not None:
            value = situation[key]
            text = ("是" if value else "否") if f.type == "bool" else catalog.value_label(key, value)
            out.append(f"{f.label}：{text}")
    return out


def checklist_pdf(
    catalog: Catalog, situation: dict, result: ChecklistResult, printed_on: dt.datetime | None = None
) -> bytes:
    printed_on = printed_on or clock.now()
    version = catalog_version()
    region = catalog.regions.get(result.region)
    pdf = doc.new_document(
        TITLE, footer=f"目录版本 {version} · 以当地政务服务中心公布为准 · 有疑问请拨打 12345"
    )
    doc.title(pdf, TITLE)
    doc.paragraph(
        pdf,
        f"打印日期：{printed_on:%Y年%m月%d日}（北京时间）　目录版本：{version}"
        + (f"　地区：{region.name}" if region else ""),
        size=10,
        gray=True,
    )
    doc.paragraph(
        pdf,
        "一次申请、一套材料，各部门同时办理。下面是按您的情况列出的事项和要准备的材料，"
        "准备好一项可以在方框里打勾。",
        size=10.5,
    )

    lines = situation_lines(catalog, situation)
    if lines:
        doc.heading(pdf, "您的情况")
        doc.paragraph(pdf, "；".join(lines) + "。", size=10.5)

    sections = (
        ("要办的事项", ("selected", "added_prerequisite")),
        ("不用再办的事项", ("already_done",)),
        ("这次办不了的事项", ("ineligible",)),
    )
    for heading, statuses in sections:
        items = [it for it in result.items if it.status in statuses]
        if not items:
            continue
        doc.heading(pdf, heading)
        for it in items:
            head = f"【{STATUS_TEXT.get(it.status, it.status)}】{it.colloquial_name}（{it.name}）"
            parts = [it.department_name]
            if it.status in ("selected", "added_prerequisite") and it.time_limit_days is not None:
                limit = "当场办结" if it.time_limit_days == 0 else f"{it.time_limit_days} 个工作日内办结"
                parts.append(limit + (f"，约 {it.due_by:%m月%d日}前" if it.due_by else ""))
            if it.reason:
                parts.append(it.reason)
            if it.instead:
                parts.append("可以这样办：" + it.instead)
            doc.checkbox_line(pdf, head, _sentences(parts), checked=it.status == "already_done")

    doc.heading(pdf, "要准备的材料")
    needed = [m for m in result.materials if not m.exempt]
    exempt = [m for m in result.materials if m.exempt]
    for m in needed:
        copies = f"，{m.copies} 份" if m.copies > 1 else ""
        detail = [f"{m.form}（{MEDIUM_TEXT.get(m.medium, m.medium)}）{copies}", m.description]
        if m.generated:
            detail.append("系统会帮您生成，不用另外准备。")
        if m.promise_allowed and m.promise_note:
            detail.append("容缺：" + m.promise_note)
        doc.checkbox_line(pdf, m.name, _sentences(detail))
    if exempt:
        doc.heading(pdf, "不用交的材料")
        for m in exempt:
            doc.checkbox_line(pdf, f"{m.name}（不用交）", m.reason, checked=True)

    doc.heading(pdf, "大约多久办完")
    doc.paragraph(pdf, result.estimate.summary)
    if result.estimate.finish_by:
        doc.paragraph(
            pdf,
            f"从 {result.estimate.start_date:%Y年%m月%d日} 起算，一起办预计 "
            f"{result.estimate.finish_by:%Y年%m月%d日} 前办完（按工作日计，已去掉周末和法定节假日）。",
        )
    if result.estimate.calendar_note:
        doc.paragraph(pdf, result.estimate.calendar_note, size=10, gray=True)
    doc.paragraph(pdf, result.reduction.summary)
    if result.missing_fields:
        doc.heading(pdf, "还需要确认的情况")
        for f in result.missing_fields:
            doc.paragraph(pdf, f"· {f.question}", size=10.5)
    doc.paragraph(
        pdf,
        "\n可以在贵州政务服务网、政务服务中心“一件事”窗口，或拨打 12345 政务服务便民热线办理。",
        size=10,
        gray=True,
    )
    return doc.to_bytes(pdf)
