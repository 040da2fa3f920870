"""SMS to the family about its case, through the shared adapter (``api.notify.sms``).

``notify`` sends the text to the applicant's phone and records the masked message in the case's
notifications, in the caller's transaction. The adapter names below are kept for the code that
imported them from here.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from api import clock
from api.cases.models import CASE_PERSONAL, Case, Notification
from api.notify.sms import (
    FakeSmsAdapter,
    HttpSmsAdapter,
    LoggingSmsAdapter,
    SmsAdapter,
    get_sms_adapter,
    masked_text,
    reset_sms_adapter,
    send_sms,
    set_sms_adapter,
)

__all__ = [
    "FakeSmsAdapter",
    "HttpSmsAdapter",
    "LoggingSmsAdapter",
    "SmsAdapter",
    "get_sms_adapter",
    "notify",
    "reset_sms_adapter",
    "set_sms_adapter",
]


def notify(session: Session, case: Case, text: str, *, secrets: Iterable[str] = ()) -> None:
    """Send `text` to the applicant's phone and log it (masked; `secrets` such as a progress code
    replaced) in the case's notifications, in the caller's transaction."""
    secrets = list(secrets)
    status = send_sms(CASE_PERSONAL["applicant_phone"].read(case) or "", text, secrets=secrets)
    session.add(
        Notification(
            case=case,
            channel="sms",
            recipient_masked=case.applicant_phone_masked,
            message=masked_text(text, secrets),
            status=status,
            created_at=clock.utcnow(),
        )
    )
