"""好差评: the family rates each completed task (its item and the staff member who handled it)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.clock import utcnow
from api.db import Base


class Rating(Base):
    __tablename__ = "ratings"
    # one rating per case and item (and, below, per task: the same thing, as a task is one item of a case)
    __table_args__ = (UniqueConstraint("case_id", "item_key", name="uq_ratings_case_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # one rating per task: the unique constraint refuses a second one even under concurrency
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), unique=True)
    item_key: Mapped[str] = mapped_column(String(64), index=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    staff_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    score: Mapped[int] = mapped_column(Integer)
    staff_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)  # masked before storing
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
