"""The structured parts of the assistant's messages that the website widget draws as cards: the
checklist (items with status and reasons, materials with exemptions and 容缺, the estimate), the case
number with its tasks, and the progress view. Against a real running case API."""

from __future__ import annotations

import json
import random

import pytest
from gz_identity import check_digit

from actions.application import ActionSubmitCase
from actions.progress import ActionCheckProgress
from actions.situation import ActionShowChecklist
from actions.widget_payload import progress_task
from tests.bot.conftest import ActionExecuted, SlotSet, slots_of, user
from tests.bot.test_actions import ID_RE, PHONE, filled, run, situation


def customs(dispatcher) -> list[dict]:
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]


@pytest.mark.asyncio
async def test_checklist_payload_has_what_the_card_needs(api_env):
    events = [
        *situation(funeral="cremation", hukou_in_guizhou=True),
        SlotSet("selected_items", ["hukou_cancel", "funeral_subsidy"]),
    ]
    dispatcher, _ = await run(ActionShowChecklist(), events)
    checklist = customs(dispatcher)[0]["checklist"]
    by_key = {i["key"]: i for i in checklist["items"]}
    assert (
        by_key["death_cert_normal"]["status"] == "added_prerequisite"
        and by_key["death_cert_normal"]["reason"]
    )
    assert by_key["hukou_cancel"]["colloquial_name"] == "注销户口"
    assert all(
        {"key", "status", "reason", "colloquial_name", "time_limit_days"} <= set(i)
        for i in checklist["items"]
    )
    materials = checklist["materials"]
    assert materials and all(
        {"key", "name", "copies", "medium", "exempt", "reason", "promise_allowed"} <= set(m)
        for m in materials
    )
    assert {"together_days", "separately_days", "finish_by"} <= set(checklist["estimate"])


@pytest.mark.asyncio
async def test_case_and_progress_payloads_have_the_tasks_and_no_personal_number(api_env):
    # a deceased of its own: one case per deceased, and tests/bot/test_actions.py files one for filled()'s
    first17 = f"5201021948{random.randint(1, 12):02d}{random.randint(1, 28):02d}{random.randint(100, 999)}"
    own = SlotSet("deceased_id_number", first17 + check_digit(first17))
    events = [*filled(), own, ActionExecuted("action_show_summary"), user("提交", "affirm")]
    dispatcher, out = await run(
        ActionSubmitCase(), events, sender=f"family-widget-{random.randint(0, 10**9)}"
    )
    case = customs(dispatcher)[0]
    slots = slots_of(out)
    assert case["case_no"] == slots["case_no"] and case["case_no_readable"].startswith("SH")
    assert {t["item"] for t in case["tasks"]} >= {"hukou_cancel"}
    assert all(t["colloquial_name"] and t["department_name"] and t["status_text"] for t in case["tasks"])
    progress, _ = await run(
        ActionCheckProgress(),
        [
            SlotSet("case_no", slots["case_no"]),
            SlotSet("access_token", slots["access_token"]),
            user("办到哪了", "check_progress"),
        ],
    )
    view = customs(progress)[0]["progress"]
    assert view["case_no"] == case["case_no_readable"]
    assert [t["item"] for t in view["tasks"]] == [t["item"] for t in case["tasks"]]
    dumped = json.dumps([case, view], ensure_ascii=False)
    assert ID_RE.search(dumped) is None and PHONE not in dumped


def test_progress_task_masks_numbers_in_a_result():
    task = progress_task(
        {"item": "hukou_cancel", "status": "completed", "result": {"note": "户主身份证 520102195501011234"}}
    )
    assert "520102195501011234" not in task["result"]["note"]
    assert task["colloquial_name"] == "hukou_cancel" and task["due_date"] is None
