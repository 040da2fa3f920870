"""The guided flow up to the checklist: condolence, situation questions, choice of items, checklist.

Only the questions the chosen items need are asked: the death circumstances and the applicant's
relationship, then whatever the checklist's ``missing_fields`` still lists. Questions that belong
together are asked in one message (knowledge/situation.yaml ``groups``); every fact a message
states is kept, whenever it is said ("我爸企业退休的，没有驾照" in the first message is not asked again).
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer_reader import (
    button_words,
    dont_know,
    field_words,
    group_of,
    has_question,
    normalise,
    options_text,
    read_facts,
    read_region,
)
from actions.answers import ActionAnswerItem, answer_for
from actions.api_client import ApiRefused, ApiUnavailable, CaseApi
from actions.catalog_data import generated_catalog
from actions.clock import china_today
from actions.dates import find_date
from actions.reading_form import ReadingFormValidation, reask_count
from actions.texts import API_DOWN, DEATH_WORDS, condolence_once, render_checklist
from actions.validation import entity_values, latest_intent, latest_text, say

BASE_SLOTS = ["death_nature", "death_place", "relationship"]
# every asked field but the channel: the assistant is the online channel
SITUATION_SLOTS = [
    f["key"] for f in generated_catalog()["situation"] if f.get("asked", True) and f["key"] != "channel"
]
ALL = "all"
# the region code of the place in Guizhou the family named for the hukou (knowledge/regions.yaml):
# sent as `region` with the checklist and the application; none named → the province's defaults
REGION_SLOT = "deceased_region"
HUKOU = "hukou_in_guizhou"
ITEM_NAMES = {i["key"]: i["colloquial_name"] for i in generated_catalog()["items"]}
CORRECTION = re.compile(
    r"刚才|选错|说错|填错|弄错|搞错|写错|输错|打错|错了|改成|改为|改一下|要改|不对|其实|应该是|不是.{1,8}是"
)
_ADD = re.compile(r"再加|加上|还要|也要|也办|再办|添上|顺便|另外|也帮")
_REMOVE = re.compile(r"不要|不办|去掉|删掉|取消|别办|不用办|不需要")
_ONLY = re.compile(r"只办|只要|就办|只想办|只需要")


def situation_from(tracker: Tracker) -> dict[str, Any]:
    return {k: tracker.get_slot(k) for k in SITUATION_SLOTS if tracker.get_slot(k) is not None}


def region_of(tracker: Tracker) -> str | None:
    return tracker.get_slot(REGION_SLOT) or None


def region_events(tracker: Tracker, text: str, hukou: Any) -> list:
    """The region slot after a message that says where the hukou is: a 市州 or county of Guizhou
    named → its code (a correction replaces it); outside Guizhou → cleared; 贵州 alone keeps it."""
    old = region_of(tracker)
    if hukou is False:
        return [SlotSet(REGION_SLOT, None)] if old else []
    if hukou is True:
        code = read_region(text)
        if code and code != old:
            return [SlotSet(REGION_SLOT, code)]
    return []


def items_for_api(tracker: Tracker) -> list[str] | None:
    chosen = tracker.get_slot("selected_items") or []
    return None if not chosen or ALL in chosen else list(chosen)


def value_words(field_key: str, value: Any) -> str:
    fw = field_words().get(field_key)
    if fw is None:
        return str(value)
    if fw.type == "bool":
        return ("是" if value else "不是") if fw.yes_means else ("没有" if value else "有")
    return button_words(fw.labels.get(value, str(value)))


def fact_events(tracker: Tracker, asked: list[str], dispatcher: CollectingDispatcher | None = None) -> list:
    """SlotSets for the facts of the latest message.

    A field just asked takes the answer; a fact stated about another field fills it or changes it
    ("刚才选错了，不是病死的，是摔死的", "有低保" after "都没有"), and a change is said back."""
    text = latest_text(tracker)
    facts = read_facts(text, asked)
    if text.startswith("/"):  # a button: its payload names the value
        for key in SITUATION_SLOTS:
            given = entity_values(tracker, key)
            if given:
                facts[key] = given[-1]
    correcting = bool(CORRECTION.search(normalise(text)))
    events: list = []
    changed: list[str] = []
    for key, value in facts.items():
        if key not in SITUATION_SLOTS or value not in field_words()[key].values:
            continue
        old = tracker.get_slot(key)
        # a thing had or not ("有低保") is said on purpose; "在家里" in passing changes nothing set
        if key in asked or (old != value and (old is None or correcting or field_words()[key].nouns)):
            events.append(SlotSet(key, value))
            if old is not None and old != value and key not in asked:
                changed.append(value_words(key, value))
    if changed and dispatcher is not None:
        say(dispatcher, f"好的，已经改成：{'、'.join(changed)}。跟着要办的事我会重新核对。")
    if HUKOU in facts and not text.startswith("/"):
        events += region_events(tracker, text, facts[HUKOU])
    elif any(e.get("name") == HUKOU and e.get("value") is False for e in events):  # the "不是" button
        events += region_events(tracker, text, False)
    if tracker.get_slot("death_date") is None and DEATH_WORDS.search(text):
        found = find_date(text, china_today())
        if found is not None and found.date <= china_today():
            events.append(SlotSet("death_date", found.date.isoformat()))
    return events


async def active_keys(tracker: Tracker) -> list[str]:
    """The items that would be handled now: the chosen ones, or every eligible one for 都办."""
    chosen = items_for_api(tracker)
    if chosen is not None:
        return chosen
    if tracker.get_slot("active_items"):
        return list(tracker.get_slot("active_items"))
    try:
        result = await CaseApi().checklist(situation_from(tracker), None, region_of(tracker))
    except (ApiUnavailable, ApiRefused):
        return []
    return [i["key"] for i in result["items"] if i["status"] in ("selected", "added_prerequisite")]


async def selection_change(
    tracker: Tracker, dispatcher: CollectingDispatcher, *, plain_is_choice: bool
) -> list:
    """ "只办注销户口" replaces the choice, "再加上公积金" adds, "不要查股份了" removes; says what changed."""
    items = [k for k in entity_values(tracker, "item") if isinstance(k, str) and k in ITEM_NAMES]
    text = normalise(latest_text(tracker))
    if not items:
        if (
            latest_intent(tracker) == "select_items"
            and plain_is_choice
            and re.search(r"都办|全部|都要", text)
        ):
            return [SlotSet("selected_items", [ALL])]
        return []
    names = "、".join(f"“{ITEM_NAMES[k]}”" for k in items)
    if _REMOVE.search(text) and not _ONLY.search(text):
        current = [k for k in await active_keys(tracker) if k not in items]
        say(dispatcher, f"好的，{names}不办了。")
        return [SlotSet("selected_items", current or [ALL]), SlotSet("active_items", None)]
    if _ADD.search(text):
        current = await active_keys(tracker)
        added = [k for k in items if k not in current]
        say(dispatcher, f"好的，加上了{names}。" if added else f"{names}已经在要办的事里了。")
        return [SlotSet("selected_items", current + added), SlotSet("active_items", None)]
    if _ONLY.search(text) or plain_is_choice:
        say(dispatcher, f"好的，这次办{names}。")
        return [SlotSet("selected_items", items), SlotSet("active_items", None)]
    return []


class ActionRespondDeath(Action):
    """report_death: condolence once per conversation, then straight to the first question.

    A message that also asks something ("我爸走了，户口咋个销") gets the answer and the offer to sort
    everything out together (slot ``start_now`` false); a plain report starts the questions at once
    (``start_now`` true) — a family can still ask anything in between, or say 算了."""

    def name(self) -> str:
        return "action_respond_death"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        events: list = fact_events(tracker, [])
        condolence = condolence_once(tracker, events)
        items = [k for k in entity_values(tracker, "item") if isinstance(k, str)]
        answers = []
        if has_question(latest_text(tracker)):
            for key in items:  # "我爸走了，户口咋个销": answer the question asked too, briefly
                try:
                    answers.append(await answer_for(CaseApi(), key, None, True, tracker))
                except (ApiUnavailable, ApiRefused):
                    continue
        if not answers:
            say(
                dispatcher,
                condolence + "后面要办的手续，我帮您一件件理清楚：先问几个简单的问题，只问办事用得上的，"
                "不清楚的直接说不清楚；中间有想问的随时问。",
            )
            return [*events, SlotSet("start_now", True)]
        say(dispatcher, condolence + "\n\n".join(answers), json_message={"items": items})
        buttons = [
            {"title": "好的，开始吧", "payload": "/affirm"},
            {"title": "我先问问", "payload": "/deny"},
        ]
        say(
            dispatcher,
            "这些手续可以一次申请、各部门一起办。要我帮您一起申请吗？问几个简单的问题就行。",
            buttons=buttons,
        )
        return [*events, SlotSet("start_now", False)]


class ActionStartApplication(Action):
    """start_application (or 接着办): keep the facts and items of the message; the form asks the rest."""

    def name(self) -> str:
        return "action_start_application"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        events: list = [SlotSet("api_failed", None), SlotSet("form_paused", None), SlotSet("reask", None)]
        events.append(SlotSet("requested_slot", None))
        events += fact_events(tracker, [])
        items = [k for k in entity_values(tracker, "item") if isinstance(k, str) and k in ITEM_NAMES]
        # "我要办销户口" chooses; "有职工医保和公积金，没有驾照" tells facts and chooses nothing
        facts = [e for e in events if e.get("name") in SITUATION_SLOTS]
        if items and not facts and not tracker.get_slot("selected_items"):
            events.append(SlotSet("selected_items", items))
        if all(tracker.get_slot(s) is None for s in BASE_SLOTS) and not tracker.get_slot("start_now"):
            say(dispatcher, "好的。我先问几个简单的问题，只问办事用得上的，不清楚的可以直接说不清楚。")
        return events


class ActionSelectItems(Action):
    """select_items outside the form (after the checklist): change the choice, then re-check."""

    def name(self) -> str:
        return "action_select_items"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        events = await selection_change(tracker, dispatcher, plain_is_choice=True)
        return events or [SlotSet("selected_items", [ALL])]


class ValidateSituationForm(ReadingFormValidation):
    def name(self) -> str:
        return "validate_situation_form"

    async def needed(self, tracker: Tracker) -> list[str]:
        if any(tracker.get_slot(s) is None for s in BASE_SLOTS):
            return list(BASE_SLOTS)
        try:
            result = await CaseApi().checklist(
                situation_from(tracker), items_for_api(tracker), region_of(tracker)
            )
        except (ApiUnavailable, ApiRefused):
            return list(BASE_SLOTS)  # the checklist action words the failure
        missing = [f["key"] for f in result.get("missing_fields", []) if f["key"] in SITUATION_SLOTS]
        return BASE_SLOTS + [k for k in missing if k not in BASE_SLOTS]

    async def read(self, dispatcher, tracker, domain, requested) -> list:
        asked = [f for f in (tracker.get_slot("asked_fields") or [requested]) if f]
        events = await selection_change(tracker, dispatcher, plain_is_choice=False)
        events += fact_events(tracker, asked, dispatcher)
        text = latest_text(tracker)
        if requested and has_question(text):  # a side question is answered; the form then asks on
            events += await ActionAnswerItem().run(dispatcher, tracker, domain)
        elif requested and not events and dont_know(text):
            fw = field_words().get(requested)
            # "有没有公积金？" — "不晓得": counted as none for now (a place or a loan is not guessed)
            if fw is not None and fw.nouns and not fw.yes_words and fw.type == "bool":
                say(dispatcher, "不清楚也没关系，先按没有算；以后查到了，跟我说“再加上……”就行。")
                events.append(SlotSet(requested, not fw.yes_means))
        return events


class AskSituation(Action):
    """Asks the requested field, together with the fields of its group that are still needed."""

    field = ""

    def name(self) -> str:
        return f"action_ask_{self.field}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        fields = [self.field]
        group = group_of(self.field)
        if group:
            needed = await ValidateSituationForm().needed(tracker)
            in_group = [f for f in group["fields"] if f in needed and tracker.get_slot(f) is None]
            # a group that lists its things asks the ones still needed; another group asks
            # together only while none of its needed fields is answered yet
            untouched = all(tracker.get_slot(f) is None for f in group["fields"] if f in needed)
            if len(in_group) > 1 and (group.get("things") or untouched):
                fields = in_group
        again = reask_count(tracker, self.field) > 0
        prefix = "不好意思，我没太明白。" if again else ""
        if len(fields) > 1:
            example = f"比如“{group['example']}”。" if again and "比如" not in group["question"] else ""
            things = "、".join(group.get("things", {}).get(f, "") for f in fields)
            question = group["question"].replace("{things}", things)
            say(dispatcher, prefix + question + example, json_message={"asks": fields})
            return [SlotSet("asked_fields", fields)]
        fw = field_words()[self.field]
        values = list(fw.labels) or [fw.yes_means, not fw.yes_means]
        buttons = []
        for value in values:
            literal = "true" if value is True else "false" if value is False else f'"{value}"'
            title = button_words(fw.labels[value]) if value in fw.labels else value_words(self.field, value)
            buttons.append({"title": title, "payload": f'/inform{{"{self.field}": {literal}}}'})
        tail = options_text(self.field) if again else ""
        say(dispatcher, prefix + fw.question + tail, buttons=buttons)
        return [SlotSet("asked_fields", [self.field])]


# one action per field, so that `action_ask_<field>` is found by name in the code
class AskDeathNature(AskSituation):
    field = "death_nature"


class AskDeathPlace(AskSituation):
    field = "death_place"


class AskRelationship(AskSituation):
    field = "relationship"


class AskFuneral(AskSituation):
    field = "funeral"


class AskHukouInGuizhou(AskSituation):
    field = "hukou_in_guizhou"


class AskDrivingLicenseGz(AskSituation):
    field = "driving_license_gz"


class AskPensionScheme(AskSituation):
    field = "pension_scheme"


class AskPensionStatus(AskSituation):
    field = "pension_status"


class AskMedicalScheme(AskSituation):
    field = "medical_scheme"


class AskHasHousingFund(AskSituation):
    field = "has_housing_fund"


class AskHousingFundLoanSettled(AskSituation):
    field = "housing_fund_loan_settled"


class AskDeposits(AskSituation):
    field = "deposits"


class AskHasEquity(AskSituation):
    field = "has_equity"


class AskReceivesAssistance(AskSituation):
    field = "receives_assistance"


class ActionShowChecklist(Action):
    """The checklist for the situation and the chosen items, and the question whether to go ahead."""

    def name(self) -> str:
        return "action_show_checklist"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        try:
            result = await CaseApi().checklist(
                situation_from(tracker), items_for_api(tracker), region_of(tracker)
            )
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
        # the widget's checklist card: items with status and reasons, materials (exempt: why; 容缺)
        item_fields = (
            "key",
            "status",
            "reason",
            "colloquial_name",
            "time_limit_days",
            "waits_for",
            "instead",
        )
        material_fields = ("key", "name", "copies", "medium", "form", "exempt", "reason", "promise_allowed")
        compact = {
            "items": [{k: i.get(k) for k in item_fields} for i in result["items"]],
            "materials": [
                {**{k: m.get(k) for k in material_fields}, "promise_note": m.get("promise_note")}
                for m in result.get("materials", [])
            ],
            "estimate": result.get("estimate"),
            "reduction": (result.get("reduction") or {}).get("summary"),
        }
        say(
            dispatcher,
            text + "\n\n就按这个清单提交申请吗？要增减事项直接告诉我，比如“再加上提取公积金”“不要查股份了”。",
            buttons=buttons,
            json_message={"items": active, "checklist": compact},
        )
        return [SlotSet("active_items", active), SlotSet("api_failed", None)]
