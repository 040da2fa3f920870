"""The unified application: form validation, masked summary, corrections, submission.

The Idempotency-Key is derived from the conversation and the content of the application
(sha256 of sender id + canonical JSON): retrying the same application — "再试一次" after a
time-out — can never create a second case; a corrected application is a different one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiRefused, ApiUnavailable, CaseApi, public_url
from actions.situation import items_for_api, situation_from
from actions.texts import API_DOWN, PAYOUT_ITEMS, RELATIONSHIP_LABELS
from actions.validation import (
    BaseFormValidation,
    clean_name,
    entity_values,
    find_account,
    find_phone,
    latest_text,
    parse_date,
    say,
)
from api.identity import mask_account, mask_id_number, mask_name, mask_phone

log = logging.getLogger(__name__)

FORM_SLOTS = [
    "deceased_name",
    "deceased_id_number",
    "death_date",
    "applicant_name",
    "applicant_id_number",
    "applicant_phone",
]
PERSONAL_SLOTS = [*FORM_SLOTS, "payee_account"]
FIELD_LABELS = {
    "deceased_name": "逝者姓名",
    "deceased_id_number": "逝者身份证号",
    "death_date": "去世日期",
    "applicant_name": "您的姓名",
    "applicant_id_number": "您的身份证号",
    "applicant_phone": "您的手机号",
    "payee_account": "收款银行账号",
    "relationship": "您和逝者的关系",
}


_KEYWORDS = (
    (("身份证",), "id_number"),
    (("手机", "电话"), "applicant_phone"),
    (("账号", "银行卡", "卡号"), "payee_account"),
    (("日期", "哪天", "时间"), "death_date"),
    (("关系",), "relationship"),
)


def needs_account(tracker: Tracker) -> bool:
    active = tracker.get_slot("active_items") or []
    return any(k in PAYOUT_ITEMS for k in active)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


class ValidateApplicationForm(BaseFormValidation):
    def name(self) -> str:
        return "validate_application_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        slots = [*FORM_SLOTS, "payee_account"] if needs_account(tracker) else list(FORM_SLOTS)
        # relationship was asked in the situation form; after "关系填错了" it is asked again here
        return slots if tracker.get_slot("relationship") else ["relationship", *slots]

    async def validate_relationship(self, value, dispatcher, tracker, domain):
        value = value[-1] if isinstance(value, list) and value else value
        return {"relationship": value if value in RELATIONSHIP_LABELS else None}

    def _name(self, slot: str, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        name = clean_name(str(value or ""))
        if name is None:
            return self.refuse(dispatcher, slot, "请只写姓名，比如“王秀英”，和身份证上的一样。")
        return {slot: name}

    async def validate_deceased_name(self, value, dispatcher, tracker, domain):
        return self._name("deceased_name", value, dispatcher)

    async def validate_applicant_name(self, value, dispatcher, tracker, domain):
        return self._name("applicant_name", value, dispatcher)

    async def validate_deceased_id_number(self, value, dispatcher, tracker, domain):
        return self.id_number(
            "deceased_id_number", value, dispatcher, not_after=_date(tracker.get_slot("death_date"))
        )

    async def validate_applicant_id_number(self, value, dispatcher, tracker, domain):
        out = self.id_number("applicant_id_number", value, dispatcher, not_after=self.today())
        if out.get("applicant_id_number") and out["applicant_id_number"] == tracker.get_slot(
            "deceased_id_number"
        ):
            return self.refuse(
                dispatcher,
                "applicant_id_number",
                "这是逝者的身份证号。这里要填您（来办事的人）自己的身份证号。",
            )
        return out

    async def validate_death_date(self, value, dispatcher, tracker, domain):
        from actions.dates import find_date

        today = self.today()  # China's date (actions.clock)
        text = str(value or "")
        date = parse_date(text, today)
        if date is None:
            return self.refuse(
                dispatcher, "death_date", "没看懂日期，请写成“2026年11月27日”这样，或者说“昨天”。"
            )
        if date > today:
            return self.refuse(dispatcher, "death_date", "去世日期不能晚于今天，请再核对一下。")
        if date < today - dt.timedelta(days=365 * 30):
            return self.refuse(dispatcher, "death_date", "这个日期太久远了，请再核对一下年份。")
        found = find_date(text, today)
        if found is not None and found.lunar:  # say the solar date back: "农历十月初八，也就是公历…"
            say(dispatcher, f"好的，{found.confirmation}。")
        return {"death_date": date.isoformat()}

    async def validate_applicant_phone(self, value, dispatcher, tracker, domain):
        phone = find_phone(str(value or ""))
        if phone is None:
            return self.refuse(dispatcher, "applicant_phone", "手机号应为 11 位、以 1 开头，请再发一次。")
        return {"applicant_phone": phone}

    async def validate_payee_account(self, value, dispatcher, tracker, domain):
        account = find_account(str(value or ""))
        if account is None:
            return self.refuse(
                dispatcher, "payee_account", "收款账号应为 8 到 30 位数字，请照银行卡或存折上的账号再发一次。"
            )
        return {"payee_account": account}


def summary_text(tracker: Tracker) -> str:
    relationship = RELATIONSHIP_LABELS.get(tracker.get_slot("relationship") or "", "")
    lines = [
        "请核对一下（为保护隐私，号码只显示一部分）：",
        f"· 逝者：{mask_name(tracker.get_slot('deceased_name'))}，"
        f"身份证 {mask_id_number(tracker.get_slot('deceased_id_number'))}，"
        f"去世日期 {tracker.get_slot('death_date')}",
        f"· 申请人：{mask_name(tracker.get_slot('applicant_name'))}（{relationship}），"
        f"身份证 {mask_id_number(tracker.get_slot('applicant_id_number'))}，"
        f"手机 {mask_phone(tracker.get_slot('applicant_phone'))}",
    ]
    if tracker.get_slot("payee_account"):
        lines.append(f"· 收款账号：{mask_account(tracker.get_slot('payee_account'))}")
    return "\n".join(lines)


class ActionShowSummary(Action):
    def name(self) -> str:
        return "action_show_summary"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        buttons = [
            {"title": "没问题，提交", "payload": "/affirm"},
            {"title": "有地方要改", "payload": "/correct_field"},
        ]
        say(
            dispatcher,
            summary_text(tracker) + "\n没问题就提交；哪里不对，直接说，比如“身份证填错了”。",
            buttons=buttons,
            json_message={"items": tracker.get_slot("active_items") or []},
        )
        return []


class ActionCorrectField(Action):
    """correct_field: clear the named field so the form asks it again; everything else is kept."""

    def name(self) -> str:
        return "action_correct_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        fields = [f for f in entity_values(tracker, "form_field") if f in FIELD_LABELS]
        text = latest_text(tracker)
        if not fields:
            fields = [f for words, f in _KEYWORDS if any(w in text for w in words)][:1]
        if fields == ["id_number"]:  # "身份证填错了" without saying whose
            given = [f for f in ("deceased_id_number", "applicant_id_number") if tracker.get_slot(f)]
            fields = given if len(given) == 1 else []
            if len(given) > 1:
                buttons = [
                    {"title": FIELD_LABELS[f], "payload": f'/correct_field{{"form_field": "{f}"}}'}
                    for f in given
                ]
                say(dispatcher, "是哪一个身份证号要改？", buttons=buttons)
                return []
        if not fields:
            buttons = [
                {"title": label, "payload": f'/correct_field{{"form_field": "{key}"}}'}
                for key, label in FIELD_LABELS.items()
                if key != "payee_account" or needs_account(tracker)
            ]
            say(dispatcher, "好的，哪一项要改？", buttons=buttons)
            return []
        if fields == ["relationship"]:
            say(dispatcher, "好的，关系重新确认一下。提交时会按新的关系重新核对能办哪些事。")
        else:
            say(dispatcher, f"好的，{'、'.join(FIELD_LABELS[f] for f in fields)}重新填一下，其他的都不用改。")
        return [SlotSet(f, None) for f in fields]


def case_payload(tracker: Tracker) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "deceased": {
            "name": tracker.get_slot("deceased_name"),
            "id_number": tracker.get_slot("deceased_id_number"),
            "death_date": tracker.get_slot("death_date"),
        },
        "applicant": {
            "name": tracker.get_slot("applicant_name"),
            "id_number": tracker.get_slot("applicant_id_number"),
            "phone": tracker.get_slot("applicant_phone"),
            "relationship": tracker.get_slot("relationship"),
        },
        "situation": {k: v for k, v in situation_from(tracker).items() if k != "relationship"},
        "items": items_for_api(tracker),
    }
    if tracker.get_slot("payee_account"):
        payload["payee_account"] = tracker.get_slot("payee_account")
    return payload


def idempotency_key(sender_id: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "rasa-" + hashlib.sha256(f"{sender_id}\n{canonical}".encode()).hexdigest()[:40]


class ActionSubmitCase(Action):
    def name(self) -> str:
        return "action_submit_case"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        payload = case_payload(tracker)
        key = idempotency_key(tracker.sender_id, payload)
        try:
            created = await CaseApi().create_case(payload, key)
        except ApiUnavailable:
            log.warning("case submission failed, kept for retry (key %s)", key[:13])
            say(
                dispatcher,
                API_DOWN,
                buttons=[
                    {"title": "再试一次", "payload": "/affirm"},
                    {"title": "转人工 / 12345", "payload": "/request_human"},
                ],
            )
            return [SlotSet("api_failed", "submit")]
        except ApiRefused as exc:
            tail = " 哪一项要改直接告诉我，改好后我再帮您提交。" if exc.status == 422 else ""
            say(dispatcher, f"申请没有提交成功：{exc.message}{tail}")
            return [SlotSet("api_failed", None)]
        case_no = created["case_no"]
        token = created["access_token"]
        readable = created.get("case_no_readable") or case_no
        # the readable form (SH20261129-48273-5) in the link: a long digit run would be masked as an
        # account number; the access code sits in the fragment, which browsers never send to a server
        link = f"{public_url()}/cases/{readable}#token={token}"
        tasks = created.get("tasks", [])
        lines = [
            "申请已经提交好了，各部门会同时办理。",
            f"案件号：{readable}",
            f"查询码：{token}（只显示这一次，请截图或抄下来保存好）",
            f"查看进度：{link}",
        ]
        if tasks:
            lines.append("这次办理的事：" + "、".join(t.get("colloquial_name") or t["item"] for t in tasks))
        lines.append("办理进度会用短信通知您。想问进度，随时跟我说“办到哪了”。")
        say(
            dispatcher,
            "\n".join(lines),
            json_message={"items": [t["item"] for t in tasks], "case_no": case_no, "access_link": link},
        )
        log.info("case %s submitted from the assistant", case_no)
        return [
            SlotSet("case_no", case_no),
            SlotSet("access_token", token),
            SlotSet("api_failed", None),
            SlotSet("submitted", True),
            *[SlotSet(s, None) for s in PERSONAL_SLOTS],
        ]
