"""regional settings history and window intakes

Revision ID: d8f2b6a4c901
Revises: f1a9d3c5b7e2
Create Date: 2026-11-30 08:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "d8f2b6a4c901"
down_revision: str | Sequence[str] | None = "b7d2c4e81f03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "region_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reverts_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["reverts_id"], ["region_changes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("region_changes", schema=None) as batch_op:
        batch_op.create_index("ix_region_changes_setting", ["region", "kind", "target"], unique=False)

    op.create_table(
        "window_intakes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("window_intakes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_window_intakes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "window_intake_materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("material_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("promise_due", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["intake_id"], ["window_intakes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("intake_id", "material_key"),
    )
    with op.batch_alter_table("window_intake_materials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_window_intake_materials_intake_id"), ["intake_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("window_intake_materials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_window_intake_materials_intake_id"))
    op.drop_table("window_intake_materials")
    with op.batch_alter_table("window_intakes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_window_intakes_case_id"))
    op.drop_table("window_intakes")
    with op.batch_alter_table("region_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_region_changes_setting")
    op.drop_table("region_changes")
