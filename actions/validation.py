"""The shared base of the assistant's form validations, and the parsers of typed answers.

Families answer in free text ("我叫王秀英", "身份证 52010219550101123X", "昨天"); the parsers pull the
value out of the sentence, the base class words refusals kindly and never echoes a personal number
unmasked.
"""

from __future__ import annotations

import abc
import datetime as dt
import re
from typing import Any

from gz_identity import IdNumberError, mask_text, parse_id_number, valid_phone
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15,19})(?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1\d{2}[- ]?\d{4}[- ]?\d{4})(?!\d)")
_ACCOUNT_IN_TEXT = re.compile(r"(?<!\d)(\d[\d ]{6,36}\d)(?!\d)")
_NAME_PREFIX = re.compile(
    r"^(?:(?:我|他|她|逝者|老人|申请人|去世的人|亲人)?(?:的)?(?:名字|姓名)?(?:叫做|叫|是|为|：|:)\s*)+"
)
_NAME_OK = re.compile(r"^[\u4e00-\u9fff·•]{2,20}$|^[A-Za-z][A-Za-z .'-]{1,49}$")


def say(dispatcher: CollectingDispatcher, text: str, **kwargs: Any) -> None:
    """Every bot message goes out through here: personal numbers are masked whatever the wording."""
    dispatcher.utter_message(text=mask_text(text), **kwargs)


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def entity_values(tracker: Tracker, entity: str) -> list[Any]:
    out: list[Any] = []
    for e in tracker.latest_message.get("entities") or []:
        if e.get("entity") != entity:
            continue
        value = e.get("value")
        for v in value if isinstance(value, list) else [value]:
            if v not in out:
                out.append(v)
    return out


def find_id_number(text: str) -> str | None:
    m = _ID_IN_TEXT.search(text.replace(" ", ""))
    return m.group(1).upper() if m else None


def find_phone(text: str) -> str | None:
    m = _PHONE_IN_TEXT.search(text)
    if not m:
        return None
    phone = re.sub(r"[- ]", "", m.group(1))
    return phone if valid_phone(phone) else None


def find_account(text: str) -> str | None:
    m = _ACCOUNT_IN_TEXT.search(text)
    if not m:
        return None
    account = m.group(1).replace(" ", "")
    return account if 8 <= len(account) <= 30 else None


def clean_name(text: str) -> str | None:
    name = re.sub(r"[，。,.!！？?、\s]+$", "", text.strip())
    name = _NAME_PREFIX.sub("", name).strip()
    return name if _NAME_OK.match(name) else None


class BaseFormValidation(FormValidationAction):
    """Shared behaviour of the assistant's forms.

    - ``refuse`` words a refusal kindly (masked) and leaves the slot empty so the form asks again;
    - ``today`` is the date used for relative dates and future-date checks (patched in tests);
    - ``id_number`` validates an ID number with the GB 11643 check digit and a real birth date.
    """

    @abc.abstractmethod
    def name(self) -> str:
        """Each form's validation action names itself ``validate_<form>``."""

    @staticmethod
    def today() -> dt.date:
        from actions import clock

        return clock.china_today()

    @staticmethod
    def refuse(dispatcher: CollectingDispatcher, slot: str, message: str) -> dict[str, Any]:
        say(dispatcher, message)
        return {slot: None}

    def id_number(
        self,
        slot: str,
        value: Any,
        dispatcher: CollectingDispatcher,
        not_after: dt.date | None = None,
    ) -> dict[str, Any]:
        number = find_id_number(str(value or ""))
        if number is None:
            return self.refuse(
                dispatcher, slot, "没有看到 18 位的身份证号，请再发一次，最后一位是 X 的照写就行。"
            )
        try:
            parse_id_number(number, not_after=not_after)
        except IdNumberError as exc:
            return self.refuse(dispatcher, slot, f"{exc}（您输入的是 {mask_text(number)}）。")
        return {slot: number}
