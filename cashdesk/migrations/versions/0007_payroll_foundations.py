"""providers' contracts, plan amount rules and budgets, payroll fingerprint and frozen line details

Payment lines keep the household code, recipient and ID number as generated (an approved payroll and its
printed sheets never change) and their cycle, so that a partial unique index refuses a household twice in
one cycle. No payment line exists before this revision (nothing generated payrolls), so the new NOT NULL
columns of payment_lines need no default; the other tables' new columns get one for the rows they have.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 04:05:29.850242
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cashdesk.models.base


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


# An approved (or reconciled) payroll never changes: what was approved, fingerprinted and printed is what is
# paid. The sync bookkeeping columns, the payment status and the recipient's record (a duplicate merge moves
# the line to the kept record; the printed name stays) may still change.
FROZEN_COLUMNS = (
    "payroll_id, cycle_id, transaction_number, enrolment_id, household_id, pay_point_id, payment_method, "
    "payment_account, amount_minor, currency, household_code, recipient_name, recipient_id_number, position"
)
APPROVED = "(SELECT status FROM payrolls WHERE id = OLD.payroll_id) IN ('approved', 'reconciled')"
TRIGGERS = [
    f"""CREATE TRIGGER payment_lines_frozen_when_approved BEFORE UPDATE OF {FROZEN_COLUMNS} ON payment_lines
    WHEN {APPROVED} BEGIN SELECT RAISE(ABORT, 'an approved payroll cannot change'); END""",
    f"""CREATE TRIGGER payment_lines_kept_when_approved BEFORE DELETE ON payment_lines
    WHEN {APPROVED} BEGIN SELECT RAISE(ABORT, 'an approved payroll cannot change'); END""",
]


def upgrade() -> None:
    with op.batch_alter_table("benefit_plans", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "amount_basis",
                sa.Enum("household", "member", name="amountbasis", native_enum=False, length=32),
                nullable=False,
                server_default="household",
            )
        )
        batch_op.add_column(sa.Column("budget_per_cycle_minor", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "criteria_match",
                sa.Enum("all", "any", name="criteriamatch", native_enum=False, length=32),
                nullable=False,
                server_default="all",
            )
        )

    with op.batch_alter_table("enrolment_status_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("effective_on", sa.Date(), nullable=True))

    with op.batch_alter_table("pay_points", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("opening_days", sa.String(length=40), nullable=False, server_default="")
        )

    with op.batch_alter_table("payment_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cycle_id", sa.Uuid(), nullable=False))
        batch_op.add_column(sa.Column("household_code", sa.String(length=24), nullable=False))
        batch_op.add_column(sa.Column("recipient_name", sa.String(length=200), nullable=False))
        batch_op.add_column(sa.Column("recipient_id_number", sa.String(length=64), nullable=False))
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=False))
        batch_op.create_index(
            "uq_payment_lines_cycle_enrolment",
            ["cycle_id", "enrolment_id"],
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_payment_lines_cycle_id_payment_cycles"), "payment_cycles", ["cycle_id"], ["id"]
        )

    with op.batch_alter_table("payrolls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejected_by_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("rejected_at", cashdesk.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_payrolls_rejected_by_id_users"), "users", ["rejected_by_id"], ["id"]
        )

    with op.batch_alter_table("plan_criteria", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_count", sa.Integer(), nullable=True))

    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contract_ref", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("contract_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("contract_to", sa.Date(), nullable=True))


    for statement in TRIGGERS:
        op.execute(statement)


def _drop_column(table: str, column: str) -> None:
    # SQLite's own DROP COLUMN, not a batch copy of the table: dropping a table that other rows point at
    # (households at providers and pay points) fails while foreign keys are enforced.
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def downgrade() -> None:
    for name in ("payment_lines_frozen_when_approved", "payment_lines_kept_when_approved"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    _drop_column("providers", "contract_to")
    _drop_column("providers", "contract_from")
    _drop_column("providers", "contract_ref")

    _drop_column("plan_criteria", "max_count")

    with op.batch_alter_table("payrolls", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payrolls_rejected_by_id_users"), type_="foreignkey")
        batch_op.drop_column("fingerprint")
        batch_op.drop_column("rejected_at")
        batch_op.drop_column("rejected_by_id")

    with op.batch_alter_table("payment_lines", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_payment_lines_cycle_id_payment_cycles"), type_="foreignkey")
        batch_op.drop_index("uq_payment_lines_cycle_enrolment", sqlite_where=sa.text("status != 'cancelled'"))
        batch_op.drop_column("position")
        batch_op.drop_column("recipient_id_number")
        batch_op.drop_column("recipient_name")
        batch_op.drop_column("household_code")
        batch_op.drop_column("cycle_id")

    _drop_column("pay_points", "opening_days")

    _drop_column("enrolment_status_changes", "effective_on")

    _drop_column("benefit_plans", "criteria_match")
    _drop_column("benefit_plans", "budget_per_cycle_minor")
    _drop_column("benefit_plans", "amount_basis")
