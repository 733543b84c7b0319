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


def downgrade() -> None:
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_column("contract_to")
        batch_op.drop_column("contract_from")
        batch_op.drop_column("contract_ref")

    with op.batch_alter_table("plan_criteria", schema=None) as batch_op:
        batch_op.drop_column("max_count")

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

    with op.batch_alter_table("pay_points", schema=None) as batch_op:
        batch_op.drop_column("opening_days")

    with op.batch_alter_table("enrolment_status_changes", schema=None) as batch_op:
        batch_op.drop_column("effective_on")

    with op.batch_alter_table("benefit_plans", schema=None) as batch_op:
        batch_op.drop_column("criteria_match")
        batch_op.drop_column("budget_per_cycle_minor")
        batch_op.drop_column("amount_basis")
