"""payment lines indexed by payroll and position (sheet order)

Approval fingerprints, sheets, slips and payment files all read a payroll's lines in sheet order; with only
an index on payroll_id, SQLite sorted 100,000 lines each time (0.8 s of an approval). The index on
(payroll_id, position) gives them in order and serves every lookup by payroll, so it replaces the index on
payroll_id alone. Plain index operations, not a batch: a batch would rebuild the table and lose its triggers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 01:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_payment_lines_payroll_position", "payment_lines", ["payroll_id", "position"])
    op.drop_index("ix_payment_lines_payroll_id", table_name="payment_lines")


def downgrade() -> None:
    op.create_index("ix_payment_lines_payroll_id", "payment_lines", ["payroll_id"])
    op.drop_index("ix_payment_lines_payroll_position", table_name="payment_lines")
