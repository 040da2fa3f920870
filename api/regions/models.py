"""Regional settings as an append-only history: every change is a row, never updated or deleted.

A setting is (region, kind, target): an item enabled or open online, an item's time limit, a figure,
an item's 专员. Its value on a date is that of the latest row (by effective date, then id) in force
on that date; ``value`` None clears the setting at that level. A revert is a new row (``reverts_id``)
that restores the value in force before the change it reverts — from the change's own date when that
date is still ahead, from today otherwise (a figure never changes retroactively).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.clock import utcnow
from api.db import Base


class RegionChange(Base):
    __tablename__ = "region_changes"
    __table_args__ = (Index("ix_region_changes_setting", "region", "kind", "target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(
        String(24)
    )  # item_enabled | online_enabled | time_limit | figure | specialist
    target: Mapped[str] = mapped_column(String(64))  # item key, or figure key for kind "figure"
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # the basis or reason given
    reverts_id: Mapped[int | None] = mapped_column(ForeignKey("region_changes.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    role: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
