"""Records pushed by departments (data sharing): deaths, cremations and relationship checks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.clock import utcnow
from api.db import Base


class DeathRecord(Base):
    """A death or cremation record, keyed by the keyed hash of the deceased's ID number."""

    __tablename__ = "death_records"
    __table_args__ = (UniqueConstraint("deceased_id_hash", "kind", name="uq_death_records_hash_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deceased_id_hash: Mapped[str] = mapped_column(String(128), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # death | cremation
    source_department: Mapped[str] = mapped_column(String(64))
    name_enc: Mapped[str] = mapped_column(Text)
    name_masked: Mapped[str] = mapped_column(String(64))
    event_date: Mapped[dt.date] = mapped_column(Date)  # date of death / of cremation
    record_no: Mapped[str] = mapped_column(String(64))  # certificate number at the source
    death_nature: Mapped[str | None] = mapped_column(String(16), nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class RelationshipVerification(Base):
    """A department (民政 / 公安) confirms or denies that the applicant is the stated relative."""

    __tablename__ = "relationship_verifications"
    __table_args__ = (
        UniqueConstraint(
            "deceased_id_hash", "applicant_id_hash", "relationship", name="uq_relationship_verifications_pair"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deceased_id_hash: Mapped[str] = mapped_column(String(128), index=True)
    applicant_id_hash: Mapped[str] = mapped_column(String(128), index=True)
    relationship: Mapped[str] = mapped_column(String(32))
    verified: Mapped[bool] = mapped_column(Boolean)
    source_department: Mapped[str] = mapped_column(String(64))
    record_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), nullable=True)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
