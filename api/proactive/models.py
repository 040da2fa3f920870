"""Invitations sent when a death record arrives and no case exists, and the contacts who opted out.

An invitation is created at most once per deceased (``dedupe_key``, unique): a department pushing
the same record again, a second department's record, a retried request or a restarted process
finds the row and creates nothing. The contact's phone is kept encrypted only until the message is
sent (then erased), with its keyed hash (to honour an opt-out) and a masked copy for staff.
An opt-out is kept as the keyed hash of the phone number only, forever.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.clock import utcnow
from api.db import Base


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    deceased_id_hash: Mapped[str] = mapped_column(String(128), index=True)
    source_department: Mapped[str] = mapped_column(String(64))
    contact_phone_enc: Mapped[str | None] = mapped_column(Text, nullable=True)  # erased once sent
    contact_phone_hash: Mapped[str] = mapped_column(String(128), index=True)
    contact_phone_masked: Mapped[str] = mapped_column(String(16))
    # queued → sending → sent | failed; cancelled (a case was filed first); suppressed (opted out)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    send_after: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # naive UTC
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    opt_out_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)  # as sent, masked
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class SmsOptOut(Base):
    """A contact who asked not to be invited again: the keyed hash of the phone number only."""

    __tablename__ = "sms_opt_outs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(128), unique=True)
    source: Mapped[str] = mapped_column(String(16))  # link | reply
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
