"""Wording shared by several actions, and helpers that turn API answers into plain Chinese."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk.events import SlotSet

from actions.catalog_data import generated_catalog

HOTLINE = "12345"
CONDOLENCE = "请节哀，这段时间辛苦您了。"
OFFER_TO_APPLY = "这些手续可以一次申请、各部门一起办。想让我帮您一起申请，就说“我要申请”。"
# A message that tells of a death, whatever its intent ("我爸昨天走了，户口咋个销" may be a question).
# Not 没了: "卡里的钱没了" says nothing of a death; 老了 only after a day ("我妈前天老了", not "人老了").
DEATH_WORDS = re.compile(
    r"走了|走的|过世|去世|逝世|病逝|离世|不在了|死了|死的|仙逝|身故|亡故|(?:天|号|日)老了"
)
API_DOWN = (
    "非常抱歉，办理系统暂时连不上，这不是您的问题。您刚才说的信息我都记着，不用重新说。"
    f"可以过一会儿跟我说“再试一次”，也可以拨打 {HOTLINE} 政务服务便民热线，请工作人员帮您办。"
)

# Derived from the catalog export (knowledge/ is the one source): items that pay money out need the
# family's bank account, and the relationship values are read back in the catalog's own words.
PAYOUT_ITEMS = frozenset(i["key"] for i in generated_catalog()["items"] if i.get("payout"))
RELATIONSHIP_LABELS = {
    v["value"]: v["label"]
    for f in generated_catalog()["situation"]
    if f["key"] == "relationship"
    for v in f["values"]
}

STATUS_WORDS = {
    "selected": "要办",
    "added_prerequisite": "自动加上",
    "already_done": "已经办好",
    "ineligible": "暂时办不了",
}


def days(n: int | None) -> str:
    if n is None:
        return "时限以部门告知为准"
    return "当场办结" if n == 0 else f"{n} 个工作日"


def names_of(items: list[dict[str, Any]]) -> str:
    return "、".join(f"“{i['colloquial_name']}”" for i in items)


def render_checklist(result: dict[str, Any]) -> tuple[str, list[str]]:
    """The checklist as a family reads it; returns the text and the keys that will be handled."""
    by_key = {i["key"]: i for i in result["items"]}
    lines: list[str] = []
    active = [i for i in result["items"] if i["status"] in ("selected", "added_prerequisite")]
    if active:
        lines.append("这次可以一起办的事：")
        for n, item in enumerate(active, 1):
            line = f"{n}. {item['colloquial_name']}（{days(item.get('time_limit_days'))}）"
            if item["status"] == "added_prerequisite" and item.get("reason"):
                line += f"——已自动加上：{item['reason']}"
            waits = [by_key[k]["colloquial_name"] for k in item.get("waits_for", []) if k in by_key]
            if waits:
                line += f"；要等“{'、'.join(waits)}”办好后接着办"
            lines.append(line)
    done = [i for i in result["items"] if i["status"] == "already_done"]
    if done:
        lines.append("已经办好、不用再办的：")
        lines += [f"· {i['colloquial_name']}：{i.get('reason') or '已办好'}" for i in done]
    ineligible = [i for i in result["items"] if i["status"] == "ineligible"]
    if ineligible:
        lines.append("不用办或暂时办不了的：")
        for i in ineligible:
            line = f"· {i['colloquial_name']}：{i.get('reason') or ''}"
            if i.get("instead"):
                line += f" {i['instead']}"
            lines.append(line)
    materials = result.get("materials", [])
    if materials:
        needed = [m for m in materials if not m["exempt"]]
        lines.append(f"要准备的材料（{len(needed)} 样）：")
        for m in needed:
            medium = {"paper": "纸质原件", "electronic": "电子", "any": "原件或电子证照"}.get(m["medium"], "")
            line = f"· {m['name']} {m['copies']} 份（{m.get('form') or medium}）"
            if m.get("promise_allowed") and m.get("promise_note"):
                line += f"；容缺：{m['promise_note']}"
            lines.append(line)
        exempt = [m for m in materials if m["exempt"]]
        if exempt:
            lines.append("不用交的：")
            lines += [f"· {m['name']}：{m.get('reason') or '免交'}" for m in exempt]
    estimate = result.get("estimate") or {}
    if estimate:
        line = f"时间：一起办约 {estimate['together_days']} 个工作日"
        if estimate.get("finish_by"):
            line += f"，预计 {estimate['finish_by']} 前办完"
        line += f"；分开办要 {estimate['separately_days']} 个工作日"
        if estimate.get("separately_visits"):
            line += f"、跑 {estimate['separately_visits']} 个部门"
        lines.append(line + "。")
    reduction = result.get("reduction") or {}
    if reduction.get("summary"):
        lines.append(f"材料：{reduction['summary']}")
    return "\n".join(lines), [i["key"] for i in active]


def condolence_once(tracker: Any, events: list) -> str:
    """The condolence, the first time a death is told in this conversation (and the slot that says so)."""
    if not tracker.get_slot("condolence_given"):
        events.append(SlotSet("condolence_given", True))
        return CONDOLENCE + "\n"
    return ""
