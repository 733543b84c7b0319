"""reconciliation with the provider's result file: outcomes per line, corrected files, saved profiles

Rows of a result file lose their fixed `exception` (a line's category now depends on every answer the
provider gave, so it lives on the line's outcome) and gain the later file that replaced them. Each line of
a payroll being reconciled gets an outcome (category and the supervisor's decision); payrolls record who
closed them as reconciled. Nothing wrote reconciliation rows before this revision, so their table is made
again in its new shape. Two non-payment reasons that only reconciliation writes are added, inactive, so
that clerks never pick them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cashdesk.models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

CATEGORIES = (
    "matched",
    "amount_differs",
    "failed",
    "not_in_file",
    "unknown",
    "duplicate_provider_id",
    "paid_twice",
)
OLD_EXCEPTIONS = (
    "unknown_transaction",
    "missing_from_file",
    "amount_mismatch",
    "duplicate_provider_id",
    "household_paid_twice",
)
PROVIDER_REASONS = [
    ("failed_at_provider", "Failed at the provider", 90),
    ("not_in_provider_file", "Not in the provider's result file", 91),
]


def _rows_table(*, new_shape: bool) -> None:
    last = (
        [
            sa.Column("replaced_by_batch_id", sa.Uuid(), nullable=True),
            sa.ForeignKeyConstraint(
                ["replaced_by_batch_id"],
                ["reconciliation_batches.id"],
                name=op.f("fk_reconciliation_rows_replaced_by_batch_id_reconciliation_batches"),
            ),
        ]
        if new_shape
        else [
            sa.Column(
                "exception",
                sa.Enum(*OLD_EXCEPTIONS, name="reconciliationexception", native_enum=False, length=32),
                nullable=True,
            )
        ]
    )
    op.create_table(
        "reconciliation_rows",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("line_id", sa.Uuid(), nullable=True),
        sa.Column("transaction_number", sa.String(length=32), nullable=True),
        sa.Column("provider_transaction_id", sa.String(length=64), nullable=True),
        sa.Column("account", sa.String(length=64), nullable=True),
        sa.Column("name_returned", sa.String(length=160), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("fee_minor", sa.BigInteger(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("paid", "failed", "pending", "reversed", name="resultstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("raw_status", sa.String(length=64), nullable=True),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.String(length=255), nullable=True),
        sa.Column("completed_at", cashdesk.models.base.UTCDateTime(), nullable=True),
        *last,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["reconciliation_batches.id"],
            name=op.f("fk_reconciliation_rows_batch_id_reconciliation_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["payment_lines.id"], name=op.f("fk_reconciliation_rows_line_id_payment_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_rows")),
    )
    op.create_index(op.f("ix_reconciliation_rows_batch_id"), "reconciliation_rows", ["batch_id"])
    op.create_index(op.f("ix_reconciliation_rows_line_id"), "reconciliation_rows", ["line_id"])
    op.create_index(
        op.f("ix_reconciliation_rows_transaction_number"), "reconciliation_rows", ["transaction_number"]
    )


def upgrade() -> None:
    op.drop_table("reconciliation_rows")
    _rows_table(new_shape=True)
    op.create_table(
        "reconciliation_outcomes",
        sa.Column("payroll_id", sa.Uuid(), nullable=False),
        sa.Column("line_id", sa.Uuid(), nullable=True),
        sa.Column("row_id", sa.Uuid(), nullable=True),
        sa.Column(
            "category",
            sa.Enum(*CATEGORIES, name="reconciliationcategory", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "decision",
            sa.Enum("accept", "mark_unpaid", "flag", name="reconciliationdecision", native_enum=False, length=32),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", cashdesk.models.base.UTCDateTime(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_version", sa.String(length=64), nullable=True),
        sa.Column("created_at", cashdesk.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", cashdesk.models.base.UTCDateTime(), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", cashdesk.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_reconciliation_outcomes_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["payment_lines.id"], name=op.f("fk_reconciliation_outcomes_line_id_payment_lines")
        ),
        sa.ForeignKeyConstraint(
            ["payroll_id"], ["payrolls.id"], name=op.f("fk_reconciliation_outcomes_payroll_id_payrolls")
        ),
        sa.ForeignKeyConstraint(
            ["row_id"],
            ["reconciliation_rows.id"],
            name=op.f("fk_reconciliation_outcomes_row_id_reconciliation_rows"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation_outcomes")),
    )
    op.create_index(op.f("ix_reconciliation_outcomes_dirty"), "reconciliation_outcomes", ["dirty"])
    op.create_index(op.f("ix_reconciliation_outcomes_payroll_id"), "reconciliation_outcomes", ["payroll_id"])
    op.create_index(
        "uq_reconciliation_outcomes_line",
        "reconciliation_outcomes",
        ["line_id"],
        unique=True,
        sqlite_where=sa.text("line_id IS NOT NULL"),
    )
    op.create_index(
        "uq_reconciliation_outcomes_row",
        "reconciliation_outcomes",
        ["row_id"],
        unique=True,
        sqlite_where=sa.text("line_id IS NULL"),
    )
    op.create_table(
        "result_profiles",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("created_at", cashdesk.models.base.UTCDateTime(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_profiles")),
        sa.UniqueConstraint("name", name=op.f("uq_result_profiles_name")),
    )
    # Added in place, not by a batch copy: the payroll's triggers (0007) name the table and would break.
    op.execute(
        "ALTER TABLE payrolls ADD COLUMN reconciled_by_id CHAR(32) "
        "CONSTRAINT fk_payrolls_reconciled_by_id_users REFERENCES users (id)"
    )
    op.add_column("payrolls", sa.Column("reconciled_at", cashdesk.models.base.UTCDateTime(), nullable=True))
    reasons = sa.table(
        "non_payment_reasons",
        sa.column("code", sa.String),
        sa.column("label", sa.String),
        sa.column("needs_note", sa.Boolean),
        sa.column("active", sa.Boolean),
        sa.column("position", sa.Integer),
    )
    op.bulk_insert(
        reasons,
        [
            {"code": code, "label": label, "needs_note": False, "active": False, "position": n}
            for code, label, n in PROVIDER_REASONS
        ],
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM non_payment_reasons WHERE code IN ({})".format(
            ", ".join(f"'{code}'" for code, _label, _n in PROVIDER_REASONS)
        )
    )
    op.drop_column("payrolls", "reconciled_at")
    op.execute("ALTER TABLE payrolls DROP COLUMN reconciled_by_id")
    op.drop_table("result_profiles")
    op.drop_table("reconciliation_outcomes")
    op.drop_table("reconciliation_rows")
    _rows_table(new_shape=False)
