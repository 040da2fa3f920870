"""Validate the action server's answers against a schema compiled once, not once per call.

This is the project's one patch of Rasa internals, kept here and nowhere else.

What it works around: Rasa 3.6's ``RemoteAction._validate_action_result``
(rasa/core/actions/action.py, Rasa 3.6.21) calls ``jsonschema.validate``, which checks the (large)
events schema against the JSON-Schema meta-schema before every validation: about 60 ms of a ~130 ms
conversation turn on these machines (``bench/turn_bench.py``). Rasa offers no hook to replace that
validation (it builds a ``RemoteAction`` itself for every custom action name), so the method is
replaced. No Rasa issue tracks this cause (RasaHQ/rasa issues searched; the closest, RasaHQ/rasa#8235
"Rasa Action servers makes everything slow", is closed without touching it): delete this module when
Rasa validates with a validator built once.

The replacement validates against the same schema, with the same error message, using a validator
built once (~2 ms). It is installed only when Rasa's method is the one it was written against (same
signature, same source: ``PATCHED_SOURCE_SHA256``); after a Rasa upgrade that changes it, Rasa's own
method stays in place (with a warning) and tests/bot/test_action_response_schema.py fails, so the patch
is re-checked or dropped. Installed when the assistant's components are imported, that is whenever
Rasa loads our model (assistant/components/__init__.py).
"""

from __future__ import annotations

import hashlib
import inspect
import logging
from functools import cache
from typing import Any

logger = logging.getLogger(__name__)

# ``RemoteAction._validate_action_result`` as shipped by Rasa 3.6.21: its signature and the sha256 of
# ``inspect.getsource`` of it. The replacement below copies its behaviour; recheck both on an upgrade.
PATCHED_SIGNATURE = "(self, result: Dict[str, Any]) -> bool"
PATCHED_SOURCE_SHA256 = "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42"

# Rasa's own method, kept when install() replaces it (the tests compare the two)
ORIGINAL: Any = None


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


def matches_rasa(function: Any) -> bool:
    """True when ``function`` is the Rasa method this patch was written against."""
    source = inspect.getsource(function)
    return (
        str(inspect.signature(function)) == PATCHED_SIGNATURE
        and hashlib.sha256(source.encode("utf-8")).hexdigest() == PATCHED_SOURCE_SHA256
    )


def install() -> bool:
    """Replaces Rasa's method by the compiled validator; True when installed (also when already)."""
    global ORIGINAL
    from rasa.core.actions.action import RemoteAction

    current = RemoteAction.__dict__["_validate_action_result"]
    if current is _validate_action_result:
        return True
    if not matches_rasa(current):
        logger.warning(
            "RemoteAction._validate_action_result is not the Rasa 3.6.21 method %s was written for: "
            "Rasa's own (slower) validation is kept",
            __name__,
        )
        return False
    ORIGINAL = current
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    return True
