"""What the window recorded when a family came in person: one intake per visit, one line per material
(received, promised under 告知承诺/容缺, or still to bring). Names and numbers are not stored here:
the case holds them (encrypted)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm import relationship as orm_relationship

from api.clock import utcnow
from api.db import Base

MATERIAL_STATUSES = ("received", "promised", "pending")


class WindowIntake(Base):
    __tablename__ = "window_intakes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    materials: Mapped[list[IntakeMaterial]] = orm_relationship(
        back_populates="intake", order_by="IntakeMaterial.id", cascade="all, delete-orphan"
    )


class IntakeMaterial(Base):
    __tablename__ = "window_intake_materials"
    __table_args__ = (UniqueConstraint("intake_id", "material_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("window_intakes.id", ondelete="CASCADE"), index=True)
    material_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # received | promised | pending
    promise_due: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    intake: Mapped[WindowIntake] = orm_relationship(back_populates="materials")
