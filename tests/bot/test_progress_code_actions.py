"""The assistant and the short progress code (issue 11 item 2): the submission message and its custom
payload carry the 6-character code; the progress form reads "案件号 SH...，查询码 4K7P2M" typed in a
sentence; progress and ratings work with the short code as with the long access token."""

from __future__ import annotations

import re

import pytest
from gz_identity import check_digit
from rasa_sdk.events import ActionExecuted
from rasa_sdk.executor import CollectingDispatcher

from actions.application import ActionSubmitCase
from actions.progress import ActionCheckProgress, ActionRateService, ValidateProgressForm, short_code
from tests.bot.conftest import DOMAIN, ActiveLoop, SlotSet, make_tracker, slots_of, texts, user

DECEASED_ID = "52010219470305123" + check_digit("52010219470305123")
APPLICANT_ID = "52010219720812123" + check_digit("52010219720812123")
PHONE = "13987654321"
CODE_RE = re.compile(r"[2-9A-HJ-NP-Z]{6}")


async def run(action, events, sender="family-code"):
    dispatcher = CollectingDispatcher()
    out = await action.run(dispatcher, make_tracker(events, sender), DOMAIN)
    return dispatcher, out


def filled():
    return [
        SlotSet("death_nature", "normal"),
        SlotSet("death_place", "hospital"),
        SlotSet("relationship", "child"),
        SlotSet("hukou_in_guizhou", True),
        SlotSet("selected_items", ["hukou_cancel"]),
        SlotSet("active_items", ["death_cert_normal", "hukou_cancel"]),
        SlotSet("deceased_name", "赵国庆"),
        SlotSet("deceased_id_number", DECEASED_ID),
        SlotSet("death_date", "2026-11-21"),
        SlotSet("applicant_name", "赵小梅"),
        SlotSet("applicant_id_number", APPLICANT_ID),
        SlotSet("applicant_phone", PHONE),
        ActionExecuted("action_show_summary"),
        user("提交", "affirm"),
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("案件号 SH20261129-48273-5，查询码 4K7P2M", "4K7P2M"),
        ("SH20261129482735 查询码是4k7p2m", "4K7P2M"),
        ("案件号ＳＨ20261129-48273-5 查询码 ４Ｋ７ Ｐ２Ｍ", "4K7P2M"),
        ("查询码 4K7-P2M", "4K7P2M"),
        ("办到哪了", None),
        ("查询码 4K7P2MX", None),
    ],
)
def test_short_code_is_read_from_a_sentence(text, code):
    import unicodedata

    assert short_code(unicodedata.normalize("NFKC", text)) == code


@pytest.mark.asyncio
async def test_the_progress_form_takes_case_number_and_short_code_in_words(api_env):
    given = [user("案件号 SH20261129-48273-5，查询码 4k7 p2m", "check_progress"), ActiveLoop("progress_form")]
    out = await ValidateProgressForm().run(CollectingDispatcher(), make_tracker(given), DOMAIN)
    slots = slots_of(out)
    assert slots["case_no"] == "SH20261129482735" and slots["access_token"] == "4K7P2M"


@pytest.mark.asyncio
async def test_submission_shows_the_short_code_and_progress_works_with_it(api_env):
    dispatcher, out = await run(ActionSubmitCase(), filled())
    text = texts(dispatcher)
    custom = next(m["custom"] for m in dispatcher.messages if m.get("custom"))
    code = custom["progress_code"]
    assert CODE_RE.fullmatch(code) and f"查询码：{code}" in text
    assert custom["case_no_readable"] in text and PHONE not in text
    case_no = slots_of(out)["case_no"]
    # a family comes back later with the case number and the short code typed in a sentence
    events = [
        user(f"案件号 {custom['case_no_readable']}，查询码 {code.lower()}", "check_progress"),
        ActiveLoop("progress_form"),
    ]
    filled_form = await ValidateProgressForm().run(CollectingDispatcher(), make_tracker(events), DOMAIN)
    assert slots_of(filled_form)["access_token"] == code
    progress, _ = await run(
        ActionCheckProgress(),
        [SlotSet("case_no", case_no), SlotSet("access_token", code), user("办到哪了", "check_progress")],
    )
    assert "注销户口" in texts(progress) and "开死亡证明" in texts(progress)
    # ratings use the short-lived token the code gives (nothing completed yet)
    rated, _ = await run(
        ActionRateService(),
        [SlotSet("case_no", case_no), SlotSet("access_token", code), user("5", "rate_service")],
    )
    assert "还没有办结" in texts(rated)
    wrong = "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY"
    refused, out3 = await run(
        ActionCheckProgress(),
        [SlotSet("case_no", case_no), SlotSet("access_token", wrong), user("办到哪了", "check_progress")],
    )
    assert "查询码" in texts(refused) and "手机号" in texts(refused)
    assert slots_of(out3)["access_token"] is None
