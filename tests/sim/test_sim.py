"""Offline checks of the simulator itself (no server): personas are complete and valid, and every
question the catalog and the domain ask is read as the right topics. When a question's wording
changes so that the simulator no longer reads it, this fails first: update TOPICS in run.py."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from tests.sim.personas import PERSONAS, id_number, valid_id_number
from tests.sim.run import (
    ACCESS_CODE,
    CASE_NO,
    Family,
    Outcome,
    date_text,
    is_submitted,
    topics_of,
)

ROOT = Path(__file__).resolve().parents[2]
SITUATION = yaml.safe_load((ROOT / "knowledge" / "situation.yaml").read_text(encoding="utf-8"))
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))

FIELD_TOPIC = {
    "death_nature": "death_cause",
    "death_place": "place",
    "funeral": "funeral",
    "hukou_in_guizhou": "hukou",
    "driving_license_gz": "driving",
    "pension_scheme": "pension",
    "pension_status": "pension",
    "medical_scheme": "medical",
    "has_housing_fund": "housing_fund",
    "housing_fund_loan_settled": "loan",
    "deposits": "deposits",
    "has_equity": "equity",
    "receives_assistance": "welfare",
    "relationship": "relationship",
}
SLOT_TOPIC = {
    "deceased_name": "deceased_name",
    "deceased_id_number": "deceased_id",
    "death_date": "death_date",
    "applicant_name": "applicant_name",
    "applicant_id_number": "applicant_id",
    "applicant_phone": "applicant_phone",
    "payee_account": "account",
}
ANSWER_TOPICS = set(FIELD_TOPIC.values()) | set(SLOT_TOPIC.values()) - {"death_date"}


def test_id_numbers_follow_gb_11643() -> None:
    # the example of GB 11643 itself: 11010519491231002X
    assert id_number("110105", dt.date(1949, 12, 31), 2) == "11010519491231002X"
    for p in PERSONAS:
        for who in (p.deceased, p.applicant):
            assert valid_id_number(who.id_number), (p.key, who)
            assert who.id_number[:2] == "52", "Guizhou area codes"
        assert 1940 <= int(p.deceased.id_number[6:10]) <= 1959, p.key
        assert re.fullmatch(r"1[3-9]\d{9}", p.applicant.phone), p.key


def test_every_persona_answers_every_topic() -> None:
    needed = ANSWER_TOPICS | {"yes", "choice", "checklist", "summary", "all_no", "others_no"}
    for p in PERSONAS:
        assert not needed - set(p.answers), (p.key, needed - set(p.answers))
        assert p.want_items and not set(p.want_items) & set(p.not_items), p.key
    assert len({p.deceased.id_number for p in PERSONAS}) == len(PERSONAS), "one open case per deceased"


@pytest.mark.parametrize(
    "field", [f for f in SITUATION["fields"] if f["key"] in FIELD_TOPIC], ids=lambda f: f["key"]
)
def test_each_situation_question_is_read_as_its_topic(field: dict) -> None:
    assert topics_of(field["question"]) == [FIELD_TOPIC[field["key"]]], field["question"]


@pytest.mark.parametrize("group", SITUATION.get("groups") or [], ids=lambda g: g["key"])
def test_each_grouped_question_is_read_as_all_its_topics(group: dict) -> None:
    expected = {FIELD_TOPIC[f] for f in group["fields"]}
    # a group that lists its things asks "{things}": the assistant fills in the ones still needed
    question = group["question"].replace("{things}", "、".join((group.get("things") or {}).values()))
    assert set(topics_of(question)) == expected, question


@pytest.mark.parametrize("slot", list(SLOT_TOPIC))
def test_each_application_question_is_read_as_its_topic(slot: str) -> None:
    texts = [r.get("text", "") for r in DOMAIN["responses"].get(f"utter_ask_{slot}", [])]
    for text in texts:
        assert topics_of(text) == [SLOT_TOPIC[slot]], text


@pytest.mark.parametrize("name", ["utter_greet", "utter_default", "utter_ask_rephrase", "utter_ask_case_no"])
def test_messages_that_ask_no_fact_are_not_read_as_questions(name: str) -> None:
    for r in DOMAIN["responses"].get(name, []):
        assert not set(topics_of(r.get("text", ""))) & (ANSWER_TOPICS | {"death_date"}), r["text"]


def test_whole_message_kinds() -> None:
    assert topics_of("请核对一下：\n· 逝者：张**\n没问题就提交；哪里不对，直接说。") == ["summary"]
    assert topics_of("这些事可以一起办：注销户口、停发养老金。\n都办，还是只办其中几件？") == ["choice"]
    assert topics_of("这次可以一起办的事：\n1. 注销户口\n就按这个清单提交申请吗？") == ["checklist"]
    assert topics_of("去世日期不能晚于今天，请再核对一下。") == ["death_date"]  # a refusal, not the summary


def test_several_noes_are_said_at_once() -> None:
    widow = next(p for p in PERSONAS if p.key == "widow")
    family = Family(widow, Outcome(widow, "t"))
    said, topics = family.reply(["亲人生前有下面这些吗：驾驶证、住房公积金、低保或补贴、公司股份？"])
    assert topics == ["driving", "housing_fund", "welfare", "equity"] and said == "都没得"


def test_relative_dates_and_submission_message() -> None:
    assert date_text("relative", dt.date(2026, 11, 29), 1) == "昨天"
    assert date_text("month_day", dt.date(2026, 11, 27), 3) == "11月27号"
    text = "申请已经提交好了。\n案件号：SH20261129-48273-5\n查询码：Ab3_dE-fGhIjKlMn（只显示这一次）"
    assert is_submitted(text)
    assert CASE_NO.search(text).group(0) == "SH20261129-48273-5"
    assert ACCESS_CODE.search(text).group(1) == "Ab3_dE-fGhIjKlMn"


def test_asked_the_same_thing_twice_the_persona_says_it_the_long_way() -> None:
    operator = next(p for p in PERSONAS if p.key == "operator")
    family = Family(operator, Outcome(operator, "t"))
    question = "亲人生前已经在领养老金（退休金）了，还是还在交养老保险？"
    first, _ = family.reply([question])
    second, _ = family.reply(["不好意思，我没太明白。" + question])
    assert first == "居民养老，已领" and second == operator.answers["pension"].again
