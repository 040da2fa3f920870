"""The one patch of Rasa internals (assistant/action_response_schema.py) still fits Rasa.

Fails when a Rasa upgrade changes the signature or the source of
``RemoteAction._validate_action_result``, or when the replacement stops behaving like it (the same
answers accepted, the same ones refused with the same message).
"""

from __future__ import annotations

import inspect

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from assistant import action_response_schema as patch

PAYLOADS = [
    {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "好的"}]},
    {"events": [], "responses": []},
    {},
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},
    {"events": [{"event": "bot", "text": 3}]},
]


@pytest.fixture(scope="module")
def original():
    import assistant.components  # noqa: F401 — installs the patch, as loading our model does

    assert patch.install(), "Rasa's method changed: recheck assistant/action_response_schema.py"
    assert patch.ORIGINAL is not None
    return patch.ORIGINAL


def test_rasas_method_is_the_one_the_patch_was_written_for(original) -> None:
    assert str(inspect.signature(original)) == patch.PATCHED_SIGNATURE
    assert patch.matches_rasa(original)
    assert original.__module__ == "rasa.core.actions.action"
    assert RemoteAction.__dict__["_validate_action_result"] is patch._validate_action_result
    # the replacement takes the same arguments
    assert list(inspect.signature(patch._validate_action_result).parameters) == ["self", "result"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_replacement_behaves_like_rasas_method(original, payload) -> None:
    action = RemoteAction("action_answer_item", None)

    def outcome(fn):
        try:
            return ("ok", fn(action, payload))
        except jsonschema.ValidationError as e:
            return ("refused", e.message)

    assert outcome(patch._validate_action_result) == outcome(original)


def test_a_changed_rasa_method_is_left_in_place(monkeypatch: pytest.MonkeyPatch, original) -> None:
    def changed(self, result, strict=False):  # what an upgraded Rasa might ship
        return True

    monkeypatch.setattr(RemoteAction, "_validate_action_result", changed)
    assert not patch.install()
    assert RemoteAction.__dict__["_validate_action_result"] is changed
