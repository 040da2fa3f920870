"""Progress by case number and access token, ratings after completion, handoff to people."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer_reader import has_question
from actions.answers import ActionAnswerItem
from actions.api_client import ApiRefused, ApiUnavailable, CaseApi
from actions.reading_form import ReadingFormValidation, pause_events
from actions.texts import API_DOWN, HOTLINE
from actions.validation import entity_values, latest_text, say
from actions.widget_payload import progress_task

_CASE_NO = re.compile(r"[A-Za-z]{2}\d{8}-?\d{5}-?\d")
_TOKEN = re.compile(r"[A-Za-z0-9_\-]{16,}")
# The short progress code (api/cases/progress_code.py): 6 characters of 2-9 and A-Z without I and O,
# typed in any case, possibly as two groups of three ("4k7 p2m", "4K7-P2M").
_CODE_CHARS = "2-9A-HJ-NP-Za-hj-np-z"
_SHORT_CODE = re.compile(
    rf"(?<![A-Za-z0-9])([{_CODE_CHARS}]{{3}})[ \-]?([{_CODE_CHARS}]{{3}})(?![A-Za-z0-9])"
)


def short_code(text: str) -> str | None:
    """The progress code in a message ("案件号 SH...，查询码 4K7P2M"), upper-cased, or None."""
    m = _SHORT_CODE.search(_CASE_NO.sub(" ", text))
    return (m.group(1) + m.group(2)).upper() if m else None


def is_short_code(value: str | None) -> bool:
    return bool(value) and re.fullmatch(rf"[{_CODE_CHARS}]{{6}}", value or "") is not None


async def open_case(api: CaseApi, case_no: str, credential: str) -> tuple[dict, str]:
    """The case's progress view and a bearer token for it, from the access token or a short code
    (exchanged each time: a success is free, and the short-lived token it gives is never kept)."""
    if is_short_code(credential):
        out = await api.progress_by_code(case_no, credential)
        return out["case"], out["access_token"]
    return await api.case(case_no, credential), credential


SCORES = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "非常不满意"}


class ValidateProgressForm(ReadingFormValidation):
    """The case number and access code. Entered only when a case number is given or a case was
    filed in this conversation; anything else (a question, 谢谢, another request) leaves the form."""

    def name(self) -> str:
        return "validate_progress_form"

    async def needed(self, tracker: Tracker) -> list[str]:
        return ["case_no", "access_token"]

    async def activated(self, dispatcher, tracker, domain) -> list:
        events = self._numbers(tracker)
        if not events and not tracker.get_slot("case_no"):
            dispatcher.utter_message(response="utter_no_case_here")
            return pause_events()
        return events

    async def read(self, dispatcher, tracker, domain, requested) -> list:
        events = self._numbers(tracker)
        if not events and has_question(latest_text(tracker)):  # "注销户口要带啥": answered, form left
            return pause_events() + await ActionAnswerItem().run(dispatcher, tracker, domain)
        return events

    @staticmethod
    def _numbers(tracker: Tracker) -> list:
        text = unicodedata.normalize("NFKC", latest_text(tracker))
        events: list = []
        m = _CASE_NO.search(text)
        if m:
            events.append(SlotSet("case_no", m.group(0).upper().replace("-", "")))
        token = _TOKEN.search(_CASE_NO.sub(" ", text))
        code = short_code(text) if token is None else None
        if (token or code) and (m or tracker.get_slot("case_no")):
            events.append(SlotSet("access_token", token.group(0) if token else code))
        return events


class ActionCheckProgress(Action):
    def name(self) -> str:
        return "action_check_progress"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        case_no, token = tracker.get_slot("case_no"), tracker.get_slot("access_token")
        if not case_no or not token:  # the progress form stopped before a case was named
            return []
        try:
            case, _ = await open_case(CaseApi(), case_no, token)
        except ApiUnavailable:
            say(dispatcher, API_DOWN)
            return []
        except ApiRefused as exc:
            say(dispatcher, exc.message or f"没有查到。可以拨打 {HOTLINE} 请工作人员帮您查。")
            return [SlotSet("case_no", None), SlotSet("access_token", None)]
        lines = [f"案件 {case.get('case_no_readable') or case['case_no']} 的办理进度："]
        for t in case.get("tasks", []):
            line = f"· {t['colloquial_name']}：{t.get('status_text') or t['status']}"
            if t.get("due_date") and t["status"] != "completed":
                line += f"，预计 {t['due_date']} 前办完"
            if t.get("overdue"):
                line += "（已超时，已提醒部门加快）"
            delivery = t.get("delivery")  # 证照送达: the result document, the mailed original
            if delivery:
                line += f"；结果文书 {delivery['document_no']}（{delivery['issuing_department']}）可下载"
                if delivery.get("tracking_no"):
                    line += f"，纸质原件已寄出，快递单号 {delivery['tracking_no']}"
            lines.append(line)
        done = [t for t in case.get("tasks", []) if t["status"] == "completed"]
        buttons: list[dict[str, Any]] = []
        if done:
            lines.append("办好的事，欢迎给个评价，帮助我们改进。")
            buttons = [
                {"title": title, "payload": f'/rate_service{{"score": {n}}}'} for n, title in SCORES.items()
            ]
        say(
            dispatcher,
            "\n".join(lines),
            buttons=buttons,
            json_message={
                "items": [t["item"] for t in case.get("tasks", [])],
                "case_no": case["case_no"],
                # the widget's progress view
                "progress": {
                    "case_no": case.get("case_no_readable") or case["case_no"],
                    "tasks": [progress_task(t) for t in case.get("tasks", [])],
                },
            },
        )
        return []


class ActionRateService(Action):
    """rate_service: rate every completed, not yet rated item of the case with the chosen score."""

    def name(self) -> str:
        return "action_rate_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        case_no, token = tracker.get_slot("case_no"), tracker.get_slot("access_token")
        if not case_no or not token:
            say(dispatcher, "评价要先找到您的案件。请告诉我案件号和查询码，比如先说“查进度”。")
            return []
        scores = [s for s in entity_values(tracker, "score") if str(s).isdigit()]
        if not scores:
            digits = re.findall(r"(?<!\d)[1-5](?!\d)", latest_text(tracker))
            scores = digits[:1]
        if not scores:
            buttons = [
                {"title": title, "payload": f'/rate_service{{"score": {n}}}'} for n, title in SCORES.items()
            ]
            say(dispatcher, "这次办理，您觉得怎么样？", buttons=buttons)
            return []
        score = int(scores[0])
        api = CaseApi()
        try:
            case, token = await open_case(api, case_no, token)
            rated, skipped = [], []
            for t in case.get("tasks", []):
                if t["status"] != "completed":
                    continue
                try:
                    await api.rate(case_no, token, t["item"], score)
                    rated.append(t["colloquial_name"])
                except ApiRefused:
                    skipped.append(t["colloquial_name"])
        except ApiUnavailable:
            say(dispatcher, API_DOWN)
            return []
        except ApiRefused as exc:
            say(dispatcher, exc.message)
            return []
        if rated:
            say(dispatcher, f"谢谢您的评价（{SCORES.get(score, score)}）：{'、'.join(rated)}。")
        elif skipped:
            say(dispatcher, "办好的事您都已经评价过了，谢谢您。")
        else:
            say(dispatcher, "还没有办结的事项，办结后再来评价吧。")
        return []
