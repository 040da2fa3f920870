"""有帮助 / 没帮助: one row per rated answer of the assistant (the widget's thumbs)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.clock import utcnow
from api.db import Base


class AnswerRating(Base):
    __tablename__ = "answer_ratings"
    # a family may change its mind about one answer: the second rating replaces the first
    __table_args__ = (UniqueConstraint("conversation", "message_id", name="uq_answer_ratings_message"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # a keyed hash of the conversation's sender id (never the id itself)
    conversation: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column(Boolean)
    # the start of the rated answer, masked, so a supervisor can see what was unhelpful
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    channel: Mapped[str] = mapped_column(String(16), default="web")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
