"""SMS to the family. The adapter interface lets production plug in a real gateway; in development
the only adapter logs the masked text and sends nothing."""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy.orm import Session

from api import clock
from api.cases.models import CASE_PERSONAL, Case, Notification
from api.identity import mask_phone, mask_text

log = logging.getLogger("api.sms")


class SmsAdapter(Protocol):
    name: str

    def send(self, phone: str, text: str) -> str:
        """Send one message; return the status to record (sent | logged | failed)."""
        ...


class LoggingSmsAdapter:
    """Development adapter: writes a masked line to the log, sends nothing."""

    name = "log"

    def send(self, phone: str, text: str) -> str:
        log.info("SMS (not sent, development) to %s: %s", mask_phone(phone), mask_text(text))
        return "logged"


_adapter: SmsAdapter = LoggingSmsAdapter()


def get_sms_adapter() -> SmsAdapter:
    return _adapter


def set_sms_adapter(adapter: SmsAdapter) -> None:
    """Install a real gateway (production) or a recording fake (tests)."""
    global _adapter
    _adapter = adapter


def notify(session: Session, case: Case, text: str) -> None:
    """Send `text` to the applicant's phone through the installed adapter and log it (masked) in
    the case's notifications, in the caller's transaction."""
    status = get_sms_adapter().send(CASE_PERSONAL["applicant_phone"].read(case) or "", text)
    session.add(
        Notification(
            case=case,
            channel="sms",
            recipient_masked=case.applicant_phone_masked,
            message=mask_text(text),
            status=status,
            created_at=clock.utcnow(),
        )
    )
