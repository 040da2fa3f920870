"""Actions against a real running case API, with trackers built from real events."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import yaml
from gz_identity import check_digit
from rasa_sdk.events import BotUttered
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerItem, ActionAnswerReferral, ActionOverview
from actions.application import (
    ActionCorrectField,
    ActionShowSummary,
    ActionSubmitCase,
    ValidateApplicationForm,
    idempotency_key,
)
from actions.progress import ActionCheckProgress
from actions.situation import ActionRespondDeath, ActionShowChecklist, ValidateSituationForm
from tests.bot.conftest import (
    DOMAIN,
    ROOT,
    ActionExecuted,
    ActiveLoop,
    SlotSet,
    ent,
    make_tracker,
    slots_of,
    texts,
    user,
)
from tests.bot.leaks import find_internal

DECEASED_ID = "52010219550101123" + check_digit("52010219550101123")
APPLICANT_ID = "52010219800101123" + check_digit("52010219800101123")
PHONE = "13812345678"
ACCOUNT = "6222021234567890123"
ID_RE = re.compile(r"\d{17}[\dX]")


def situation(**extra):
    base = {"death_nature": "normal", "death_place": "hospital", "relationship": "child"}
    return [SlotSet(k, v) for k, v in {**base, **extra}.items()]


async def run(action, events, sender="family-1"):
    dispatcher = CollectingDispatcher()
    out = await action.run(dispatcher, make_tracker(events, sender), DOMAIN)
    return dispatcher, out


def custom_items(dispatcher):
    return [k for m in dispatcher.messages for k in (m.get("custom") or {}).get("items", [])]


# ---------------------------------------------------------------- answers from the guide


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        ("ask_materials", "户口簿"),
        ("ask_where", "去哪办"),
        ("ask_duration", "工作日"),
        ("ask_who", "谁能办"),
        ("ask_howto", "怎么办"),
    ],
)
@pytest.mark.asyncio
async def test_item_answer_names_the_colloquial_name_and_fits_the_question(api_env, intent, expected):
    dispatcher, _ = await run(ActionAnswerItem(), [user("注销户口", intent, [ent("item", "hukou_cancel")])])
    text = texts(dispatcher)
    assert "注销户口" in text  # the colloquial name, as the API serves it
    assert expected in text
    assert custom_items(dispatcher) == ["hukou_cancel"]


@pytest.mark.asyncio
async def test_several_items_in_one_message_are_each_answered(api_env):
    events = [
        user(
            "户口和养老金去哪办",
            "ask_where",
            [ent("item", "hukou_cancel"), ent("item", "social_insurance_suspend")],
        )
    ]
    dispatcher, _ = await run(ActionAnswerItem(), events)
    text = texts(dispatcher)
    assert "注销户口" in text and "停发养老金" in text
    assert custom_items(dispatcher) == ["hukou_cancel", "social_insurance_suspend"]


@pytest.mark.asyncio
async def test_amount_of_survivor_benefits_in_months_with_caveats(api_env):
    events = [user("交了20年，丧葬费能领多少", "ask_amount", [ent("item", "survivor_benefits")])]
    dispatcher, _ = await run(ActionAnswerItem(), events)
    text = texts(dispatcher)
    assert "领丧葬补助金和抚恤金" in text
    assert "丧葬补助金是 2 个月" in text
    assert "抚恤金是 14 个月" in text  # 20 full years: 9 + one per full year over 15 (人社部发〔2021〕18号)
    assert "下个月起停发" in text and "只发一份" in text
    assert "元" not in text or "大约是" in text  # no invented amount while the base is not configured


@pytest.mark.asyncio
async def test_question_without_item_offers_the_items_as_buttons(api_env):
    dispatcher, _ = await run(ActionAnswerItem(), [user("要带什么材料", "ask_materials")])
    buttons = dispatcher.messages[0]["buttons"]
    assert any(b["payload"] == '/ask_materials{"item": ["hukou_cancel"]}' for b in buttons)


@pytest.mark.asyncio
async def test_referral_says_where_and_what_is_not_covered(api_env):
    events = [user("房子过户", "ask_referral", [ent("topic", "real_estate_inheritance")])]
    dispatcher, _ = await run(ActionAnswerReferral(), events)
    text = texts(dispatcher)
    assert "不动产登记" in text and "不办理" in text


@pytest.mark.asyncio
async def test_overview_lists_items_and_offers_the_guided_flow(api_env):
    dispatcher, _ = await run(ActionOverview(), [user("人走了要办啥", "ask_overview")])
    assert "注销户口" in texts(dispatcher)
    assert dispatcher.messages[0]["buttons"][0]["payload"] == "/start_application"


# ---------------------------------------------------------------- condolence and the situation


@pytest.mark.asyncio
async def test_condolence_only_once():
    events = [user("我爸走了", "report_death")]
    dispatcher, out = await run(ActionRespondDeath(), events)
    assert "节哀" in texts(dispatcher)
    again, _ = await run(ActionRespondDeath(), [*events, *out, user("我妈也走了", "report_death")])
    assert "节哀" not in texts(again)


@pytest.mark.asyncio
async def test_a_death_reported_with_a_question_gets_the_answer_too(api_env):
    events = [user("我爸走了，户口咋个销", "report_death", [ent("item", "hukou_cancel")])]
    dispatcher, out = await run(ActionRespondDeath(), events)
    text = texts(dispatcher)
    assert text.count("节哀") == 1 and "【注销户口】" in text and "派出所" in text
    # a question is not a choice: applying later still offers everything; who typed it is kept
    assert "selected_items" not in slots_of(out) and slots_of(out)["relationship"] == "child"


@pytest.mark.asyncio
async def test_a_question_that_tells_of_a_death_gets_the_condolence_once_and_the_offer(api_env):
    question = user("我爸昨天在医院走了，户口咋个销", "ask_howto", [ent("item", "hukou_cancel")])
    dispatcher, out = await run(ActionAnswerItem(), [question])
    text = texts(dispatcher)
    assert text.startswith("请节哀") and "【注销户口】" in text and "我要申请" in text
    assert slots_of(out)["condolence_given"] is True
    again, _ = await run(ActionAnswerItem(), [question, *out, user("我妈也走了，医保咋个办", "ask_howto")])
    assert "节哀" not in texts(again)
    # a plain question: no condolence, no offer
    plain_question = user("户口咋个销", "ask_howto", [ent("item", "hukou_cancel")])
    plain, out = await run(ActionAnswerItem(), [plain_question])
    assert "节哀" not in texts(plain) and "我要申请" not in texts(plain) and out == []


async def _required(events):
    return await ValidateSituationForm().required_slots(
        [], CollectingDispatcher(), make_tracker(events), DOMAIN
    )


@pytest.mark.asyncio
async def test_situation_form_asks_only_what_the_chosen_items_need(api_env):
    only_hukou = await _required([*situation(), SlotSet("selected_items", ["hukou_cancel"])])
    assert only_hukou[3:] == ["hukou_in_guizhou"]
    pension = await _required([*situation(), SlotSet("selected_items", ["social_insurance_suspend"])])
    assert "pension_scheme" in pension and "hukou_in_guizhou" not in pension
    answered = await _required(
        [*situation(), SlotSet("selected_items", ["hukou_cancel"]), SlotSet("hukou_in_guizhou", True)]
    )
    assert answered == ["death_nature", "death_place", "relationship"]
    assert (await _required([SlotSet("death_nature", "normal")]))[:3] == [
        "death_nature",
        "death_place",
        "relationship",
    ]


async def _answer(text, intent="inform", events=(), entities=None):
    """One typed message to the situation form, as Rasa runs it: returns slots and what was said."""
    dispatcher = CollectingDispatcher()
    tracker = make_tracker([*events, user(text, intent, entities)])
    out = await ValidateSituationForm().run(dispatcher, tracker, DOMAIN)
    return slots_of(out), texts(dispatcher), out


@pytest.mark.asyncio
async def test_items_are_replaced_added_and_removed_in_words(api_env):
    asked = [*situation(), ActiveLoop("situation_form"), SlotSet("requested_slot", "funeral")]
    slots, text, _ = await _answer("只办注销户口", "select_items", asked, [ent("item", "hukou_cancel")])
    assert slots["selected_items"] == ["hukou_cancel"] and "注销户口" in text
    assert slots["requested_slot"] == "hukou_in_guizhou"
    chosen = [*asked, SlotSet("selected_items", ["hukou_cancel"])]
    slots, text, _ = await _answer(
        "再加上公积金", "select_items", chosen, [ent("item", "housing_fund_withdraw")]
    )
    assert slots["selected_items"] == ["hukou_cancel", "housing_fund_withdraw"] and "加上了" in text
    both = [*asked, SlotSet("selected_items", ["hukou_cancel", "housing_fund_withdraw"])]
    slots, text, _ = await _answer(
        "公积金不要了", "select_items", both, [ent("item", "housing_fund_withdraw")]
    )
    assert slots["selected_items"] == ["hukou_cancel"] and "不办了" in text


@pytest.mark.asyncio
async def test_dont_know_is_an_answer_where_the_field_allows_it(api_env):
    asked = [ActiveLoop("situation_form"), SlotSet("requested_slot", "death_nature")]
    slots, _, _ = await _answer("不晓得", "deny", asked)
    assert slots["death_nature"] == "unknown"
    base = [*situation(), SlotSet("selected_items", ["all"]), ActiveLoop("situation_form")]
    slots, text, _ = await _answer("不晓得", "deny", [*base, SlotSet("requested_slot", "hukou_in_guizhou")])
    assert "hukou_in_guizhou" not in slots  # a yes/no question about a place has no "unknown"
    slots, text, _ = await _answer("不清楚", "deny", [*base, SlotSet("requested_slot", "has_housing_fund")])
    assert slots["has_housing_fund"] is False and "先按没有算" in text


@pytest.mark.asyncio
async def test_no_means_no_at_a_question_whose_buttons_are_yes_no_and_unknown(api_env):
    base = [*situation(), SlotSet("selected_items", ["all"]), ActiveLoop("situation_form")]
    for typed in ("没有", "没得", "否"):
        slots, text, _ = await _answer(typed, "deny", [*base, SlotSet("requested_slot", "has_equity")])
        assert slots["has_equity"] == "no", typed
        assert "停在这里" not in text
    slots, _, _ = await _answer("不清楚", "deny", [*base, SlotSet("requested_slot", "deposits")])
    assert slots["deposits"] == "unknown"
    loan = [*base, SlotSet("has_housing_fund", True), SlotSet("requested_slot", "housing_fund_loan_settled")]
    slots, _, _ = await _answer("没有", "deny", loan)
    assert slots["housing_fund_loan_settled"] is True  # no loan owed: the fund can be drawn


@pytest.mark.asyncio
async def test_an_answer_not_understood_is_asked_once_more_then_handed_to_people(api_env):
    base = [*situation(), SlotSet("selected_items", ["all"]), ActiveLoop("situation_form")]
    asked = [*base, SlotSet("requested_slot", "funeral")]
    slots, _text, out = await _answer("嗯嗯这个嘛", "inform", asked)
    assert slots["reask"] == {"slot": "funeral", "count": 1} and slots["requested_slot"] == "funeral"
    dispatcher = CollectingDispatcher()
    from actions.situation import AskFuneral

    await AskFuneral().run(dispatcher, make_tracker([*asked, *out]), DOMAIN)
    assert "没太明白" in texts(dispatcher) and "比如“火化" in texts(dispatcher)
    again = [*asked, *out, SlotSet("requested_slot", "funeral")]
    slots, _, out = await _answer("说不好说", "inform", again)
    assert slots["form_paused"] is True and any(e["event"] == "active_loop" for e in out)


@pytest.mark.asyncio
async def test_a_side_question_is_answered_and_the_facts_of_the_message_kept(api_env):
    base = [*situation(), ActiveLoop("situation_form"), SlotSet("requested_slot", "funeral")]
    question = "车祸的死亡证明是医院开还是交警开？"
    slots, text, _ = await _answer(question, "ask_where", base, [ent("item", "death_cert_abnormal")])
    assert "意外去世开死亡证明" in text and "death_nature" not in slots
    assert slots["requested_slot"] == "funeral"


@pytest.mark.asyncio
async def test_control_words_stop_restart_or_hand_off_inside_the_form(api_env):
    base = [*situation(), ActiveLoop("situation_form"), SlotSet("requested_slot", "funeral")]
    said = {
        "算了": "utter_pause_form",
        "谢谢": "utter_thanks_paused",
        "转人工": "utter_handoff",
        "重新开始": "utter_confirm_restart",
    }
    for typed, response in said.items():
        dispatcher = CollectingDispatcher()
        out = await ValidateSituationForm().run(
            dispatcher, make_tracker([*base, user(typed, "deny")]), DOMAIN
        )
        stopped = [e for e in out if e["event"] == "active_loop" and e["name"] is None]
        assert slots_of(out)["form_paused"] is True and stopped, typed
        assert "funeral" not in slots_of(out) and dispatcher.messages[0]["response"] == response
    slots, _, _ = await _answer("重新开始", "start_over", base)
    assert slots["confirm_restart"] is True


@pytest.mark.asyncio
async def test_a_correction_changes_that_answer_and_says_so(api_env):
    base = [*situation(), ActiveLoop("situation_form"), SlotSet("requested_slot", "funeral")]
    slots, text, _ = await _answer("刚才选错了，不是病死的，是摔死的", "inform", base)
    assert slots["death_nature"] == "abnormal" and "已经改成" in text and "意外去世" in text


@pytest.mark.asyncio
async def test_checklist_for_a_situation(api_env):
    events = [
        *situation(funeral="cremation", hukou_in_guizhou=True),
        SlotSet("selected_items", ["hukou_cancel", "funeral_subsidy"]),
    ]
    dispatcher, out = await run(ActionShowChecklist(), events)
    text = texts(dispatcher)
    assert "开死亡证明" in text and "已自动加上" in text  # the prerequisite, with its reason
    assert "注销户口" in text and "居民户口簿" in text
    assert "一起办约" in text and "分开办" in text
    active = slots_of(out)["active_items"]
    assert {"death_cert_normal", "hukou_cancel"} <= set(active)
    assert custom_items(dispatcher) == active


@pytest.mark.asyncio
async def test_abnormal_death_goes_through_the_police_certificate(api_env):
    events = [
        *situation(death_nature="abnormal", death_place="other"),
        SlotSet("selected_items", ["hukou_cancel"]),
        SlotSet("hukou_in_guizhou", True),
    ]
    dispatcher, out = await run(ActionShowChecklist(), events)
    assert "意外去世开死亡证明（公安）" in texts(dispatcher)
    assert "death_cert_abnormal" in slots_of(out)["active_items"]
    assert "death_cert_normal" not in slots_of(out)["active_items"]


# ---------------------------------------------------------------- the application form


async def _validate(slot, text, extra=()):
    # as Rasa does it: the form's validation reads the typed message
    events = [
        SlotSet("relationship", "child"),
        *extra,
        ActiveLoop("application_form"),
        SlotSet("requested_slot", slot),
        user(text, "inform"),
        ActionExecuted("action_extract_slots"),
    ]
    dispatcher = CollectingDispatcher()
    out = await ValidateApplicationForm().run(dispatcher, make_tracker(events), DOMAIN)
    return {slot: None, **slots_of(out)}, texts(dispatcher)


@pytest.mark.asyncio
async def test_id_number_check_digit_and_masked_refusal(api_env):
    wrong = DECEASED_ID[:-1] + ("0" if DECEASED_ID[-1] != "0" else "1")
    slots, text = await _validate("deceased_id_number", f"身份证 {wrong}")
    assert slots["deceased_id_number"] is None
    assert "校验位" in text and wrong not in text and ID_RE.search(text) is None
    slots, _ = await _validate("deceased_id_number", DECEASED_ID.lower())
    assert slots["deceased_id_number"] == DECEASED_ID


@pytest.mark.asyncio
async def test_birth_date_after_death_is_refused(api_env):
    young = "52010220261201123"
    young += check_digit(young)
    slots, text = await _validate("deceased_id_number", young, [SlotSet("death_date", "2026-11-27")])
    assert slots["deceased_id_number"] is None and "晚于去世日期" in text


@pytest.mark.asyncio
async def test_dates_phone_and_names_are_parsed_from_plain_answers(api_env):
    from actions.clock import china_today

    slots, _ = await _validate("death_date", "2026年11月27号")
    assert slots["death_date"] == "2026-11-27"
    slots, _ = await _validate("death_date", "昨天")
    assert slots["death_date"] == (china_today() - dt.timedelta(days=1)).isoformat()
    slots, text = await _validate("death_date", "2099-01-01")
    assert slots["death_date"] is None and "晚于今天" in text
    slots, _ = await _validate("applicant_phone", "138 1234 5678")
    assert slots["applicant_phone"] == PHONE
    slots, _ = await _validate("applicant_phone", "12345")
    assert slots["applicant_phone"] is None
    slots, _ = await _validate("applicant_name", "我叫李建国")
    assert slots["applicant_name"] == "李建国"


@pytest.mark.asyncio
async def test_name_id_and_phone_in_one_message(api_env):
    slots, _ = await _validate("deceased_name", f"王秀英 {DECEASED_ID}")
    assert slots["deceased_name"] == "王秀英" and slots["deceased_id_number"] == DECEASED_ID
    slots, _ = await _validate("applicant_name", f"李建国，{APPLICANT_ID}，{PHONE}")
    assert slots["applicant_name"] == "李建国" and slots["applicant_id_number"] == APPLICANT_ID
    assert slots["applicant_phone"] == PHONE


@pytest.mark.asyncio
async def test_requests_and_control_words_are_never_taken_as_a_name(api_env):
    slots, _ = await _validate("deceased_name", "我要申请")
    assert slots["deceased_name"] is None and slots["reask"]["count"] == 1
    for typed in ("谢谢", "不办了", "重新开始"):
        slots, _ = await _validate("deceased_name", typed)
        assert slots["deceased_name"] is None and slots["form_paused"] is True, typed


@pytest.mark.asyncio
async def test_payee_account_asked_only_for_payout_items(api_env):
    form = ValidateApplicationForm()
    payout = await form.required_slots(
        [],
        CollectingDispatcher(),
        make_tracker([SlotSet("relationship", "child"), SlotSet("active_items", ["survivor_benefits"])]),
        DOMAIN,
    )
    plain = await form.required_slots(
        [],
        CollectingDispatcher(),
        make_tracker([SlotSet("relationship", "child"), SlotSet("active_items", ["hukou_cancel"])]),
        DOMAIN,
    )
    assert "payee_account" in payout and "payee_account" not in plain


def filled(items=("hukou_cancel",), account=None):
    events = [
        *situation(hukou_in_guizhou=True),
        SlotSet("selected_items", list(items)),
        SlotSet("active_items", ["death_cert_normal", *items]),
        SlotSet("deceased_name", "王秀英"),
        SlotSet("deceased_id_number", DECEASED_ID),
        SlotSet("death_date", "2026-11-20"),
        SlotSet("applicant_name", "李建国"),
        SlotSet("applicant_id_number", APPLICANT_ID),
        SlotSet("applicant_phone", PHONE),
    ]
    if account:
        events.append(SlotSet("payee_account", account))
    return events


@pytest.mark.asyncio
async def test_summary_is_masked(api_env):
    dispatcher, _ = await run(
        ActionShowSummary(), [*filled(account=ACCOUNT), ActionExecuted("application_form")]
    )
    text = texts(dispatcher)
    for secret in (DECEASED_ID, APPLICANT_ID, PHONE, ACCOUNT, "王秀英", "李建国"):
        assert secret not in text
    assert "520***********" in text and "138****5678" in text and "王**" in text
    assert ID_RE.search(text) is None


@pytest.mark.asyncio
async def test_correction_clears_only_that_field(api_env):
    events = [*filled(), user("他的身份证填错了", "correct_field", [ent("form_field", "deceased_id_number")])]
    _, out = await run(ActionCorrectField(), events)
    assert slots_of(out) == {"deceased_id_number": None}
    _, out = await run(ActionCorrectField(), [*filled(), user("手机号写错了", "correct_field")])
    assert slots_of(out) == {"applicant_phone": None}
    dispatcher, out = await run(ActionCorrectField(), [*filled(), user("身份证填错了", "correct_field")])
    assert out == [] and len(dispatcher.messages[0]["buttons"]) == 2  # whose? both were given


# ---------------------------------------------------------------- submission, progress


@pytest.mark.asyncio
async def test_submission_creates_one_case_clears_personal_slots_and_is_idempotent(api_env):
    events = [*filled(), ActionExecuted("action_show_summary"), user("提交", "affirm")]
    dispatcher, out = await run(ActionSubmitCase(), events, sender="family-submit")
    text = texts(dispatcher)
    slots = slots_of(out)
    assert slots["case_no"].startswith("SH") and slots["access_token"]
    no = slots["case_no"]
    link = f"http://127.0.0.1:8000/cases/{no[:10]}-{no[10:15]}-{no[15:]}#token={slots['access_token']}"
    assert link in text and "查询码" in text
    for s in (
        "deceased_id_number",
        "applicant_id_number",
        "applicant_phone",
        "payee_account",
        "deceased_name",
    ):
        assert slots[s] is None
    assert ID_RE.search(text) is None and PHONE not in text
    assert "hukou_cancel" in custom_items(dispatcher)
    # the same conversation retrying the same application gets the same case
    _, out2 = await run(ActionSubmitCase(), events, sender="family-submit")
    assert slots_of(out2)["case_no"] == slots["case_no"]
    # progress with the case number and access token
    progress, _ = await run(
        ActionCheckProgress(),
        [
            SlotSet("case_no", slots["case_no"]),
            SlotSet("access_token", slots["access_token"]),
            user("办到哪了", "check_progress"),
        ],
    )
    assert "注销户口" in texts(progress) and "开死亡证明" in texts(progress)
    wrong, out3 = await run(
        ActionCheckProgress(),
        [
            SlotSet("case_no", slots["case_no"]),
            SlotSet("access_token", "wrong-token-0000000000"),
            user("办到哪了", "check_progress"),
        ],
    )
    assert "查询码" in texts(wrong) and "12345" in texts(wrong) and slots_of(out3)["access_token"] is None


@pytest.mark.asyncio
async def test_refused_submission_keeps_the_data(api_env):
    events = [
        *filled(items=("survivor_benefits",)),
        SlotSet("pension_scheme", "enterprise"),
        SlotSet("pension_status", "retired"),
    ]
    dispatcher, out = await run(ActionSubmitCase(), events, sender="family-refused")
    assert "没有提交成功" in texts(dispatcher)
    assert "deceased_id_number" not in slots_of(out)


def test_idempotency_key_depends_on_conversation_and_content():
    a = idempotency_key("s1", {"x": 1})
    assert a == idempotency_key("s1", {"x": 1})
    assert a != idempotency_key("s2", {"x": 1}) and a != idempotency_key("s1", {"x": 2})


# ---------------------------------------------------------------- the API is down


@pytest.mark.asyncio
async def test_api_down_at_submission_apologises_keeps_everything_and_offers_a_retry(api_down):
    dispatcher, out = await run(ActionSubmitCase(), [*filled(), user("提交", "affirm")])
    text = texts(dispatcher)
    assert "抱歉" in text and "12345" in text and "再试一次" in text
    assert slots_of(out) == {"api_failed": "submit"}  # nothing collected is cleared


@pytest.mark.asyncio
async def test_api_down_while_answering(api_down):
    dispatcher, _ = await run(
        ActionAnswerItem(), [user("注销户口要带啥", "ask_materials", [ent("item", "hukou_cancel")])]
    )
    assert "12345" in texts(dispatcher)
    dispatcher, out = await run(ActionShowChecklist(), [*situation(), SlotSet("selected_items", ["all"])])
    assert "12345" in texts(dispatcher) and slots_of(out) == {"api_failed": "checklist"}


# ---------------------------------------------------------------- privacy in logs


def test_log_lines_are_masked(caplog):
    import actions  # noqa: F401  (installs the masking record factory)

    with caplog.at_level(logging.INFO):
        logging.getLogger("actions.test").info("user said %s and %s", DECEASED_ID, PHONE)
    line = caplog.records[-1].getMessage()
    assert DECEASED_ID not in line and PHONE not in line and "138****5678" in line


# ---------------------------------------------------------------- questions and the fallback


@pytest.mark.asyncio
async def test_situation_question_from_the_catalog_with_chinese_buttons_setting_the_slot(api_env):
    from actions.situation import AskFuneral, AskHukouInGuizhou, AskPensionScheme

    asked = [*situation(), SlotSet("selected_items", ["hukou_cancel", "funeral_subsidy"])]
    dispatcher, out = await run(AskFuneral(), [*asked, user("我要申请", "start_application")])
    message = dispatcher.messages[0]
    # funeral and hukou are needed together: one question for both, typed answers expected
    assert "火化" in message["text"] and "户口" in message["text"]
    assert slots_of(out)["asked_fields"] == ["funeral", "hukou_in_guizhou"]
    only = [*asked, SlotSet("funeral", "cremation")]
    dispatcher, out = await run(AskHukouInGuizhou(), [*only, user("火化", "inform")])
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [
        '/inform{"hukou_in_guizhou": true}',
        '/inform{"hukou_in_guizhou": false}',
    ]
    pension = [*situation(), SlotSet("selected_items", ["social_insurance_suspend"])]
    dispatcher, out = await run(AskPensionScheme(), [*pension, user("我要申请", "start_application")])
    assert {
        "title": "企业职工养老保险",
        "payload": '/inform{"pension_scheme": "enterprise"}',
    } in dispatcher.messages[0]["buttons"] or "养老保险" in dispatcher.messages[0]["text"]


@pytest.mark.asyncio
async def test_two_stage_fallback_confirms_in_chinese():
    from actions.conversation import ActionDefaultAskAffirmation

    event = user("户口那个", "nlu_fallback", [ent("item", "hukou_cancel")])
    event["parse_data"]["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": "ask_howto", "confidence": 0.31},
    ]
    dispatcher, _ = await run(ActionDefaultAskAffirmation(), [event])
    message = dispatcher.messages[0]
    assert "您是想问怎么办理吗" in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["是的", "不是"]
    assert message["buttons"][0]["payload"] == '/ask_howto{"item": ["hukou_cancel"]}'


@pytest.mark.asyncio
async def test_fallback_after_the_api_was_down_offers_the_retry():
    from actions.conversation import ActionDefaultAskAffirmation

    dispatcher, _ = await run(
        ActionDefaultAskAffirmation(), [SlotSet("api_failed", "submit"), user("再试一下嘛", "nlu_fallback")]
    )
    assert dispatcher.messages[0]["buttons"][0] == {"title": "是的，再试一次", "payload": "/affirm"}


# ---------------------------------------------------------------- figures and nothing internal (issue 10)

FIGURES = yaml.safe_load((ROOT / "knowledge" / "figures.yaml").read_text(encoding="utf-8"))
ALL_ITEMS = [
    i["key"] for i in yaml.safe_load((ROOT / "knowledge" / "items.yaml").read_text(encoding="utf-8"))["items"]
]


def small_deposit_cap() -> dict:
    figure = next(f for f in FIGURES["figures"] if f["key"] == "small_deposit_cap_per_bank")
    return figure["values"][-1]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("小额存款多少以内可以直接取", "ask_amount"),
        ("小额存款 限额", "ask_who"),
        ("小额存款限额是多少", "ask_howto"),
    ],
)
@pytest.mark.asyncio
async def test_small_deposit_limit_answer_carries_the_catalog_figure_date_and_basis(api_env, text, intent):
    cap = small_deposit_cap()
    dispatcher, _ = await run(
        ActionAnswerItem(), [user(text, intent, [ent("item", "small_deposit_withdraw")])]
    )
    answer = texts(dispatcher)
    assert cap["value"] == 50000  # catalog.md §5: 50,000 yuan per legal-entity bank
    assert "5 万元" in answer and "50,000 元" in answer
    when = cap["effective_from"]
    assert f"{when.year}年{when.month}月{when.day}日起施行" in answer  # 2024年6月1日
    assert cap["basis"]["title"] in answer and cap["basis"]["source"] in answer
    assert "见政策数字" not in answer
    assert find_internal(answer) == []


@pytest.mark.parametrize(
    "reply",
    ["交了30年，领了10年养老金", "交了三十年，领了十年养老金", "缴费满30年，退休金领了10年"],
)
@pytest.mark.asyncio
async def test_survivor_months_computed_from_the_years_the_family_gives(api_env, reply):
    # the assistant's offer, then the family's answer (classified ask_amount without an item, or with
    # a pension item marked from 养老金): 30 years → 9 + 15 = 24 (at most 24); retired, 10 years
    # drawn → 24 - 10 = 14, not below 9 (catalog.md §5, 人社部发〔2021〕18号)
    offer, _ = await run(
        ActionAnswerItem(), [user("抚恤金能领多少", "ask_amount", [ent("item", "survivor_benefits")])]
    )
    offered = texts(offer)
    assert "帮您按实际年限算月数" in offered and find_internal(offered) == []
    for entities in ([], [ent("item", "social_insurance_suspend")]):
        events = [
            user("抚恤金能领多少", "ask_amount", [ent("item", "survivor_benefits")]),
            ActionExecuted("action_answer_item"),
            BotUttered(offer.messages[0]["text"]),
            user(reply, "ask_amount", entities),
        ]
        dispatcher, _ = await run(ActionAnswerItem(), events)
        answer = texts(dispatcher)
        assert "抚恤金是 14 个月" in answer, answer
        assert "丧葬补助金是 2 个月" in answer and "一共 16 个月" in answer
        assert "缴费满 30 年、已领养老金 10 年" in answer
        assert "帮您按实际年限算月数" not in answer  # computed, not offered again
        assert "配置" not in answer and find_internal(answer) == []
        assert custom_items(dispatcher) == ["survivor_benefits"]


@pytest.mark.parametrize(
    ("typed", "years"),
    [
        ("交了三十年", (30, None)),
        ("领了十年", (None, 10)),
        ("养老保险交了二十五年，退休两年了", (25, 2)),
        ("交了20年", (20, None)),
        ("丧葬费能领多少", (None, None)),
    ],
)
def test_years_are_read_in_digits_and_chinese_numerals(typed, years):
    from actions.answers import years_in

    assert years_in(typed) == years


@pytest.mark.asyncio
async def test_answers_for_all_items_and_every_kind_of_question_show_nothing_internal(api_env):
    assert len(ALL_ITEMS) == 16
    for intent in [
        "ask_materials",
        "ask_where",
        "ask_duration",
        "ask_who",
        "ask_amount",
        "ask_howto",
        "ask_item",
    ]:
        for key in ALL_ITEMS:
            dispatcher, _ = await run(ActionAnswerItem(), [user("这个怎么办", intent, [ent("item", key)])])
            for message in dispatcher.messages:
                assert find_internal(message.get("text") or "") == [], (intent, key, message.get("text"))
        several, _ = await run(
            ActionAnswerItem(), [user("这些怎么办", intent, [ent("item", k) for k in ALL_ITEMS])]
        )
        assert find_internal(texts(several)) == []
    duration, _ = await run(
        ActionAnswerItem(), [user("多久", "ask_duration", [ent("item", k) for k in ALL_ITEMS])]
    )
    assert "一般 " in texts(duration) and "默认" not in texts(duration) and "参考" not in texts(duration)


def test_every_api_refusal_is_told_in_words_a_family_understands():
    from actions.api_client import GENERIC_REFUSAL, ApiRefused

    raw = "字段 situation.deposits 的取值 '清楚' 无效，可选：'none', 'small', 'large' or 'unknown'"
    for code in [
        "invalid_situation",
        "invalid_request",
        "invalid_checklist",
        "situation_incomplete",
        "payee_account_required",
        "relationship_mismatch",
        "unknown_items",
        "items_ineligible",
    ]:
        refused = ApiRefused(422, code, raw)
        assert find_internal(refused.message) == [], (code, refused.message)
        assert refused.api_message == raw  # kept for logs and staff
    unknown = ApiRefused(418, "some_new_code", "Something new went wrong")
    assert unknown.message == GENERIC_REFUSAL and "12345" in unknown.message
    specific = ApiRefused(
        422, "items_ineligible", "有的事项按您填写的情况不能办理：“注销户口”：户口不在贵州。"
    )
    assert "户口不在贵州" in specific.message  # the API's own family wording is kept when it is plain


@pytest.mark.asyncio
async def test_progress_is_not_asked_for_without_a_case_number_or_a_case_here(api_env):
    from actions.progress import ValidateProgressForm

    # as Rasa starts a form: its activation comes after the message
    starting = [user("办到哪一步了", "check_progress"), ActiveLoop("progress_form")]
    dispatcher = CollectingDispatcher()
    out = await ValidateProgressForm().run(dispatcher, make_tracker(starting), DOMAIN)
    assert slots_of(out)["form_paused"] is True and dispatcher.messages[0]["response"] == "utter_no_case_here"
    given = [user("查一下 SH20261129-48273-5", "check_progress"), ActiveLoop("progress_form")]
    out = await ValidateProgressForm().run(CollectingDispatcher(), make_tracker(given), DOMAIN)
    assert (
        slots_of(out)["case_no"] == "SH20261129482735" and slots_of(out)["requested_slot"] == "access_token"
    )
    asking = [
        *given,
        *out,
        user("注销户口要带啥", "ask_materials", [ent("item", "hukou_cancel")]),
    ]
    dispatcher = CollectingDispatcher()
    out = await ValidateProgressForm().run(dispatcher, make_tracker(asking), DOMAIN)
    assert slots_of(out)["form_paused"] is True and "户口簿" in texts(dispatcher)


@pytest.mark.asyncio
async def test_a_side_question_in_the_application_form_is_answered(api_env):
    events = [
        SlotSet("relationship", "child"),
        ActiveLoop("application_form"),
        SlotSet("requested_slot", "deceased_name"),
        user("注销户口要带啥", "ask_materials", [ent("item", "hukou_cancel")]),
    ]
    dispatcher = CollectingDispatcher()
    out = await ValidateApplicationForm().run(dispatcher, make_tracker(events), DOMAIN)
    assert "户口簿" in texts(dispatcher) and slots_of(out)["requested_slot"] == "deceased_name"
    assert slots_of(out).get("reask") is None


@pytest.mark.asyncio
async def test_the_client_identifies_the_action_server_and_the_conversation(api_env, monkeypatch):
    """The API's rate limits count each conversation, not the one address every chat family shares:
    the client sends the service credential (ASSISTANT_API_KEY, with the API's development default)
    and a hash of the sender id; the API started here accepts them, and refuses a wrong credential."""
    from actions.api_client import ApiRefused, CaseApi, conversation_id

    def client_for(tracker):  # the way every action makes its client: `tracker` is in scope
        return CaseApi()

    one = client_for(make_tracker([], "+8613812345678"))
    two = client_for(make_tracker([], "family-2"))
    sent = one.headers["X-Conversation-Id"]
    assert sent == conversation_id("+8613812345678") and re.fullmatch(r"[0-9a-f]{32}", sent)
    assert "13812345678" not in sent and sent != two.headers["X-Conversation-Id"]
    assert one.headers["X-Assistant-Key"] and "X-Conversation-Id" not in CaseApi().headers
    result = await one.checklist({"death_nature": "normal"}, None)
    assert result["items"]
    monkeypatch.setenv("ASSISTANT_API_KEY", "not-the-api-s-key-" + "x" * 20)
    with pytest.raises(ApiRefused) as refused:
        await client_for(make_tracker([], "family-3")).checklist({"death_nature": "normal"}, None)
    assert refused.value.status == 401 and refused.value.code == "invalid_assistant_key"


@pytest.mark.asyncio
async def test_one_checklist_request_per_situation_within_a_turn(api_env, monkeypatch):
    """The form asks for the same checklist several times in a turn (needed slots, question,
    summary): the client asks the API once per situation, over one pooled connection, and a
    caller that annotates its copy does not change what the next caller gets."""
    import httpx

    from actions.api_client import CaseApi

    calls: list[str] = []
    real = httpx.AsyncClient.request

    async def counting(self, method, url, *args, **kwargs):
        calls.append(f"{method} {url}")
        return await real(self, method, url, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "request", counting)
    first = await CaseApi().checklist({"death_nature": "normal"}, None)
    first["items"].clear()
    again = await CaseApi().checklist({"death_nature": "normal"}, None)
    assert again["items"], "the cached checklist is a copy"
    await CaseApi().checklist({"death_nature": "abnormal"}, None)
    assert calls == ["POST /api/v1/checklist"] * 2
