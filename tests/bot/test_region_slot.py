"""The assistant follows the deceased's region: a 市州 or county of Guizhou named for the hukou ("户口在
湄潭") is kept in the slot deceased_region and sent as `region` with the checklist request and the
application; no place named (or a place outside Guizhou) sends none, and the API applies the
province's defaults. Real trackers, against a real running case API (tests/bot/conftest.py)."""

from __future__ import annotations

import random

import pytest
from gz_identity import check_digit
from rasa_sdk.executor import CollectingDispatcher

from actions.answer_reader import read_facts, read_region
from actions.api_client import CaseApi
from actions.application import ActionCorrectField, ActionSubmitCase
from actions.situation import ActionShowChecklist, ValidateSituationForm
from tests.bot.conftest import DOMAIN, ActionExecuted, ActiveLoop, SlotSet, make_tracker, slots_of, user
from tests.bot.test_actions import filled, run, situation

MEITAN, ANSHUN, ZUNYI, HUAXI = "520328", "520400", "520300", "520111"


@pytest.fixture
def sent(api_env, monkeypatch):
    """Every request the actions send to the case API (method, path, JSON body) and its answer."""
    calls: list[dict] = []
    original = CaseApi._request

    async def recording(self, method, path, **kwargs):
        body, headers = await original(self, method, path, **kwargs)
        calls.append({"method": method, "path": path, "json": kwargs.get("json"), "body": body})
        return body, headers

    monkeypatch.setattr(CaseApi, "_request", recording)
    return calls


def checklist_requests(calls: list[dict]) -> list[dict]:
    return [c for c in calls if c["path"] == "/api/v1/checklist"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("户口在湄潭", MEITAN),
        ("在遵义", ZUNYI),
        ("贵阳花溪的", HUAXI),
        ("户口在安顺，不是遵义", ANSHUN),
        ("户口不在遵义，在湄潭", MEITAN),
        ("黔西南的", "522300"),  # not 黔西 (黔西市)
        ("户口在黔东南", "522600"),
        ("户口在大方县", "520521"),
        ("户口在四川", None),
        ("在贵州", None),  # the province: its defaults, nothing to send
        ("湄潭在哪里？", None),  # a question names no answer
    ],
)
def test_the_region_a_message_names(text, code):
    assert read_region(text) == code


def test_a_place_denied_is_not_a_hukou_outside_guizhou():
    # "不是遵义" names another place in Guizhou: the hukou is still in Guizhou
    assert read_facts("户口在安顺，不是遵义", ["hukou_in_guizhou"]) == {"hukou_in_guizhou": True}
    assert read_facts("不在贵州", ["hukou_in_guizhou"]) == {"hukou_in_guizhou": False}


async def _answer(text, events):
    dispatcher = CollectingDispatcher()
    out = await ValidateSituationForm().run(dispatcher, make_tracker([*events, user(text, "inform")]), DOMAIN)
    return out


def _asked_hukou():
    return [
        *situation(),
        SlotSet("selected_items", ["hukou_cancel"]),
        ActiveLoop("situation_form"),
        SlotSet("requested_slot", "hukou_in_guizhou"),
        SlotSet("asked_fields", ["hukou_in_guizhou"]),
    ]


def _own_deceased() -> SlotSet:
    """A deceased of the test's own: one open case per deceased, and other tests file for filled()'s."""
    first17 = f"5203281950{random.randint(1, 12):02d}{random.randint(1, 28):02d}{random.randint(100, 999)}"
    return SlotSet("deceased_id_number", first17 + check_digit(first17))


@pytest.mark.asyncio
async def test_hukou_in_meitan_goes_with_the_checklist_and_the_application(sent):
    events = _asked_hukou()
    out = await _answer("户口在湄潭", events)
    slots = slots_of(out)
    assert slots["hukou_in_guizhou"] is True and slots["deceased_region"] == MEITAN
    # the form's own checklist call (what is still missing) already carries the region
    assert checklist_requests(sent)[-1]["json"]["region"] == MEITAN

    sent.clear()
    CaseApi._cache.clear()  # the form's answer is cached: ask the API again
    events += [*out, ActiveLoop(None), SlotSet("requested_slot", None)]
    await run(ActionShowChecklist(), events)
    request = checklist_requests(sent)[-1]
    assert request["json"]["region"] == MEITAN and request["body"]["region"] == MEITAN

    sent.clear()
    application = [
        *filled(),
        SlotSet("deceased_region", MEITAN),
        _own_deceased(),
        ActionExecuted("action_show_summary"),
        user("提交", "affirm"),
    ]
    _, out = await run(ActionSubmitCase(), application, sender=f"family-region-{random.randint(0, 10**9)}")
    created = slots_of(out)
    posted = next(c for c in sent if c["path"] == "/api/v1/cases" and c["method"] == "POST")
    assert posted["json"]["region"] == MEITAN
    case = await CaseApi().case(created["case_no"], created["access_token"])
    assert case["region"] == MEITAN


@pytest.mark.asyncio
async def test_a_place_outside_guizhou_sends_no_region(sent):
    out = await _answer("户口在四川", _asked_hukou())
    slots = slots_of(out)
    assert slots["hukou_in_guizhou"] is False and "deceased_region" not in slots
    events = [*_asked_hukou(), *out, ActiveLoop(None), SlotSet("requested_slot", None)]
    sent.clear()
    CaseApi._cache.clear()
    await run(ActionShowChecklist(), events)
    request = checklist_requests(sent)[-1]
    assert "region" not in request["json"] and request["body"]["region"] == "520000"

    sent.clear()
    application = [*filled(), _own_deceased(), ActionExecuted("action_show_summary"), user("提交", "affirm")]
    _, out = await run(ActionSubmitCase(), application, sender=f"family-region-{random.randint(0, 10**9)}")
    posted = next(c for c in sent if c["path"] == "/api/v1/cases" and c["method"] == "POST")
    assert "region" not in posted["json"]
    created = slots_of(out)
    assert (await CaseApi().case(created["case_no"], created["access_token"]))["region"] == "520000"


@pytest.mark.asyncio
async def test_a_correction_replaces_the_region(sent):
    said = [*_asked_hukou(), SlotSet("hukou_in_guizhou", True), SlotSet("deceased_region", ZUNYI)]
    said += [SlotSet("requested_slot", "funeral"), SlotSet("asked_fields", ["funeral"])]
    out = await _answer("户口在安顺，不是遵义", said)
    assert slots_of(out)["deceased_region"] == ANSHUN
    # after the summary: 我要改 → the checklist is checked again with the new region
    sent.clear()
    CaseApi._cache.clear()
    events = [
        *filled(),
        SlotSet("deceased_region", ZUNYI),
        user("刚才说错了，户口在安顺，不是遵义", "correct_field"),
    ]
    _, out = await run(ActionCorrectField(), events)
    assert slots_of(out)["deceased_region"] == ANSHUN
    assert checklist_requests(sent)[-1]["json"]["region"] == ANSHUN
    # moving the hukou out of Guizhou clears it
    out = await _answer("户口在外省", said)
    assert slots_of(out)["hukou_in_guizhou"] is False and slots_of(out)["deceased_region"] is None


@pytest.mark.asyncio
async def test_the_cache_tells_regions_apart(sent):
    api = CaseApi()
    situation_ = {"death_nature": "normal", "death_place": "hospital", "relationship": "child"}
    plain = await api.checklist(situation_, ["hukou_cancel"])
    meitan = await api.checklist(situation_, ["hukou_cancel"], MEITAN)
    assert plain["region"] == "520000" and meitan["region"] == MEITAN
    assert len(checklist_requests(sent)) == 2
