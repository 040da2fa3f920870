"""checklist links (the hotline console's SMS links)

Revision ID: 90413a05b5a9
Revises: e5a7c3b9f120
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "90413a05b5a9"
down_revision: str | Sequence[str] | None = "e5a7c3b9f120"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checklist_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("situation", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("region", sa.String(length=12), nullable=True),
        sa.Column("catalog_version", sa.String(length=32), nullable=False),
        sa.Column("phone_masked", sa.String(length=32), nullable=False),
        sa.Column("sms_status", sa.String(length=16), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("checklist_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checklist_links_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_checklist_links_staff_id"), ["staff_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checklist_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_links_staff_id"))
        batch_op.drop_index(batch_op.f("ix_checklist_links_expires_at"))
    op.drop_table("checklist_links")
