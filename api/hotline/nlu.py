"""The assistant's NLU for the hotline console: Rasa's ``POST /model/parse`` (interfaces.md, "NLU").

RASA_URL (settings) with RASA_TOKEN (Rasa's ``--auth-token``), a short timeout
(HOTLINE_NLU_TIMEOUT_SECONDS, default 0.4 s: an operator is typing while the caller talks) and a
pause after a failure (HOTLINE_NLU_PAUSE_SECONDS, default 30 s), so that a Rasa that is down costs
one timeout, not one per keystroke. When Rasa is down the console works from the catalog lookup
alone and says so quietly; nothing the caller said is logged.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field

import httpx

from api import outbound
from api.settings import get_settings

log = logging.getLogger("api.hotline.nlu")

DEFAULT_RASA_URL = "http://127.0.0.1:5005"


def _float_env(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if 0 < value <= 60 else default


def rasa_url() -> str:
    return str(getattr(get_settings(), "rasa_url", "") or DEFAULT_RASA_URL).rstrip("/")


@dataclass
class Parse:
    available: bool  # Rasa answered
    items: list[str] = field(default_factory=list)  # catalog keys of the `item` entities, in order
    topics: list[str] = field(default_factory=list)  # referral keys of the `topic` entities
    intent: str | None = None
    confidence: float | None = None
    reason: str | None = None  # why not available (for the page: "assistant unavailable")


class _Breaker:
    """After a failure, skip Rasa for a while instead of waiting for it on every keystroke."""

    def __init__(self) -> None:
        self._until = 0.0
        self._lock = threading.Lock()

    def open(self) -> bool:
        with self._lock:
            return time.monotonic() < self._until

    def trip(self, seconds: float) -> None:
        with self._lock:
            self._until = time.monotonic() + seconds

    def reset(self) -> None:
        with self._lock:
            self._until = 0.0


breaker = _Breaker()


def _entities(body: dict, name: str) -> list[str]:
    out: list[str] = []
    for e in body.get("entities") or []:
        value = e.get("value") if isinstance(e, dict) and e.get("entity") == name else None
        if isinstance(value, str) and value not in out:
            out.append(value)
    return out


async def parse(text: str, transport: httpx.AsyncBaseTransport | None = None) -> Parse:
    """The items Rasa finds in `text`, or ``Parse(available=False)`` quickly when it cannot answer."""
    if breaker.open():
        return Parse(False, reason="paused")
    timeout = _float_env("HOTLINE_NLU_TIMEOUT_SECONDS", 0.4)
    params = {"token": os.environ["RASA_TOKEN"]} if os.environ.get("RASA_TOKEN") else None
    try:
        r = await outbound.client(transport).post(
            f"{rasa_url()}/model/parse", json={"text": text}, params=params, timeout=timeout
        )
        if r.status_code != 200:
            raise ValueError(f"status {r.status_code}")
        body = r.json()
        if not isinstance(body, dict):
            raise ValueError("not an object")
    except (httpx.HTTPError, ValueError) as exc:
        breaker.trip(_float_env("HOTLINE_NLU_PAUSE_SECONDS", 30))
        log.info("assistant NLU unavailable (%s); the hotline console uses the catalog", type(exc).__name__)
        return Parse(False, reason=exc.__class__.__name__)
    intent = body.get("intent") if isinstance(body.get("intent"), dict) else {}
    confidence = intent.get("confidence")
    return Parse(
        True,
        items=_entities(body, "item"),
        topics=_entities(body, "topic"),
        intent=intent.get("name") if isinstance(intent.get("name"), str) else None,
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
    )
