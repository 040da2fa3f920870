"""Every list the assistant shares with the case API agrees with knowledge/, the one source.

knowledge/situation.yaml lists the situation fields and their values, knowledge/items.yaml and
knowledge/referrals.yaml the item and topic keys. Lists that must exist outside knowledge/ (Rasa
reads slots, forms and actions from domain.yml; training data names entity values) are checked here
against it, read straight from the YAML so that no generated file can hide a difference:

- domain.yml's situation slots and situation_form's required slots are the asked fields (but
  ``channel``: the assistant is the online channel);
- each asked field has ``action_ask_<field>`` in domain.yml and a class in actions/situation.py;
- the relationship values the API accepts (api/cases/schemas.py, in the API's environment) are the
  catalog's;
- entity values in the training data and test stories are catalog keys and values.

Runs with the bot interpreter; the API's side through its own interpreter (env API_PYTHON).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
API_PYTHON = os.environ.get("API_PYTHON", str(ROOT / ".venv" / "api" / "bin" / "python"))


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


FIELDS: dict[str, dict[str, Any]] = {f["key"]: f for f in _yaml(KNOWLEDGE / "situation.yaml")["fields"]}
ASKED = [k for k, f in FIELDS.items() if f.get("asked", True) and k != "channel"]
VALUES = {k: [v["value"] for v in f.get("values") or []] for k, f in FIELDS.items()}
ITEM_KEYS = {i["key"] for i in _yaml(KNOWLEDGE / "items.yaml")["items"]}
TOPIC_KEYS = {r["key"] for r in _yaml(KNOWLEDGE / "referrals.yaml")["referrals"]}
DOMAIN = _yaml(ROOT / "domain.yml")


def test_knowledge_is_read() -> None:
    assert len(ASKED) >= 10 and "relationship" in ASKED and "channel" in FIELDS
    assert ITEM_KEYS and TOPIC_KEYS


def test_situation_slots_are_the_asked_fields() -> None:
    slots = {name for name in DOMAIN["slots"] if name in FIELDS}
    assert slots == set(ASKED), "domain.yml slots vs knowledge/situation.yaml asked fields"
    for key in ASKED:
        expected = "bool" if FIELDS[key]["type"] == "bool" else "any"
        assert DOMAIN["slots"][key]["type"] == expected, f"slot {key}: type"


def test_situation_form_asks_the_asked_fields() -> None:
    required = DOMAIN["forms"]["situation_form"]["required_slots"]
    assert len(required) == len(set(required)), "a slot listed twice in situation_form"
    assert set(required) == set(ASKED), "situation_form required_slots vs knowledge/situation.yaml"


def test_each_asked_field_has_its_ask_action() -> None:
    from rasa_sdk import Action

    import actions.situation as situation

    actions = set(DOMAIN["actions"])
    names = {
        cls().name(): cls
        for cls in vars(situation).values()
        if isinstance(cls, type)
        and issubclass(cls, Action)
        and cls.__module__ == situation.__name__
        and getattr(cls, "field", None)
    }
    source = Path(situation.__file__).read_text(encoding="utf-8")
    for key in ASKED:
        action = f"action_ask_{key}"
        assert action in actions, f"{action} missing from domain.yml actions"
        assert action in names, f"no class in actions/situation.py answers to {action}"
        # written in the code (found by grepping the field), not made at run time
        assert re.search(rf'^\s+field = "{key}"$', source, re.M), f"{action}: no class with field = {key!r}"
    # and no question about a situation field the catalog does not ask
    for action in actions:
        field = action.removeprefix("action_ask_")
        if action.startswith("action_ask_") and field in FIELDS:
            assert field in ASKED, f"{action} asks a field knowledge/situation.yaml does not ask"


def test_the_api_accepts_the_catalogs_relationship_values() -> None:
    if not Path(API_PYTHON).exists():
        pytest.fail(f"API interpreter {API_PYTHON} not found; set API_PYTHON or run `make setup`")
    code = (
        "import json; from api.cases.schemas import ApplicantIn; "
        "from api.sharing.schemas import RelationshipIn; "
        "print(json.dumps([m.model_json_schema()['properties']['relationship']['enum'] "
        "for m in (ApplicantIn, RelationshipIn)]))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [API_PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    for accepted in json.loads(out.strip().splitlines()[-1]):
        assert accepted == VALUES["relationship"], "API relationship values vs knowledge/situation.yaml"


def _allowed(entity: str) -> set[str] | None:
    if entity == "item":
        return ITEM_KEYS
    if entity == "topic":
        return TOPIC_KEYS
    if entity in FIELDS and VALUES[entity]:
        return {str(v) for v in VALUES[entity]}
    return None  # free values: names, numbers, dates, bool fields from button payloads


def test_training_data_names_catalog_keys_and_values() -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    wrong: list[str] = []
    seen: set[str] = set()
    for path in sorted((ROOT / "nlu_data").glob("*.yml")):
        for example in load_data(str(path)).training_examples:
            for e in example.get("entities") or []:
                seen.add(e["entity"])
                allowed = _allowed(e["entity"])
                if allowed is not None and str(e.get("value")) not in allowed:
                    wrong.append(f"{path.name}: {example.get('text')!r} {e['entity']}={e.get('value')!r}")
    assert not wrong, "entity values that are not catalog keys or values:\n" + "\n".join(wrong)
    assert {"item", "topic", "case_no"} <= seen  # the check saw the annotations
    # situation answers are read by the actions in the context of the question, never NLU entities
    assert not seen & set(ASKED), f"situation answers annotated as entities: {sorted(seen & set(ASKED))}"


ANNOTATION = re.compile(r'\{"entity":\s*"(?P<entity>\w+)",\s*"value":\s*"(?P<value>[^"]*)"')


def test_stories_name_catalog_keys_and_values() -> None:
    files = [*sorted((ROOT / "stories").glob("*.yml")), ROOT / "tests" / "bot" / "test_stories.yml"]
    wrong = []
    seen = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        for m in ANNOTATION.finditer(text):
            seen += m["entity"] == "item"
            allowed = _allowed(m["entity"])
            if allowed is not None and m["value"] not in allowed:
                wrong.append(f"{path.name}: {m['entity']}={m['value']!r}")
        # entities given as `- item: key` in story steps
        for step in _steps(_yaml(path)):
            for e in step.get("entities") or []:
                if isinstance(e, dict):
                    for entity, value in e.items():
                        allowed = _allowed(entity)
                        if allowed is not None and str(value) not in allowed:
                            wrong.append(f"{path.name}: {entity}={value!r}")
    assert seen, "no item annotation found in the stories: has their format changed?"
    assert not wrong, "entity values that are not catalog keys or values:\n" + "\n".join(wrong)


def _steps(data: Any) -> list[dict[str, Any]]:
    steps = []
    for section in ("stories", "rules"):
        for story in (data or {}).get(section) or []:
            steps.extend(s for s in story.get("steps") or [] if isinstance(s, dict))
    return steps
