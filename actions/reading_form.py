"""The shared turn of both forms: read the typed answer, never trap, never ask a third time.

Rasa's form asks the requested slot; this base reads each family message once (slot ``last_read``)
and decides: a control word (谢谢, 算了, 重新开始, 转人工) pauses, restarts or hands off; the facts
the subclass reads fill their slots; a message understood as nothing is asked once more with the
options and an example (slot ``reask``), and a second time hands the family to 12345 and pauses.
The form therefore never rejects a message it was given, so no rule can swallow an answer.
"""

from __future__ import annotations

import abc
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer_reader import control_of
from actions.validation import BaseFormValidation, latest_intent, latest_text, say

BOOKKEEPING = frozenset({"last_read", "requested_slot", "reask", "asked_fields", "form_paused"})


def message_id(tracker: Tracker) -> str:
    """The latest user message's identity: a form may be run again on a message it already read."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return f"{event.get('timestamp')}:{event.get('message_id') or ''}"
    return ""


def reask_count(tracker: Tracker, slot: str | None) -> int:
    reask = tracker.get_slot("reask") or {}
    return int(reask.get("count", 0)) if isinstance(reask, dict) and reask.get("slot") == slot else 0


def pause_events() -> list[dict[str, Any]]:
    """Stop the form, keeping what was said. requested_slot stays set, so the rules that follow a
    finished form (checklist, summary, progress) do not fire: the rules for a paused form listen."""
    return [
        SlotSet("form_paused", True),
        SlotSet("reask", None),
        SlotSet("asked_fields", None),
        ActiveLoop(None),
    ]


class ReadingFormValidation(BaseFormValidation, abc.ABC):
    @abc.abstractmethod
    async def read(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict, requested: str | None
    ) -> list[dict[str, Any]]:
        """SlotSet events for what the latest message answers (and messages for refusals)."""

    @abc.abstractmethod
    async def needed(self, tracker: Tracker) -> list[str]:
        """The form's slots, in the order they are asked."""

    def activating(self, tracker: Tracker) -> bool:
        """Whether this run starts the form: its activation comes after the latest user message."""
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                return False
            if event.get("event") == "active_loop" and event.get("name") == self.form_name():
                return True
        return (tracker.active_loop or {}).get("name") != self.form_name()

    async def activated(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Events when the form starts (its first message was read by the action before it)."""
        return []

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        return await self.needed(tracker)

    def understood_nothing(self, events: list[dict[str, Any]], dispatcher: CollectingDispatcher) -> bool:
        """No slot filled and nothing said back (a refusal says what was wrong, so it counts)."""
        filled = [e for e in events if e.get("event") == "slot" and e.get("name") not in BOOKKEEPING]
        return not filled and not dispatcher.messages

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list:
        events: list[dict[str, Any]] = []
        msg = message_id(tracker)
        if tracker.get_slot("last_read") != msg:
            events.append(SlotSet("last_read", msg))
            if tracker.get_slot("form_paused"):
                events.append(SlotSet("form_paused", None))
            # at activation the message is the one that started the form: the action before the
            # form (start, item choice, correction) has read it already
            active = not self.activating(tracker)
            requested = tracker.get_slot("requested_slot") if active else None
            control = control_of(latest_text(tracker)) if requested else None
            if control:
                return events + self.control(control, dispatcher)
            if active:
                read = await self.read(dispatcher, tracker, domain, requested)
            else:
                read = await self.activated(dispatcher, tracker, domain)
            if requested and not read and latest_intent(tracker) == "start_application":
                say(dispatcher, "好的，我们接着来。")  # "接着办" typed while the form is already going on
            if requested and self.understood_nothing(read, dispatcher):
                count = reask_count(tracker, requested) + 1
                if count >= 2:
                    dispatcher.utter_message(response="utter_unsure_handoff")
                    return events + pause_events()
                read.append(SlotSet("reask", {"slot": requested, "count": count}))
            elif any(e.get("name") not in BOOKKEEPING for e in read if e.get("event") == "slot"):
                read.append(SlotSet("reask", None))
            events += read
            if any(e.get("event") == "active_loop" for e in read):  # the form stops here
                return events
        tracker.add_slots(events)
        missing = [s for s in await self.needed(tracker) if tracker.slots.get(s) is None]
        return [*events, SlotSet("requested_slot", missing[0] if missing else None)]

    @staticmethod
    def control(kind: str, dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
        if kind == "restart":
            dispatcher.utter_message(response="utter_confirm_restart")
            return [*pause_events(), SlotSet("confirm_restart", True)]
        responses = {"handoff": "utter_handoff", "thanks": "utter_thanks_paused"}
        dispatcher.utter_message(response=responses.get(kind, "utter_pause_form"))
        return pause_events()
