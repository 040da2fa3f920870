"""SMS to families and callers: one adapter interface, a recording fake and a real HTTP gateway.

Usage (any part of the API: case notices, the hotline console's SMS link, invitations, staff)::

    from api.notify.sms import send_sms

    status = send_sms(phone, "【一件事】……", secrets=[code])   # "sent" | "recorded" | "logged" | "failed"

``send_sms`` sends through the adapter chosen by the ``SMS_ADAPTER`` setting and writes one log line
with the phone masked and the text masked (``api.identity.mask_text``: ID numbers, phones, accounts;
every string in ``secrets`` — a one-time code, a progress code, a link token — replaced by ``******``).
It never raises for a gateway failure: it returns ``"failed"`` and logs it; the caller decides what
to tell the person. For a copy of the text that may be stored (a notification record), use
``masked_text(text, secrets)``. Case notices go through ``api.cases.notify.notify`` (which also records
the masked message in the case's notifications).

Adapters (``SMS_ADAPTER``):

- ``fake`` (development and tests; the default unless ``APP_ENV`` is production): sends nothing, keeps
  every message in memory (``outbox()``) and, in development, appends it as one JSON line to
  ``SMS_OUTBOX_FILE`` (default ``var/sms-outbox.jsonl``) — ``{"at", "to_masked", "to", "text"}`` — so
  ``make run`` users and browser tests can read the code a family would have received. The file is the
  fake phone's inbox, holds the text as delivered, and is never written in production.
  Tests: ``outbox()``, ``last_message_to(phone)``, ``clear_outbox()``; ``read_outbox_file(path)``.
  Under ``make run``: ``.venv/api/bin/python -m api.notify.sms`` prints the last messages.
- ``http``: a provider's HTTP gateway. ``POST SMS_GATEWAY_URL`` with JSON
  ``{"phone", "text", "message_id"}``, header ``Authorization: Bearer SMS_GATEWAY_KEY`` and
  ``Idempotency-Key: <message_id>`` (the same on every retry, so a retried request is not sent
  twice), ``SMS_GATEWAY_TIMEOUT`` seconds per try (default 5), ``SMS_GATEWAY_RETRIES`` more tries
  (default 2) on a network error, a timeout, 429 or 5xx (tenacity, exponential back-off); any 2xx
  is ``sent``. A provider with another body shape: subclass ``HttpSmsAdapter`` and override
  ``payload``.
- ``log``: writes the masked line only (the former development adapter).

Production (``APP_ENV=production``) with no ``SMS_ADAPTER`` uses ``log`` and warns once: families
would get no SMS; set ``SMS_ADAPTER=http`` with its URL and key.

Tests may install any object with ``name`` and ``send(phone, text) -> status`` via
``set_sms_adapter(adapter)``; ``reset_sms_adapter()`` goes back to the setting.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from api import clock
from api.identity import mask_phone, mask_text
from api.settings import ROOT

log = logging.getLogger("api.sms")

SECRET_MASK = "******"


class SmsAdapter(Protocol):
    name: str

    def send(self, phone: str, text: str) -> str:
        """Send one message; return the status to record (sent | recorded | logged | failed)."""
        ...


def masked_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` fit for a log line or a stored record: credentials replaced, personal data masked."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, SECRET_MASK)
    return mask_text(text)


# ------------------------------------------------------------------ adapters


class LoggingSmsAdapter:
    """Writes nothing but the masked line of ``send_sms``; sends nothing."""

    name = "log"

    def send(self, phone: str, text: str) -> str:
        return "logged"


@dataclass(frozen=True)
class SmsRecord:
    at: str
    to_masked: str
    to: str
    text: str


class FakeSmsAdapter:
    """Development and tests: records messages in memory and (optionally) in a JSON-lines file."""

    name = "fake"

    def __init__(self, outbox_file: Path | None = None) -> None:
        self.outbox_file = outbox_file
        self.messages: list[SmsRecord] = []
        self._lock = threading.Lock()

    def send(self, phone: str, text: str) -> str:
        record = SmsRecord(clock.utcnow().isoformat(), mask_phone(phone), phone, text)
        with self._lock:
            self.messages.append(record)
            if self.outbox_file is not None:
                try:
                    self.outbox_file.parent.mkdir(parents=True, exist_ok=True)
                    with self.outbox_file.open("a", encoding="utf-8") as fh:
                        fh.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
                except OSError as exc:
                    log.warning("SMS fake outbox file not written (%s)", type(exc).__name__)
        return "recorded"


class GatewayError(Exception):
    def __init__(self, status: int | None, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, GatewayError):
        return exc.status is None or exc.status == 429 or exc.status >= 500
    return isinstance(exc, httpx.TransportError)


class HttpSmsAdapter:
    """A provider's HTTP gateway (see the module docstring for the request)."""

    name = "http"

    def __init__(
        self,
        url: str,
        key: str,
        *,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url:
            raise ValueError("SMS_ADAPTER=http needs SMS_GATEWAY_URL")
        self.url = url
        self.key = key
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def payload(self, phone: str, text: str, message_id: str) -> dict[str, Any]:
        return {"phone": phone, "text": text, "message_id": message_id}

    def _post_once(self, body: dict[str, Any], message_id: str) -> None:
        headers = {"Idempotency-Key": message_id}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        try:
            resp = self._client.post(self.url, json=body, headers=headers)
        except httpx.TransportError as exc:
            log.warning("SMS gateway try failed: %s", type(exc).__name__)
            raise
        if not 200 <= resp.status_code < 300:
            log.warning("SMS gateway answered HTTP %s", resp.status_code)
            raise GatewayError(resp.status_code, f"HTTP {resp.status_code}")

    def send(self, phone: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        body = self.payload(phone, text, message_id)
        retrying = Retrying(
            stop=stop_after_attempt(self.retries + 1),
            wait=wait_exponential(multiplier=self.backoff, max=max(self.backoff * 8, 0)),
            retry=retry_if_exception(_retryable),
            reraise=False,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self._post_once(body, message_id)
        except RetryError:
            log.error("SMS to %s not sent after %d tries", mask_phone(phone), self.retries + 1)
            return "failed"
        except (GatewayError, httpx.HTTPError) as exc:
            log.error("SMS to %s refused by the gateway (%s)", mask_phone(phone), type(exc).__name__)
            return "failed"
        return "sent"


# ------------------------------------------------------------------ choice by setting

_lock = threading.Lock()
_installed: SmsAdapter | None = None
_configured: tuple[tuple[Any, ...], SmsAdapter] | None = None
_warned = False


# The same values as api.security.config.DEVELOPMENT_ENVS (tests/api/test_sms.py checks they agree);
# not imported, since security reads cases, whose notices import this module.
_DEVELOPMENT_ENVS = ("", "development", "dev", "test", "testing", "ci", "local")


def _config() -> tuple[Any, ...]:
    prod = os.environ.get("APP_ENV", "").strip().lower() not in _DEVELOPMENT_ENVS
    name = os.environ.get("SMS_ADAPTER", "").strip().lower() or ("log" if prod else "fake")
    outbox = None
    if name == "fake" and not prod:
        outbox = Path(os.environ.get("SMS_OUTBOX_FILE") or ROOT / "var" / "sms-outbox.jsonl")
    return (
        name,
        prod,
        outbox,
        os.environ.get("SMS_GATEWAY_URL", "").strip(),
        os.environ.get("SMS_GATEWAY_KEY", "").strip(),
        float(os.environ.get("SMS_GATEWAY_TIMEOUT") or 5),
        int(os.environ.get("SMS_GATEWAY_RETRIES") or 2),
    )


def _build(cfg: tuple[Any, ...]) -> SmsAdapter:
    global _warned
    name, prod, outbox, url, key, timeout, retries = cfg
    if name == "fake":
        return FakeSmsAdapter(outbox)
    if name == "http":
        return HttpSmsAdapter(url, key, timeout=timeout, retries=retries)
    if name == "log":
        if prod and not _warned:
            _warned = True
            log.warning("SMS_ADAPTER is not set: SMS are logged (masked), not sent; set SMS_ADAPTER=http")
        return LoggingSmsAdapter()
    raise ValueError(f"SMS_ADAPTER must be fake, http or log (got {name!r})")


def get_sms_adapter() -> SmsAdapter:
    """The installed adapter, else the one the settings name (rebuilt when they change)."""
    global _configured
    with _lock:
        if _installed is not None:
            return _installed
        cfg = _config()
        if _configured is None or _configured[0] != cfg:
            _configured = (cfg, _build(cfg))
        return _configured[1]


def set_sms_adapter(adapter: SmsAdapter) -> None:
    """Install a gateway or a test double, overriding SMS_ADAPTER."""
    global _installed
    with _lock:
        _installed = adapter


def reset_sms_adapter() -> None:
    global _installed, _configured
    with _lock:
        _installed = None
        _configured = None


def send_sms(phone: str, text: str, *, secrets: Iterable[str] = ()) -> str:
    """Send `text` to `phone`; log one masked line; return the adapter's status (never raises)."""
    adapter = get_sms_adapter()
    secrets = list(secrets)
    try:
        status = adapter.send(phone, text)
    except Exception as exc:  # an adapter must not break the caller's request
        log.error("SMS adapter %s failed: %s", getattr(adapter, "name", "?"), type(exc).__name__)
        status = "failed"
    log.info(
        "SMS %s via %s to %s: %s",
        status,
        getattr(adapter, "name", "?"),
        mask_phone(phone),
        masked_text(text, secrets),
    )
    return status


# ------------------------------------------------------------------ the fake's outbox, for tests


def _fake() -> FakeSmsAdapter:
    adapter = get_sms_adapter()
    if not isinstance(adapter, FakeSmsAdapter):
        raise RuntimeError("the SMS adapter in use is not the fake (SMS_ADAPTER=fake)")
    return adapter


def outbox() -> list[SmsRecord]:
    return list(_fake().messages)


def clear_outbox() -> None:
    _fake().messages.clear()


def last_message_to(phone: str) -> SmsRecord | None:
    for record in reversed(_fake().messages):
        if record.to == phone:
            return record
    return None


def read_outbox_file(path: Path | str) -> list[SmsRecord]:
    """The records a development server's fake appended to `path` (e.g. from a browser test)."""
    p = Path(path)
    if not p.exists():
        return []
    out = []
    for line in p.read_text(encoding="utf-8").splitlines():
        if line.strip():
            out.append(SmsRecord(**json.loads(line)))
    return out


if __name__ == "__main__":  # development: the fake's last messages (python -m api.notify.sms [N])
    import sys

    path = Path(os.environ.get("SMS_OUTBOX_FILE") or ROOT / "var" / "sms-outbox.jsonl")
    records = read_outbox_file(path)
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 10
    if not records:
        print(f"no SMS recorded in {path} (SMS_ADAPTER=fake writes there in development)")
    for r in records[-count:]:
        print(f"{r.at}  {r.to_masked}  {r.text}")
