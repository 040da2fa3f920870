"""Small conversation actions: the Chinese confirmation step of the two-stage fallback."""

from __future__ import annotations

import json

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.validation import say

# What each intent means, in the family's words, for "您是想……吗？"
INTENT_WORDS = {
    "report_death": "说家里有亲人去世了，想知道要办哪些事",
    "ask_overview": "问亲人去世后要办哪些事",
    "ask_materials": "问要带哪些材料",
    "ask_where": "问去哪里办",
    "ask_duration": "问要办多久",
    "ask_who": "问谁可以办",
    "ask_amount": "问能领多少钱",
    "ask_howto": "问怎么办理",
    "ask_referral": "问不在“一件事”里的其他事（比如房产过户）",
    "start_application": "现在就申请办理",
    "select_items": "选要办的事",
    "check_progress": "查办理进度",
    "rate_service": "评价这次办理",
    "request_human": "找人工或打 12345",
    "correct_field": "改刚才填错的信息",
}


class ActionDefaultAskAffirmation(Action):
    """Overrides Rasa's English "Did you mean ...?" in the two-stage fallback."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        if tracker.get_slot("api_failed"):
            # after "the system is down", an unclear message is most likely "再试一次"
            say(
                dispatcher,
                "不好意思，我想确认一下：您是想再试一次吗？",
                buttons=[
                    {"title": "是的，再试一次", "payload": "/affirm"},
                    {"title": "不是", "payload": "/out_of_scope"},
                ],
            )
            return []
        ranking = tracker.latest_message.get("intent_ranking") or []
        candidates = [r["name"] for r in ranking if r.get("name") in INTENT_WORDS]
        intent = candidates[0] if candidates else None
        if intent is None:
            say(dispatcher, "不好意思，我没太明白。能换个说法再说一次吗？")
            return []
        entities = {}
        for e in tracker.latest_message.get("entities") or []:
            entities.setdefault(e["entity"], []).append(e["value"])
        payload = f"/{intent}" + (json.dumps(entities, ensure_ascii=False) if entities else "")
        say(
            dispatcher,
            f"不好意思，我想确认一下：您是想{INTENT_WORDS[intent]}吗？",
            buttons=[
                {"title": "是的", "payload": payload},
                {"title": "不是", "payload": "/out_of_scope"},
            ],
        )
        return []
