"""Validate the action server's answers against a schema compiled once, not once per call.

Rasa 3.6's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``, which checks the
(large) events schema against the JSON-Schema meta-schema before every validation: about 60 ms of a
~130 ms conversation turn on these machines (``bench/turn_bench.py``). The replacement validates
against the same schema, with the same error message, using a validator built once (~2 ms).
Installed when the assistant's components are imported, that is whenever Rasa loads our model.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    from jsonschema import ValidationError
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        _validator().validate(result)
        return True
    except ValidationError as e:  # the wording of Rasa's own method
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
