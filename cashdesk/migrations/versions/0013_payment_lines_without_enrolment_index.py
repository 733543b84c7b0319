"""payment lines lose their index on enrolment_id alone

Nothing looks payment lines up by enrolment alone: generation asks within a cycle, and the payroll within a
payroll, both covered by the unique indexes that begin with the cycle and the payroll; enrolments are never
deleted, so no foreign key check needs it either. One index fewer for every line a generation writes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 10:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_payment_lines_enrolment_id", table_name="payment_lines")


def downgrade() -> None:
    op.create_index("ix_payment_lines_enrolment_id", "payment_lines", ["enrolment_id"])
