"""The configured service credentials (department API keys, staff tokens), compared in constant time
against every configured value, so timing does not tell which one matched."""

from __future__ import annotations

import hmac
from typing import Any

from api.security import config


def _match(presented: str, table: dict[str, Any]) -> Any:
    """Compare against every entry (no early exit) so timing does not tell which one matched."""
    found = None
    candidate = presented.encode()
    for secret, value in table.items():
        if hmac.compare_digest(candidate, secret.encode()) and found is None:
            found = value
    return found


def department_for_key(key: str) -> str | None:
    return _match(key, {v: k for k, v in config.department_keys().items()})


def staff_for_token(token: str) -> tuple[str, str] | None:
    return _match(token, config.staff_tokens())
