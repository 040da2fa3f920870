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
import re
from typing import Any

from gz_identity import mask_account, mask_id_number, mask_name, mask_phone
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer_reader import has_question, normalise, read_facts
from actions.answers import ActionAnswerItem
from actions.api_client import ApiRefused, ApiUnavailable, CaseApi, public_url
from actions.clock import china_today
from actions.dates import find_date
from actions.reading_form import ReadingFormValidation, reask_count
from actions.situation import (
    CORRECTION,
    REGION_SLOT,
    SITUATION_SLOTS,
    fact_events,
    items_for_api,
    region_of,
    situation_from,
)
from actions.texts import API_DOWN, DEATH_WORDS, PAYOUT_ITEMS, RELATIONSHIP_LABELS
from actions.validation import (
    clean_name,
    entity_values,
    find_account,
    find_phone,
    latest_intent,
    latest_text,
    say,
)
from actions.widget_payload import progress_task

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
    (("账号", "银行卡", "卡号", "存折"), "payee_account"),
    (("日期", "哪天", "时间", "几号"), "death_date"),
    (("关系",), "relationship"),
    (("名字", "姓名", "叫"), "name"),
)
# "我叫李秀英" is the applicant; "老伴叫张德明" / "他叫…" / "我爸叫…" is the deceased
_APPLICANT_NAME = re.compile(r"(?:我叫|我的名字(?:叫|是)|我的姓名是|申请人(?:叫|是))([\u4e00-\u9fff·]{2,6})")
_DECEASED_NAME = re.compile(
    r"(?:他|她|逝者|老人|老伴|老公|老婆|爱人|我爸|我妈|父亲|母亲|老汉|亲人|去世的人)(?:的名字)?(?:叫|是)([\u4e00-\u9fff·]{2,6})"
)
# words that are never part of a name: a control word or a request typed at the name question
_NOT_A_NAME = re.compile(
    r"申请|办理|我要|查询|进度|谢谢|开始|重新|不办|算了|知道|清楚|晓得|什么|怎么|哪|吗|呢|的|了|好|是|不|没|有"
)
_ID_ANY = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")

ASK_TEXTS = {
    "deceased_name": (
        "请发一下逝者的姓名和身份证号，可以一起发，姓名在前、号码在后。"
        "身份证号只用于这次办理，聊天里不会完整显示。"
    ),
    "deceased_id_number": "请发一下逝者的身份证号（18 位），最后一位是 X 的照写就行。",
    "death_date": "亲人是哪天走的？比如“11月27日”“昨天”，说农历也可以，比如“农历十月初八”。",
    "applicant_name": (
        "请发一下您（来办事的人）的姓名、身份证号和手机号，可以一起发，用空格或逗号隔开。"
        "办理进度会用短信通知您。"
    ),
    "applicant_id_number": "请发一下您自己的身份证号（18 位）。",
    "applicant_phone": "请留一个手机号，办理进度会用短信通知您。",
    "payee_account": "有要领钱的事项，请发一下收款的银行卡号或存折账号（用申请人本人的）。",
}


def needs_account(tracker: Tracker) -> bool:
    active = tracker.get_slot("active_items") or []
    return any(k in PAYOUT_ITEMS for k in active)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def names_said(text: str) -> dict[str, str]:
    """Names given with who they are: "我叫李秀英" (applicant), "老伴叫张德明" (deceased)."""
    out = {}
    for slot, pattern in (("applicant_name", _APPLICANT_NAME), ("deceased_name", _DECEASED_NAME)):
        m = pattern.search(text)
        if m:
            out[slot] = m.group(1)
    return out


def name_in(text: str) -> str | None:
    """The name a message gives once numbers and dates are taken out ("张德明 5201…" → 张德明)."""
    rest = re.sub(r"[0-9A-Za-z+\-]+", " ", text)
    for part in re.split(r"[，,。.；;\s、]+", rest):
        name = clean_name(part)
        if name and not _NOT_A_NAME.search(name) and 2 <= len(name) <= 6:
            return name
    return None


class ValidateApplicationForm(ReadingFormValidation):
    def name(self) -> str:
        return "validate_application_form"

    async def needed(self, tracker: Tracker) -> list[str]:
        slots = [*FORM_SLOTS, "payee_account"] if needs_account(tracker) else list(FORM_SLOTS)
        # relationship was asked in the situation form; after "关系填错了" it is asked again here
        return slots if tracker.get_slot("relationship") else ["relationship", *slots]

    async def read(self, dispatcher, tracker, domain, requested) -> list:
        text = normalise(latest_text(tracker))
        if CORRECTION.search(text):
            return await ActionCorrectField().run(dispatcher, tracker, domain)
        if has_question(text) and not _ID_ANY.search(text):  # "注销户口要带啥": answered, then on
            return await ActionAnswerItem().run(dispatcher, tracker, domain)
        out: dict[str, Any] = {}
        if requested == "relationship":
            value = read_facts(text, ["relationship"]).get("relationship")
            if value in RELATIONSHIP_LABELS:
                out["relationship"] = value
        deceased_side = requested in ("deceased_name", "deceased_id_number", "death_date")
        # ID numbers: the deceased's first when the deceased is being asked, then the applicant's
        id_slots = ["deceased_id_number", "applicant_id_number"] if deceased_side else ["applicant_id_number"]
        id_slots = [s for s in id_slots if tracker.get_slot(s) is None or s == requested]
        for number, slot in zip(_ID_ANY.findall(text), id_slots, strict=False):
            out.update(await self._validated(slot, number, dispatcher, tracker, domain))
        without_ids = _ID_ANY.sub(" ", text)
        phone = find_phone(without_ids)
        if phone and (requested in ("applicant_name", "applicant_id_number", "applicant_phone")):
            out["applicant_phone"] = phone
        if requested == "payee_account":
            account = find_account(without_ids)
            if account:
                out["payee_account"] = account
            elif re.search(r"\d{4,}", without_ids):
                out.update(await self._validated("payee_account", without_ids, dispatcher, tracker, domain))
        date_said = tracker.get_slot("death_date") is None and DEATH_WORDS.search(text)
        if requested == "death_date" or (date_said and find_date(without_ids, self.today()) is not None):
            out.update(await self._validated("death_date", without_ids, dispatcher, tracker, domain))
        named = names_said(text)
        out.update(named)
        if not named and requested in (
            "deceased_name",
            "deceased_id_number",
            "applicant_name",
            "applicant_id_number",
        ):
            name_slot = "deceased_name" if deceased_side else "applicant_name"
            name = name_in(without_ids)
            if name and (tracker.get_slot(name_slot) is None or name_slot == requested):
                out[name_slot] = name
        return [SlotSet(k, v) for k, v in out.items() if v is not None]

    async def _validated(self, slot, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return await getattr(self, f"validate_{slot}")(value, dispatcher, tracker, domain)

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
        today = self.today()
        found = find_date(str(value or ""), today)
        if found is None:
            return self.refuse(
                dispatcher,
                "death_date",
                "没看懂日期，请写成“2026年11月27日”这样，或者说“昨天”“农历十月初八”。",
            )
        date = found.date
        if date > today:
            return self.refuse(dispatcher, "death_date", "去世日期不能晚于今天，请再核对一下。")
        if date < today - dt.timedelta(days=365 * 30):
            return self.refuse(dispatcher, "death_date", "这个日期太久远了，请再核对一下年份。")
        if found.lunar:
            say(dispatcher, f"好的，{found.confirmation}。不对的话说“日期不对”就能改。")
        return {"death_date": date.isoformat()}

    async def validate_payee_account(self, value, dispatcher, tracker, domain):
        account = find_account(str(value or ""))
        if account is None:
            return self.refuse(
                dispatcher, "payee_account", "收款账号应为 8 到 30 位数字，请照银行卡或存折上的账号再发一次。"
            )
        return {"payee_account": account}


class AskApplicationField(Action):
    """Asks one field of the application; said differently when the last answer was not understood."""

    slot = ""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        text = ASK_TEXTS[self.slot]
        if self.slot == "deceased_name" and tracker.get_slot("deceased_id_number"):
            text = "请告诉我逝者的姓名（和身份证上一样）。"
        if self.slot == "applicant_name" and tracker.get_slot("applicant_id_number"):
            text = "请问您（来办事的人）怎么称呼？请写身份证上的姓名。"
        again = reask_count(tracker, self.slot) > 0
        say(dispatcher, ("不好意思，我没看明白。" if again else "") + text)
        return []


class AskDeceasedName(AskApplicationField):
    slot = "deceased_name"


class AskDeceasedIdNumber(AskApplicationField):
    slot = "deceased_id_number"


class AskDeathDate(AskApplicationField):
    slot = "death_date"


class AskApplicantName(AskApplicationField):
    slot = "applicant_name"


class AskApplicantIdNumber(AskApplicationField):
    slot = "applicant_id_number"


class AskApplicantPhone(AskApplicationField):
    slot = "applicant_phone"


class AskPayeeAccount(AskApplicationField):
    slot = "payee_account"


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
    """correct_field: change the one answer named; with the new value in the message it is set at once.

    "名字填错了，老伴叫张德明" sets the deceased's name; "日期不对，是28号" the date; "不是病死的，是摔死的"
    the situation, after which the items are checked again and the change is said. Without a value
    the field is cleared and the form asks it again; everything else is kept."""

    def name(self) -> str:
        return "action_correct_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        text = normalise(latest_text(tracker))
        kept = (*SITUATION_SLOTS, REGION_SLOT)
        situation = [e for e in fact_events(tracker, [], dispatcher) if e.get("name") in kept]
        if situation:
            return situation + await self._recheck(tracker, situation, dispatcher)
        fields = [f for f in entity_values(tracker, "form_field") if f in FIELD_LABELS]
        if not fields:
            fields = [f for words, f in _KEYWORDS if any(w in text for w in words)][:1]
        new = self._value_in(text, tracker)
        if fields in (["name"], ["death_date"]) or (not fields and new):
            named = {k: v for k, v in new.items() if fields != ["death_date"] or k == "death_date"}
            if named:
                labels = "、".join(FIELD_LABELS[k] for k in named)
                say(dispatcher, f"好的，{labels}改好了。")
                return [SlotSet(k, v) for k, v in named.items()]
        if fields == ["name"]:
            fields = ["deceased_name"] if re.search(r"他|她|逝者|老人|老伴|亲人|我爸|我妈", text) else []
            if not fields:
                fields = [f for f in ("deceased_name", "applicant_name") if tracker.get_slot(f)][:2]
                if len(fields) > 1:
                    return self._which(dispatcher, fields, "是哪一个名字要改？")
        if fields == ["id_number"]:  # "身份证填错了" without saying whose
            given = [f for f in ("deceased_id_number", "applicant_id_number") if tracker.get_slot(f)]
            if len(given) > 1:
                return self._which(dispatcher, given, "是哪一个身份证号要改？")
            fields = given
        if not fields:
            buttons = [
                {"title": label, "payload": f'/correct_field{{"form_field": "{key}"}}'}
                for key, label in FIELD_LABELS.items()
                if key != "payee_account" or needs_account(tracker)
            ]
            say(dispatcher, "好的，哪一项要改？直接说就行，比如“名字填错了，应该是张德明”。", buttons=buttons)
            return []
        if fields == ["relationship"]:
            say(dispatcher, "好的，关系重新确认一下。提交时会按新的关系重新核对能办哪些事。")
        else:
            say(dispatcher, f"好的，{'、'.join(FIELD_LABELS[f] for f in fields)}重新填一下，其他的都不用改。")
        return [SlotSet(f, None) for f in fields]

    @staticmethod
    def _which(dispatcher: CollectingDispatcher, fields: list[str], question: str) -> list:
        buttons = [
            {"title": FIELD_LABELS[f], "payload": f'/correct_field{{"form_field": "{f}"}}'} for f in fields
        ]
        say(dispatcher, question, buttons=buttons)
        return []

    @staticmethod
    def _value_in(text: str, tracker: Tracker) -> dict[str, Any]:
        out: dict[str, Any] = names_said(text)
        m = re.search(r"(?:应该是|改成|改为|是)([\u4e00-\u9fff·]{2,4})$", re.sub(r"[。！!，,\s]+$", "", text))
        if not out and m and not _NOT_A_NAME.search(m.group(1)) and re.search(r"名字|姓名", text):
            out["deceased_name" if not re.search(r"我的", text) else "applicant_name"] = m.group(1)
        found = find_date(text, china_today())
        if found is not None and found.date <= china_today():
            out["death_date"] = found.date.isoformat()
        return out

    @staticmethod
    async def _recheck(tracker: Tracker, changes: list, dispatcher: CollectingDispatcher) -> list:
        changed = {e["name"]: e["value"] for e in changes}
        region = changed.pop(REGION_SLOT) if REGION_SLOT in changed else region_of(tracker)
        situation = {**situation_from(tracker), **changed}
        try:
            result = await CaseApi().checklist(situation, items_for_api(tracker), region)
        except (ApiUnavailable, ApiRefused):
            return [SlotSet("active_items", None)]
        active = [i for i in result["items"] if i["status"] in ("selected", "added_prerequisite")]
        say(dispatcher, "按新的情况，这次要办的事：" + "、".join(i["colloquial_name"] for i in active) + "。")
        return [SlotSet("active_items", [i["key"] for i in active])]


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
    if region_of(tracker):  # the place named for the hukou; none → the province's defaults
        payload["region"] = region_of(tracker)
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
        code = created.get("progress_code")  # the short code a family can copy (6 characters)
        readable = created.get("case_no_readable") or case_no
        # the readable form (SH20261129-48273-5) in the link: a long digit run would be masked as an
        # account number; the access code sits in the fragment, which browsers never send to a server
        link = f"{public_url()}/cases/{readable}#token={token}"
        tasks = created.get("tasks", [])
        lines = [
            "申请已经提交好了，各部门会同时办理。",
            f"案件号：{readable}",
            f"查询码：{code}（6 位数字和字母，只显示这一次，短信里也有，请和案件号一起抄下来）"
            if code
            else f"查询码：{token}（只显示这一次，请截图或抄下来保存好）",
            f"查看进度：{link}",
            "以后也可以打开进度页，或直接对我说案件号和查询码，查看办理进度。",
        ]
        if tasks:
            lines.append("这次办理的事：" + "、".join(t.get("colloquial_name") or t["item"] for t in tasks))
        lines.append("办理进度会用短信通知您。想问进度，随时跟我说“办到哪了”。")
        say(
            dispatcher,
            "\n".join(lines),
            json_message={
                "items": [t["item"] for t in tasks],
                "case_no": case_no,
                "case_no_readable": readable,
                "access_link": link,
                "progress_code": code,
                "tasks": [progress_task(t) for t in tasks],  # the widget's case card
            },
        )
        log.info("case %s submitted from the assistant", case_no)
        return [
            SlotSet("case_no", case_no),
            SlotSet("access_token", token),
            SlotSet("api_failed", None),
            SlotSet("submitted", True),
            *[SlotSet(s, None) for s in PERSONAL_SLOTS],
        ]


# what 重新开始 clears: the situation, the choice and the application (not the condolence)
RESET_SLOTS = [
    *SITUATION_SLOTS,
    REGION_SLOT,
    *PERSONAL_SLOTS,
    "selected_items",
    "active_items",
    "reask",
    "asked_fields",
    "form_paused",
    "api_failed",
]


class ActionConfirmRestart(Action):
    """restart outside a form: ask before clearing anything."""

    def name(self) -> str:
        return "action_confirm_restart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        dispatcher.utter_message(response="utter_confirm_restart")
        return [SlotSet("confirm_restart", True)]


class ActionRestartAnswer(Action):
    """The answer to "要从头重新开始吗？": yes clears what was collected, no keeps it; the form asks on."""

    def name(self) -> str:
        return "action_restart_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        events: list = [SlotSet("confirm_restart", None), SlotSet("form_paused", None)]
        if latest_intent(tracker) == "affirm":
            say(dispatcher, "好的，我们从头来。")
            return events + [SlotSet(s, None) for s in RESET_SLOTS]
        say(dispatcher, "好的，接着刚才的办。")
        return events
