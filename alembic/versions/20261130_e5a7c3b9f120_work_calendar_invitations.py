"""work calendar (statistics in SQL), proactive invitations and SMS opt-outs, one rating per case and item

Revision ID: e5a7c3b9f120
Revises: f1a9d3c5b7e2
Create Date: 2026-11-30 08:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "e5a7c3b9f120"
down_revision: str | Sequence[str] | None = "f1a9d3c5b7e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "work_calendar",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("workday_seq", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("covered", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    with op.batch_alter_table("work_calendar", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_calendar_week_start"), ["week_start"], unique=False)

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.Column("deceased_id_hash", sa.String(length=128), nullable=False),
        sa.Column("source_department", sa.String(length=64), nullable=False),
        sa.Column("contact_phone_enc", sa.Text(), nullable=True),
        sa.Column("contact_phone_hash", sa.String(length=128), nullable=False),
        sa.Column("contact_phone_masked", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("send_after", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("opt_out_token_hash", sa.String(length=64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
        sa.UniqueConstraint("opt_out_token_hash"),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invitations_contact_phone_hash"), ["contact_phone_hash"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_invitations_deceased_id_hash"), ["deceased_id_hash"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_invitations_send_after"), ["send_after"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_status"), ["status"], unique=False)

    op.create_table(
        "sms_opt_outs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_hash", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phone_hash"),
    )

    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_ratings_case_item", ["case_id", "item_key"])


def downgrade() -> None:
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_constraint("uq_ratings_case_item", type_="unique")
    op.drop_table("sms_opt_outs")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_status"))
        batch_op.drop_index(batch_op.f("ix_invitations_send_after"))
        batch_op.drop_index(batch_op.f("ix_invitations_deceased_id_hash"))
        batch_op.drop_index(batch_op.f("ix_invitations_contact_phone_hash"))
    op.drop_table("invitations")
    with op.batch_alter_table("work_calendar", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_calendar_week_start"))
    op.drop_table("work_calendar")
