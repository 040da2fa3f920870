"""The family's delivery choice (one per case) and the mailing/receipt of each task's result."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.clock import utcnow  # the API's one clock
from api.db import Base


class DeliveryChoice(Base):
    """How the family wants paper originals: "electronic" (download only; originals collected at the
    window) or "mail" to an address (personal data: encrypted, shown masked)."""

    __tablename__ = "delivery_choices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    method: Mapped[str] = mapped_column(String(16))  # electronic | mail
    delivery_address_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivery_address_masked: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class TaskDelivery(Base):
    """What happened to one completed task's result after completion: mailed (tracking number entered
    by the department) and received (confirmed by the family)."""

    __tablename__ = "task_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), unique=True)
    carrier: Mapped[str | None] = mapped_column(String(32), nullable=True)
    tracking_no: Mapped[str | None] = mapped_column(String(40), nullable=True)
    mailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    mailed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
