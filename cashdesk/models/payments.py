"""Payrolls, their payment lines, what happened to each payment, and reconciliation with a PSP."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from cashdesk.models.base import Base, Money, Synced, UUIDKey, enum_column, utcnow
from cashdesk.models.registry import PaymentMethod


class PayrollStatus(enum.StrEnum):
    GENERATING = "generating"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"  # openIMIS: APPROVE_FOR_PAYMENT
    REJECTED = "rejected"
    FAILED = "failed"
    RECONCILED = "reconciled"


class Payroll(Synced, Base):
    __tablename__ = "payrolls"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_cycles.id"), index=True)
    pay_point_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pay_points.id"), index=True)
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"), index=True)
    status: Mapped[PayrollStatus] = mapped_column(
        enum_column(PayrollStatus), default=PayrollStatus.GENERATING
    )
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)  # to re-run a failed generation
    line_count: Mapped[int] = mapped_column(default=0)
    total_amount_minor: Mapped[int] = mapped_column(Money, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    generated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    generated_at: Mapped[datetime | None]
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    rejected_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    rejected_at: Mapped[datetime | None]
    status_note: Mapped[str] = mapped_column(Text, default="")
    # SHA-256 of the payroll's contents, fixed at approval and printed on every sheet.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    # Closed as reconciled (migration 0011): by someone other than whoever imported the provider's files.
    reconciled_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reconciled_at: Mapped[datetime | None]


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    NOT_PAID = "not_paid"
    REVERSED = "reversed"
    CANCELLED = "cancelled"  # its payroll was rejected: the household may go on a new payroll


class PaymentLine(Synced, Base):
    __tablename__ = "payment_lines"
    __table_args__ = (
        Index("uq_payment_lines_payroll_enrolment", "payroll_id", "enrolment_id", unique=True),
        # Sheet order: approval, sheets and files read a payroll's lines by position (migration 0008).
        Index("ix_payment_lines_payroll_position", "payroll_id", "position"),
        # Never twice in one cycle: the database itself refuses a second live line.
        Index(
            "uq_payment_lines_cycle_enrolment",
            "cycle_id",
            "enrolment_id",
            unique=True,
            sqlite_where=text("status != 'cancelled'"),
        ),
    )

    payroll_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payrolls.id"))
    cycle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_cycles.id"))
    # Unique and traceable: printed on the sheet, quoted by the PSP in its result file.
    transaction_number: Mapped[str] = mapped_column(String(32), unique=True)
    # No index of its own (migration 0013): enrolments are never deleted, and the lines of an enrolment are
    # looked up within a cycle or a payroll, which the two unique indexes below cover.
    enrolment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrolments.id"))
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    recipient_member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"))
    pay_point_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pay_points.id"), index=True)
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod))
    payment_account: Mapped[str | None] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    # As they were when the payroll was generated: an approved payroll, and its sheets, never change.
    household_code: Mapped[str] = mapped_column(String(24), default="")
    recipient_name: Mapped[str] = mapped_column(String(200), default="")
    recipient_id_number: Mapped[str] = mapped_column(String(64), default="")
    position: Mapped[int] = mapped_column(default=0)  # row on the sheet
    arrears_minor: Mapped[int] = mapped_column(
        Money, default=0
    )  # part of the amount carried from unpaid lines
    status: Mapped[PaymentStatus] = mapped_column(enum_column(PaymentStatus), default=PaymentStatus.PENDING)


class PaymentArrears(UUIDKey, Base):
    """An unpaid line of a reconciled payroll carried into a later payment of the same beneficiary. A line
    is carried once (unique); the row goes when the payroll it went into is rejected, so it can go again."""

    __tablename__ = "payment_arrears"

    from_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_lines.id"), unique=True)
    into_line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_lines.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(Money)


class PaymentEventKind(enum.StrEnum):
    PAID = "paid"
    NOT_PAID = "not_paid"
    REVERSAL = "reversal"


class NonPaymentReason(enum.StrEnum):
    """The reasons every scheme starts with (migration 0009); a scheme may add its own codes."""

    RECIPIENT_ABSENT = "recipient_absent"
    RECIPIENT_DECEASED = "recipient_deceased"
    IDENTITY_MISMATCH = "identity_mismatch"
    MOVED_AWAY = "moved_away"
    REFUSED = "refused"
    OUT_OF_CASH = "out_of_cash"
    OTHER = "other"
    # Written by reconciliation from the provider's answer, never chosen by a clerk (inactive in the list).
    FAILED_AT_PROVIDER = "failed_at_provider"
    NOT_IN_PROVIDER_FILE = "not_in_provider_file"


class NonPaymentReasonChoice(Base):
    """A reason a pay point may give for not paying, as the scheme configures the list."""

    __tablename__ = "non_payment_reasons"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    needs_note: Mapped[bool] = mapped_column(default=False)  # "other": the clerk says what happened
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)


class Verification(enum.StrEnum):
    """How the clerk knew the person paid was the recipient."""

    ID_DOCUMENT = "id_document"
    KNOWN_TO_CLERK = "known_to_clerk"
    ALTERNATE = "alternate"  # someone else collected, with their name and ID


class PaymentEvent(Synced, Base):
    """What happened to a payment. Append-only (triggers of migrations 0001 and 0009): a mistake is
    corrected by a reversal event. Each carries the device it was recorded on and its own UUID, so events
    of many devices merge without conflict."""

    __tablename__ = "payment_events"

    line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_lines.id"), index=True)
    kind: Mapped[PaymentEventKind] = mapped_column(enum_column(PaymentEventKind))
    reason: Mapped[str | None] = mapped_column(String(32))  # a NonPaymentReasonChoice code
    note: Mapped[str] = mapped_column(Text, default="")
    amount_minor: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime]  # when the money changed hands, not when it was typed in
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    device_code: Mapped[str] = mapped_column(String(8))
    verification: Mapped[Verification | None] = mapped_column(enum_column(Verification))
    alternate_name: Mapped[str] = mapped_column(String(160), default="")
    alternate_id_number: Mapped[str] = mapped_column(String(64), default="")
    reverses_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment_events.id"))
    receipt_number: Mapped[str | None] = mapped_column(String(64))
    provider_transaction_id: Mapped[str | None] = mapped_column(String(64), index=True)
    reconciliation_row_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reconciliation_rows.id"))


class ReconciliationStatus(enum.StrEnum):
    LOADED = "loaded"
    APPLIED = "applied"
    DISCARDED = "discarded"


class ReconciliationBatch(Synced, Base):
    __tablename__ = "reconciliation_batches"

    payroll_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payrolls.id"), index=True)
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ReconciliationStatus] = mapped_column(
        enum_column(ReconciliationStatus), default=ReconciliationStatus.LOADED
    )
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ResultStatus(enum.StrEnum):
    PAID = "paid"
    FAILED = "failed"
    PENDING = "pending"
    REVERSED = "reversed"


class ReconciliationCategory(enum.StrEnum):
    """Where a payroll line (or a row of the provider's file) ends after matching by transaction number."""

    MATCHED = "matched"  # paid, the amount due
    AMOUNT_DIFFERS = "amount_differs"  # paid, but more or less than due
    FAILED = "failed"  # the provider could not pay (its reason is kept)
    NOT_IN_FILE = "not_in_file"  # no answer from the provider (or still pending there)
    UNKNOWN = "unknown"  # a row of the file whose transaction number is not on the payroll
    DUPLICATE_PROVIDER_ID = "duplicate_provider_id"  # one provider transaction id on two rows
    PAID_TWICE = "paid_twice"  # paid by the provider and in cash at a pay point (or twice by the provider)


class ReconciliationDecision(enum.StrEnum):
    ACCEPT = "accept"  # take the provider's answer (paid at its amount; an unknown row acknowledged)
    MARK_UNPAID = "mark_unpaid"
    FLAG = "flag"  # to be investigated, with a note: not yet an outcome


class ReconciliationRow(UUIDKey, Base):
    """One row of a provider's result file, in a common shape whatever the provider's format. Kept when a
    corrected file gives a new answer for its line: `replaced_by_batch_id` then names that file."""

    __tablename__ = "reconciliation_rows"

    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reconciliation_batches.id"), index=True)
    source_row: Mapped[int]
    line_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment_lines.id"), index=True)
    transaction_number: Mapped[str | None] = mapped_column(String(32), index=True)
    provider_transaction_id: Mapped[str | None] = mapped_column(String(64))
    account: Mapped[str | None] = mapped_column(String(64))
    name_returned: Mapped[str | None] = mapped_column(String(160))
    amount_minor: Mapped[int | None] = mapped_column(Money)
    currency: Mapped[str | None] = mapped_column(String(3))
    fee_minor: Mapped[int | None] = mapped_column(Money)
    status: Mapped[ResultStatus] = mapped_column(enum_column(ResultStatus))
    raw_status: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(String(255))
    completed_at: Mapped[datetime | None]
    replaced_by_batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reconciliation_batches.id"))


class ReconciliationOutcome(Synced, Base):
    """Where one payroll line (or one unknown row of a file) stands in the payroll's reconciliation: its
    category against the provider's current answer, and the supervisor's decision on it. Matching again
    after a corrected file updates the category; a decision made on an answer that changed is cleared
    (the audit trail keeps it)."""

    __tablename__ = "reconciliation_outcomes"
    __table_args__ = (
        Index(
            "uq_reconciliation_outcomes_line",
            "line_id",
            unique=True,
            sqlite_where=text("line_id IS NOT NULL"),
        ),
        Index("uq_reconciliation_outcomes_row", "row_id", unique=True, sqlite_where=text("line_id IS NULL")),
    )

    payroll_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payrolls.id"), index=True)
    line_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payment_lines.id"))
    row_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reconciliation_rows.id"))
    category: Mapped[ReconciliationCategory] = mapped_column(enum_column(ReconciliationCategory))
    decision: Mapped[ReconciliationDecision | None] = mapped_column(enum_column(ReconciliationDecision))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]


class ResultProfile(UUIDKey, Base):
    """A saved column mapping for providers' result files: field -> the file's column."""

    __tablename__ = "result_profiles"

    name: Mapped[str] = mapped_column(String(80), unique=True)
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CashReceipt(Synced, Base):
    """Cash a pay point received for a payroll (from the provider, a float top-up). Append-only like payment
    events: the day's summary sets what came in against what was paid out."""

    __tablename__ = "cash_receipts"

    payroll_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payrolls.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    received_at: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    device_code: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
