"""Cases, tasks and their history, idempotency records and the notification log.

Personal data is stored encrypted (api.security.crypto.encrypt) with a keyed hash beside it where
equality lookups are needed (ID numbers, phones). Masked copies are stored for display so that
listing screens never have to decrypt.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import relationship as orm_relationship

from api.clock import utcnow  # the API's one clock
from api.db import Base
from api.security.personal import ACCOUNT, ID_NUMBER, NAME, PHONE, PersonalField

if TYPE_CHECKING:
    from api.tasks.models import Task

# Case status: open while any task is unfinished; completed when every task is completed or rejected.
CASE_OPEN = "open"
CASE_COMPLETED = "completed"

# The case's personal fields, declared once (api/security/personal.py): a new one is a line here
# and its columns below (<column>_enc, and _hash / _masked as declared).
CASE_PERSONAL: dict[str, PersonalField] = {
    f.column: f
    for f in (
        PersonalField("deceased_name", NAME),
        PersonalField("deceased_id", ID_NUMBER, hashed=True),
        PersonalField("applicant_name", NAME),
        PersonalField("applicant_id", ID_NUMBER, hashed=True, masked=False),
        PersonalField("applicant_phone", PHONE, hashed=True),
        PersonalField("payee_account", ACCOUNT),
    )
}


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    status: Mapped[str] = mapped_column(String(16), default=CASE_OPEN, index=True)
    region: Mapped[str] = mapped_column(String(6))
    channel: Mapped[str] = mapped_column(String(16))  # online | window
    situation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # checklist summary at submission (items with status/reason, materials, estimate); recomputed
    # when shared data arrives later
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_by_staff: Mapped[str | None] = mapped_column(String(64), nullable=True)

    deceased_name_enc: Mapped[str] = mapped_column(Text)
    deceased_name_masked: Mapped[str] = mapped_column(String(64))
    deceased_id_enc: Mapped[str] = mapped_column(Text)
    deceased_id_hash: Mapped[str] = mapped_column(String(128), index=True)
    deceased_id_masked: Mapped[str] = mapped_column(String(32))
    death_date: Mapped[dt.date] = mapped_column(Date)
    # Equal to deceased_id_hash while the case is open, NULL afterwards: the unique constraint makes
    # a second open case for the same deceased impossible on every database.
    open_deceased_hash: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)

    applicant_name_enc: Mapped[str] = mapped_column(Text)
    applicant_name_masked: Mapped[str] = mapped_column(String(64))
    applicant_id_enc: Mapped[str] = mapped_column(Text)
    applicant_id_hash: Mapped[str] = mapped_column(String(128), index=True)
    applicant_phone_enc: Mapped[str] = mapped_column(Text)
    applicant_phone_hash: Mapped[str] = mapped_column(String(128), index=True)
    applicant_phone_masked: Mapped[str] = mapped_column(String(16))
    relationship: Mapped[str] = mapped_column(String(32))
    payee_account_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    payee_account_masked: Mapped[str | None] = mapped_column(String(64), nullable=True)

    access_token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    # the short progress code (api/cases/progress_code.py), a keyed hash; NULL for older cases
    progress_code_hash: Mapped[str | None] = mapped_column(String(128), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), nullable=True)

    if TYPE_CHECKING:  # mapped by api/tasks/models.py, the task's owner: cases never import tasks
        tasks: Mapped[list[Task]]
    notifications: Mapped[list[Notification]] = orm_relationship(
        back_populates="case", order_by="Notification.id", cascade="all, delete-orphan"
    )


class IdempotencyRecord(Base):
    """One per Idempotency-Key: the request's hash and the response to replay.

    The stored response holds the access token encrypted, never in clear.
    """

    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Notification(Base):
    """What the family was told (SMS). The text is masked before it is stored or logged."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    recipient_masked: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="logged")  # logged | sent | failed
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    case: Mapped[Case] = orm_relationship(back_populates="notifications")
