"""The assistant's progress answer names the result document and the mailed original (证照送达)."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import progress as progress_module
from actions.progress import ActionCheckProgress
from tests.bot.conftest import DOMAIN, SlotSet, make_tracker, texts, user

CASE = {
    "case_no": "SH20261130000001",
    "case_no_readable": "SH20261130-00000-1",
    "tasks": [
        {
            "item": "death_cert_normal",
            "colloquial_name": "开死亡证明",
            "status": "completed",
            "status_text": "已办结",
            "delivery": {
                "document_no": "SH20261130-00000-1-7",
                "issuing_department": "省卫生健康委",
                "tracking_no": "EA123456789CN",
            },
        },
        {"item": "hukou_cancel", "colloquial_name": "注销户口", "status": "ready", "status_text": "待受理"},
    ],
}


@pytest.mark.asyncio
async def test_progress_names_the_result_document_and_tracking_number(monkeypatch):
    async def fake_open_case(api, case_no, credential):
        return CASE, credential

    monkeypatch.setattr(progress_module, "open_case", fake_open_case)
    dispatcher = CollectingDispatcher()
    events = [
        SlotSet("case_no", CASE["case_no"]),
        SlotSet("access_token", "t" * 32),
        user("办到哪了", "check_progress"),
    ]
    await ActionCheckProgress().run(dispatcher, make_tracker(events, "family-delivery"), DOMAIN)
    text = texts(dispatcher)
    assert "结果文书 SH20261130-00000-1-7（省卫生健康委）可下载" in text
    assert "快递单号 EA123456789CN" in text
