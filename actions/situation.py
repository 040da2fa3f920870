"""The guided flow up to the checklist: condolence, situation questions, choice of items, checklist.

Only the questions the chosen items need are asked: the form's required slots are the death
circumstances, the applicant's relationship and the item choice, then whatever the checklist's
``missing_fields`` still lists. Questions, answers and button labels come from the case API
(GET /api/v1/situation, which reads knowledge/situation.yaml).
"""

from __future__ import annotations

import abc
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import answer_for
from actions.api_client import ApiRefused, ApiUnavailable, CaseApi
from actions.texts import API_DOWN, condolence_once, render_checklist
from actions.validation import BaseFormValidation, entity_values, latest_intent, latest_text, say

BASE_SLOTS = ["death_nature", "death_place", "relationship"]
SITUATION_SLOTS = [
    "death_nature",
    "death_place",
    "relationship",
    "funeral",
    "hukou_in_guizhou",
    "driving_license_gz",
    "pension_scheme",
    "pension_status",
    "medical_scheme",
    "has_housing_fund",
    "housing_fund_loan_settled",
    "deposits",
    "has_equity",
    "receives_assistance",
]
ALL = "all"
_DONT_KNOW = re.compile(r"不清楚|不知道|不晓得|不确定|搞不清|说不清")
# Used only when the API cannot be reached, so the family can still go on answering.
_OFFLINE_QUESTIONS = {
    "death_nature": "请问亲人是因为生病或年纪大了走的，还是因为意外走的？",
    "death_place": "亲人是在医院走的，还是在家里走的？",
    "relationship": "请问您是亲人的什么人？",
}


def situation_from(tracker: Tracker) -> dict[str, Any]:
    return {k: tracker.get_slot(k) for k in SITUATION_SLOTS if tracker.get_slot(k) is not None}


def items_for_api(tracker: Tracker) -> list[str] | None:
    chosen = tracker.get_slot("selected_items") or []
    return None if not chosen or ALL in chosen else list(chosen)


def chosen_from_message(tracker: Tracker) -> list[str] | None:
    """The items the latest message chooses: keys, [ALL] for 都办 / a plain yes, None when no choice."""
    items = [k for k in entity_values(tracker, "item") if isinstance(k, str)]
    if items:
        return [ALL] if ALL in items else items
    if latest_intent(tracker) in ("select_items", "affirm"):
        return [ALL]
    return None


class ActionRespondDeath(Action):
    """report_death: condolence once per conversation, then the offer to sort things out together."""

    def name(self) -> str:
        return "action_respond_death"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        events: list = []
        condolence = condolence_once(tracker, events)
        offer = (
            "后面要办的手续，我可以帮您一件件理清楚：问您几个简单的问题，"
            "列出要办的事和要带的材料，能一次申请的就一次申请。现在开始吗？"
        )
        items = [k for k in entity_values(tracker, "item") if isinstance(k, str)]
        answers = []
        for key in items:  # "我爸走了，户口咋个销": answer the question asked too, briefly
            try:
                answers.append(await answer_for(CaseApi(), key, None, True, tracker))
            except (ApiUnavailable, ApiRefused):
                continue
        if answers:
            say(dispatcher, condolence + "\n\n".join(answers), json_message={"items": items})
            condolence = ""
        buttons = [
            {"title": "好的，开始吧", "payload": "/affirm"},
            {"title": "我先问问", "payload": "/deny"},
        ]
        say(dispatcher, condolence + offer, buttons=buttons)
        if items and not tracker.get_slot("selected_items"):
            events.append(SlotSet("selected_items", items))
        return events


class ActionStartApplication(Action):
    """start_application: keep any items named in the message and say what comes next."""

    def name(self) -> str:
        return "action_start_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        events: list = [SlotSet("api_failed", None)]
        items = [k for k in entity_values(tracker, "item") if isinstance(k, str)]
        if items:
            events.append(SlotSet("selected_items", items))
        if all(tracker.get_slot(s) is None for s in BASE_SLOTS):
            say(dispatcher, "好的。我先问几个简单的问题，只问办事用得上的，不清楚的可以直接说不清楚。")
        return events


class ActionSelectItems(Action):
    """select_items outside the form (after the checklist): change the choice, then re-check."""

    def name(self) -> str:
        return "action_select_items"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        chosen = chosen_from_message(tracker) or [ALL]
        return [SlotSet("selected_items", chosen)]


class ValidateSituationForm(BaseFormValidation):
    def name(self) -> str:
        return "validate_situation_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        base = [*BASE_SLOTS, "selected_items"]
        if any(tracker.get_slot(s) is None for s in base):
            return base
        try:
            result = await CaseApi().checklist(situation_from(tracker), items_for_api(tracker))
        except (ApiUnavailable, ApiRefused):
            return base  # the checklist action words the failure
        missing = [f["key"] for f in result.get("missing_fields", []) if f["key"] in SITUATION_SLOTS]
        return base + [k for k in missing if k not in base]

    async def extract_selected_items(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "selected_items":
            return {}
        chosen = chosen_from_message(tracker)
        return {"selected_items": chosen} if chosen else {}

    async def _allowed(self, key: str) -> list[Any] | None:
        try:
            fields = await CaseApi().situation_fields()
        except (ApiUnavailable, ApiRefused):
            return None
        for f in fields:
            if f["key"] == key:
                return [v["value"] for v in f.get("values", [])] or [True, False]
        return None

    async def _check(self, key: str, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        if isinstance(value, list):
            value = value[-1] if value else None
        allowed = await self._allowed(key)
        if value is None or (allowed is not None and value not in allowed):
            return {key: None}
        return {key: value}

    async def _unknown(self, key: str, tracker: Tracker) -> dict[str, Any]:
        """ "不清楚" to the question just asked is an answer when the field has an unknown value."""
        if tracker.get_slot("requested_slot") != key or not _DONT_KNOW.search(latest_text(tracker)):
            return {}
        allowed = await self._allowed(key) or []
        return {key: "unknown"} if "unknown" in allowed else {}

    def __getattr__(self, attr: str):  # validate_/extract_<situation field> for every field, one rule each
        prefix, _, key = attr.partition("_")
        if prefix == "validate" and key in SITUATION_SLOTS:

            async def validate(value, dispatcher, tracker, domain):
                return await self._check(key, value, dispatcher)

            return validate
        if prefix == "extract" and key in SITUATION_SLOTS:

            async def extract(dispatcher, tracker, domain):
                return await self._unknown(key, tracker)

            return extract
        raise AttributeError(attr)


class AskSituation(Action, abc.ABC):
    """Asks one situation question with buttons whose titles are Chinese and payloads set the slot."""

    field = ""

    def name(self) -> str:
        return f"action_ask_{self.field}"

    @abc.abstractmethod
    def _concrete(self) -> None:
        """Only the per-field subclasses below are registered as actions."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        try:
            fields = {f["key"]: f for f in await CaseApi().situation_fields()}
        except (ApiUnavailable, ApiRefused):
            say(dispatcher, _OFFLINE_QUESTIONS.get(self.field, API_DOWN))
            return []
        f = fields[self.field]
        values = f.get("values") or [{"value": True, "label": "是"}, {"value": False, "label": "否"}]
        buttons = []
        for v in values:
            value = v["value"]
            literal = "true" if value is True else "false" if value is False else f'"{value}"'
            buttons.append({"title": v["label"], "payload": f'/inform{{"{self.field}": {literal}}}'})
        say(dispatcher, f["question"], buttons=buttons)
        return []


def _concrete(self) -> None:
    return None


# action_ask_<field> for every situation field (Rasa's form calls them to ask the requested slot)
ASK_ACTIONS = {
    key: type(
        f"ActionAsk_{key}", (AskSituation,), {"field": key, "_concrete": _concrete, "__module__": __name__}
    )
    for key in SITUATION_SLOTS
}


class ActionAskSelectedItems(Action):
    def name(self) -> str:
        return "action_ask_selected_items"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        try:
            result = await CaseApi().checklist(situation_from(tracker), None)
        except (ApiUnavailable, ApiRefused):
            say(dispatcher, "要把能办的事都一起办，还是只办其中几件？只办几件的话直接告诉我是哪几件。")
            return []
        active = [i for i in result["items"] if i["status"] in ("selected", "added_prerequisite")]
        text = (
            "根据您说的情况，这些事可以一次申请、各部门同时办：\n"
            + "、".join(i["colloquial_name"] for i in active)
            + "。\n都办，还是只办其中几件？只办几件的话直接告诉我，比如“只办注销户口和停发养老金”。"
        )
        buttons = [{"title": "都办", "payload": "/select_items"}] + [
            {"title": f"只办{i['colloquial_name']}", "payload": f'/select_items{{"item": ["{i["key"]}"]}}'}
            for i in active
        ]
        say(dispatcher, text, buttons=buttons, json_message={"items": [i["key"] for i in active]})
        return []


class ActionShowChecklist(Action):
    """The checklist for the situation and the chosen items, and the question whether to go ahead."""

    def name(self) -> str:
        return "action_show_checklist"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        try:
            result = await CaseApi().checklist(situation_from(tracker), items_for_api(tracker))
        except ApiUnavailable:
            say(dispatcher, API_DOWN)
            return [SlotSet("api_failed", "checklist")]
        except ApiRefused as exc:
            say(dispatcher, f"{exc.message} 您可以换个说法告诉我，或拨打 12345。")
            return []
        text, active = render_checklist(result)
        if not active:
            say(
                dispatcher,
                text + "\n按您说的情况，眼下没有能一起申请的事。有不清楚的可以问我，或拨打 12345。",
            )
            return [SlotSet("active_items", [])]
        buttons = [
            {"title": "好的，就这样办", "payload": "/affirm"},
            {"title": "先不办", "payload": "/deny"},
        ]
        compact = {
            "items": [{k: i.get(k) for k in ("key", "status", "reason")} for i in result["items"]],
            "estimate": result.get("estimate"),
        }
        say(
            dispatcher,
            text + "\n\n就按这个清单提交申请吗？要增减事项直接告诉我，比如“只办注销户口”。",
            buttons=buttons,
            json_message={"items": active, "checklist": compact},
        )
        return [SlotSet("active_items", active), SlotSet("api_failed", None)]
