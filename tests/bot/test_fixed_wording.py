"""The fixed wording a family can be shown — domain responses and the catalog's questions and
answers — carries nothing internal (field keys, English, configuration notes)."""

from __future__ import annotations

import pytest

from actions.answer_reader import field_words, groups
from actions.application import ASK_TEXTS
from tests.bot.conftest import DOMAIN
from tests.bot.leaks import find_internal


def _responses():
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            yield name, variant.get("text") or ""
            for button in variant.get("buttons", []):
                yield name, button["title"]


@pytest.mark.parametrize(("name", "text"), list(_responses()))
def test_domain_responses(name, text):
    assert find_internal(text) == [], name


def test_questions_answers_and_examples_of_the_catalog():
    shown = [t for fw in field_words().values() for t in (fw.question, fw.example or "", *fw.labels.values())]
    for g in groups().values():
        things = "、".join(g.get("things", {}).values())
        shown += [g["question"].replace("{things}", things), g.get("example") or ""]
    shown += list(ASK_TEXTS.values())
    found = {t: find_internal(t) for t in shown if find_internal(t)}
    assert found == {}
