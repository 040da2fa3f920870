"""progress codes: the case's short code hash, one-time SMS codes by phone

Revision ID: c3e9a5f1d7b2
Revises: 5c1e7a9b2d40
Create Date: 2026-11-30 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "c3e9a5f1d7b2"
down_revision: str | Sequence[str] | None = "5c1e7a9b2d40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress_code_hash", sa.String(length=128), nullable=True))
    op.create_table(
        "phone_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_hash", sa.String(length=128), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("phone_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_codes_phone_hash"), ["phone_hash"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_codes_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("phone_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_codes_expires_at"))
        batch_op.drop_index(batch_op.f("ix_phone_codes_phone_hash"))
    op.drop_table("phone_codes")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("progress_code_hash")
