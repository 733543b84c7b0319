"""arrears: a plan may carry unpaid lines of reconciled payrolls into the beneficiary's next payment

Plans gain `carry_arrears`; payment lines the part of their amount that is arrears; `payment_arrears` says
which unpaid line went into which later line (each carried once). Columns are added in place: the
payment lines' triggers (0007) name the table and a batch copy would break them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "benefit_plans", sa.Column("carry_arrears", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "payment_lines", sa.Column("arrears_minor", sa.BigInteger(), nullable=False, server_default="0")
    )
    op.create_table(
        "payment_arrears",
        sa.Column("from_line_id", sa.Uuid(), nullable=False),
        sa.Column("into_line_id", sa.Uuid(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_line_id"], ["payment_lines.id"], name=op.f("fk_payment_arrears_from_line_id_payment_lines")
        ),
        sa.ForeignKeyConstraint(
            ["into_line_id"], ["payment_lines.id"], name=op.f("fk_payment_arrears_into_line_id_payment_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_arrears")),
        sa.UniqueConstraint("from_line_id", name=op.f("uq_payment_arrears_from_line_id")),
    )
    op.create_index(op.f("ix_payment_arrears_into_line_id"), "payment_arrears", ["into_line_id"])


def downgrade() -> None:
    op.drop_table("payment_arrears")
    op.drop_column("payment_lines", "arrears_minor")
    op.drop_column("benefit_plans", "carry_arrears")
