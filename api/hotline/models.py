"""A checklist sent to a caller by SMS link: the situation and items only (no personal data), under
a random link token (only its hash is stored), with an expiry."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.clock import utcnow
from api.db import Base


class ChecklistLink(Base):
    __tablename__ = "checklist_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the link token
    situation: Mapped[dict] = mapped_column(JSON)
    items: Mapped[list | None] = mapped_column(JSON, nullable=True)
    region: Mapped[str | None] = mapped_column(String(12), nullable=True)
    catalog_version: Mapped[str] = mapped_column(String(32))
    phone_masked: Mapped[str] = mapped_column(String(32))  # 139****5678; the number itself is not kept
    sms_status: Mapped[str] = mapped_column(String(16))
    staff_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    opened: Mapped[int] = mapped_column(Integer, default=0)
