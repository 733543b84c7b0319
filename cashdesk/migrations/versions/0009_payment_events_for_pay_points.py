"""payment events as pay points record them; the scheme's list of non-payment reasons

Payment events gain the device they were recorded on, how the recipient was verified (with an alternate
collector's name and ID), and the event a reversal undoes; the reason becomes a code of the scheme's own
list, `non_payment_reasons`, seeded with the reasons pay points give. Nothing wrote payment events before
this revision, so the table is made again in its new shape, with its append-only triggers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cashdesk.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

APPEND_ONLY = "payment events are append-only: record a reversal instead"
TRIGGERS = [
    f"""CREATE TRIGGER payment_events_no_rewrite
       BEFORE UPDATE OF line_id, kind, reason, note, amount_minor, currency, occurred_at, recorded_at,
                        recorded_by_id, device_code, verification, alternate_name, alternate_id_number,
                        reverses_id, receipt_number, provider_transaction_id
       ON payment_events
       BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER payment_events_no_delete BEFORE DELETE ON payment_events
       BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
]

REASONS = [
    ("recipient_absent", "Recipient absent", False),
    ("recipient_deceased", "Recipient deceased", False),
    ("identity_mismatch", "ID does not match", False),
    ("moved_away", "Moved away", False),
    ("refused", "Refused the payment", False),
    ("out_of_cash", "Pay point ran out of cash", False),
    ("other", "Other (say what happened)", True),
]


def _events_table(*, new_shape: bool) -> None:
    synced = [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("server_version", sa.String(length=64), nullable=True),
        sa.Column("created_at", cashdesk.models.base.UTCDateTime(), nullable=False),
        sa.Column("updated_at", cashdesk.models.base.UTCDateTime(), nullable=False),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", cashdesk.models.base.UTCDateTime(), nullable=True),
    ]
    reason: sa.types.TypeEngine[str] = (
        sa.String(length=32)
        if new_shape
        else sa.Enum(
            "recipient_absent",
            "recipient_deceased",
            "no_identity_document",
            "identity_mismatch",
            "refused",
            "account_invalid",
            "funds_unavailable",
            "network_failure",
            "other",
            name="nonpaymentreason",
            native_enum=False,
            length=32,
        )
    )
    extra = (
        [
            sa.Column("device_code", sa.String(length=8), nullable=False),
            sa.Column(
                "verification",
                sa.Enum(
                    "id_document",
                    "known_to_clerk",
                    "alternate",
                    name="verification",
                    native_enum=False,
                    length=32,
                ),
                nullable=True,
            ),
            sa.Column("alternate_name", sa.String(length=160), nullable=False),
            sa.Column("alternate_id_number", sa.String(length=64), nullable=False),
            sa.Column("reverses_id", sa.Uuid(), nullable=True),
            sa.ForeignKeyConstraint(
                ["reverses_id"],
                ["payment_events.id"],
                name=op.f("fk_payment_events_reverses_id_payment_events"),
            ),
        ]
        if new_shape
        else []
    )
    op.create_table(
        "payment_events",
        sa.Column("line_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("paid", "not_paid", "reversal", name="paymenteventkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("reason", reason, nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("occurred_at", cashdesk.models.base.UTCDateTime(), nullable=False),
        sa.Column("recorded_at", cashdesk.models.base.UTCDateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=True),
        sa.Column("receipt_number", sa.String(length=64), nullable=True),
        sa.Column("provider_transaction_id", sa.String(length=64), nullable=True),
        sa.Column("reconciliation_row_id", sa.Uuid(), nullable=True),
        *extra,
        *synced,
        sa.ForeignKeyConstraint(
            ["line_id"], ["payment_lines.id"], name=op.f("fk_payment_events_line_id_payment_lines")
        ),
        sa.ForeignKeyConstraint(
            ["reconciliation_row_id"],
            ["reconciliation_rows.id"],
            name=op.f("fk_payment_events_reconciliation_row_id_reconciliation_rows"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_payment_events_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
    )
    op.create_index(op.f("ix_payment_events_dirty"), "payment_events", ["dirty"])
    op.create_index(op.f("ix_payment_events_line_id"), "payment_events", ["line_id"])
    op.create_index(
        op.f("ix_payment_events_provider_transaction_id"), "payment_events", ["provider_transaction_id"]
    )


def upgrade() -> None:
    op.drop_table("payment_events")  # never written before this revision; its triggers go with it
    _events_table(new_shape=True)
    for statement in TRIGGERS:
        op.execute(statement)
    reasons = op.create_table(
        "non_payment_reasons",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("needs_note", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_non_payment_reasons")),
    )
    op.bulk_insert(
        reasons,
        [
            {"code": code, "label": label, "needs_note": note, "active": True, "position": n}
            for n, (code, label, note) in enumerate(REASONS, start=1)
        ],
    )


def downgrade() -> None:
    op.drop_table("non_payment_reasons")
    op.drop_table("payment_events")
    _events_table(new_shape=False)
    for statement in TRIGGERS:
        op.execute(
            statement.replace(
                "recorded_by_id, device_code, verification, alternate_name, alternate_id_number,\n"
                "                        reverses_id, receipt_number",
                "recorded_by_id, receipt_number",
            )
        )
