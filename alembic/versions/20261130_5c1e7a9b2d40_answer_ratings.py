"""answer ratings (the website widget's 有帮助 / 没帮助)

Revision ID: 5c1e7a9b2d40
Revises: ae20fa5fd463
Create Date: 2026-11-30 07:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "5c1e7a9b2d40"
down_revision: str | Sequence[str] | None = "ae20fa5fd463"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "answer_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation", "message_id", name="uq_answer_ratings_message"),
    )
    with op.batch_alter_table("answer_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_ratings_conversation"), ["conversation"], unique=False)
        batch_op.create_index(batch_op.f("ix_answer_ratings_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("answer_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_ratings_created_at"))
        batch_op.drop_index(batch_op.f("ix_answer_ratings_conversation"))
    op.drop_table("answer_ratings")
