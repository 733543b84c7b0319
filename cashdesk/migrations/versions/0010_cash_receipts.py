"""cash a pay point received for a payroll, append-only, for the end-of-day summary

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 08:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cashdesk.models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KEPT = "cash receipts are append-only: record a correction instead"


def upgrade() -> None:
    op.create_table(
        "cash_receipts",
        sa.Column("payroll_id", sa.Uuid(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("received_at", cashdesk.models.base.UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("device_code", sa.String(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_version", sa.String(length=64), nullable=True),
        sa.Column("created_at", cashdesk.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", cashdesk.models.base.UTCDateTime(), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", cashdesk.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["payroll_id"], ["payrolls.id"], name=op.f("fk_cash_receipts_payroll_id_payrolls")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_cash_receipts_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_receipts")),
    )
    op.create_index(op.f("ix_cash_receipts_dirty"), "cash_receipts", ["dirty"])
    op.create_index(op.f("ix_cash_receipts_payroll_id"), "cash_receipts", ["payroll_id"])
    op.execute(
        f"""CREATE TRIGGER cash_receipts_no_rewrite
        BEFORE UPDATE OF payroll_id, amount_minor, currency, received_at, recorded_by_id, device_code, note
        ON cash_receipts BEGIN SELECT RAISE(ABORT, '{KEPT}'); END"""
    )
    op.execute(
        f"""CREATE TRIGGER cash_receipts_no_delete BEFORE DELETE ON cash_receipts
        BEGIN SELECT RAISE(ABORT, '{KEPT}'); END"""
    )


def downgrade() -> None:
    op.drop_table("cash_receipts")
