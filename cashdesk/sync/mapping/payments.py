"""Payrolls as PaymentReconciliation, payment lines as Invoice, payment events as PaymentNotice."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.models import (
    Household,
    Location,
    PaymentEvent,
    PaymentEventKind,
    PaymentLine,
    PaymentMethod,
    PaymentStatus,
    PayPoint,
    Payroll,
    PayrollStatus,
    Verification,
)
from cashdesk.sync.mapping.base import (
    SYNCED_FIELDS,
    Mapping,
    household_path,
    live,
    minor_units,
    path_of,
    record_values,
    resource,
)
from cashdesk.sync.mapping.elements import (
    Resource,
    common_path,
    identifier_value,
    identifiers,
    reference,
    referenced_id,
)
from cashdesk.sync.mapping.fields import Amount, Code, Field, Integer, Json, Logical, Moment, Ref, Text, Token
from cashdesk.sync.mapping.values import minor_of, moment, money, parse_moment

CYCLE = Ref("Basic")  # a payment cycle (plans.CYCLE)
USER = Logical("user")


def _amount_values(amount: dict[str, Any], units: int, column: str) -> dict[str, Any]:
    return {column: minor_of(amount, units), "currency": amount["currency"]}


# ---- PaymentLine -> Invoice ----

LINE_FIELDS = (
    Field("payroll_id", "payroll", Ref("PaymentReconciliation")),
    Field("cycle_id", "payment-cycle", CYCLE),
    Field("enrolment_id", "enrolment", Ref("Coverage")),
    Field("pay_point_id", "pay-point", Ref("Location")),
    Field("payment_method", "payment-method", Code(PaymentMethod)),
    Field("payment_account", "payment-account", Text()),
    # As they were when the payroll was generated (printed on its sheets):
    Field("household_code", "household-code", Text(blank="")),
    Field("recipient_name", "recipient-name", Text(blank="")),
    Field("recipient_id_number", "recipient-id-number", Text(blank="")),
    Field("position", "position", Integer()),
    Field("status", "payment-status", Code(PaymentStatus)),
    *SYNCED_FIELDS,
)
INVOICE_STATUS = {
    PaymentStatus.PENDING: "issued",
    PaymentStatus.PAID: "balanced",
    PaymentStatus.NOT_PAID: "issued",  # still owed: it may be paid later or carried as arrears
    PaymentStatus.REVERSED: "issued",
    PaymentStatus.CANCELLED: "cancelled",
}


def _arrears(currency: str, units: int) -> tuple[Field, ...]:
    return (Field("arrears_minor", "arrears", Amount(currency, units)),)


def line_to_fhir(line: PaymentLine, *, minor_units: int, location_path: str) -> Resource:
    """What the scheme owes one household (or person) on one payroll; `location_path` is the household's."""
    amount = money(line.amount_minor, line.currency, minor_units)
    return resource(
        "Invoice",
        line,
        (*LINE_FIELDS, *_arrears(line.currency, minor_units)),
        location_path=location_path,
        identifier=identifiers(("transaction-number", line.transaction_number)),
        status=INVOICE_STATUS[line.status] if live(line) else "entered-in-error",
        subject=reference("Group", line.household_id),
        recipient=reference("Patient", line.recipient_member_id) if line.recipient_member_id else None,
        totalNet=amount,
        totalGross=amount,
    )


def line_from_fhir(invoice: Resource, units: int) -> dict[str, Any]:
    recipient = invoice.get("recipient")
    return (
        record_values(invoice, (*LINE_FIELDS, *_arrears("", units)))
        | _amount_values(invoice["totalNet"], units, "amount_minor")
        | {
            "transaction_number": identifier_value(invoice, "transaction-number"),
            "household_id": referenced_id(invoice["subject"], "Group"),
            "recipient_member_id": referenced_id(recipient, "Patient") if recipient else None,
        }
    )


def read_line(session: Session, line: PaymentLine) -> Resource:
    return line_to_fhir(
        line, minor_units=minor_units(session), location_path=household_path(session, line.household_id)
    )


LINE = Mapping(model=PaymentLine, resource_type="Invoice", read=read_line, values=line_from_fhir)

# ---- PaymentEvent -> PaymentNotice ----

EVENT_FIELDS = (
    Field("kind", "payment-event", Code(PaymentEventKind)),
    Field("reason", "not-paid-reason", Token()),  # a code of the scheme's list (non_payment_reasons)
    Field("note", "note", Text(blank="")),
    Field("occurred_at", "occurred-at", Moment()),  # paymentDate is a date; the hour matters too
    Field("recorded_by_id", "recorded-by", USER),
    Field("device_code", "device", Text(blank="")),
    Field("verification", "verification", Code(Verification)),
    Field("alternate_name", "alternate-name", Text(blank="")),
    Field("alternate_id_number", "alternate-id-number", Text(blank="")),
    Field("reverses_id", "reverses", Ref("PaymentNotice")),
    *SYNCED_FIELDS,
)
PAID = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/paymentstatus", "code": "paid"}]}


def event_to_fhir(
    event: PaymentEvent,
    *,
    payroll_id: uuid.UUID,
    provider_id: uuid.UUID,
    minor_units: int,
    location_path: str,
) -> Resource:
    """What happened to a payment. R4 wants a payment (the line's payroll, `payroll_id`) and a recipient
    Organization: the payroll's provider (`provider_id`), through whom the money flows. Who received
    the money is the line's recipient (Invoice.recipient)."""
    return resource(
        "PaymentNotice",
        event,
        EVENT_FIELDS,
        location_path=location_path,
        identifier=identifiers(
            ("receipt-number", event.receipt_number), ("provider-transaction", event.provider_transaction_id)
        ),
        status="active" if live(event) else "entered-in-error",
        request=reference("Invoice", event.line_id),
        created=moment(event.recorded_at),
        payment=reference("PaymentReconciliation", payroll_id),
        paymentDate=event.occurred_at.date().isoformat(),
        recipient=reference("Organization", provider_id),
        amount=money(event.amount_minor, event.currency, minor_units),
        paymentStatus=PAID if event.kind == PaymentEventKind.PAID else None,
    )


def event_from_fhir(notice: Resource, units: int) -> dict[str, Any]:
    return (
        record_values(notice, EVENT_FIELDS)
        | _amount_values(notice["amount"], units, "amount_minor")
        | {
            "line_id": referenced_id(notice["request"], "Invoice"),
            "recorded_at": parse_moment(notice["created"]),
            "receipt_number": identifier_value(notice, "receipt-number"),
            "provider_transaction_id": identifier_value(notice, "provider-transaction"),
        }
    )


def read_event(session: Session, event: PaymentEvent) -> Resource:
    line = session.get_one(PaymentLine, event.line_id)
    payroll = session.get_one(Payroll, line.payroll_id)
    if payroll.provider_id is None:  # generation always sets it, for a pay point's payroll too
        raise ValueError(f"payroll {payroll.code} names no provider")
    return event_to_fhir(
        event,
        payroll_id=payroll.id,
        provider_id=payroll.provider_id,
        minor_units=minor_units(session),
        location_path=household_path(session, line.household_id),
    )


EVENT = Mapping(
    model=PaymentEvent,
    resource_type="PaymentNotice",
    read=read_event,
    values=event_from_fhir,
    local_only=frozenset({"reconciliation_row_id"}),  # the provider's file row, kept where it was read
)

# ---- Payroll -> PaymentReconciliation ----

PAYROLL_FIELDS = (
    Field("cycle_id", "payment-cycle", CYCLE),
    Field("pay_point_id", "pay-point", Ref("Location")),
    Field("status", "payroll-status", Code(PayrollStatus)),
    Field("parameters", "parameters", Json()),
    Field("line_count", "line-count", Integer()),
    Field("generated_by_id", "generated-by", USER),
    Field("generated_at", "generated-at", Moment()),
    Field("approved_by_id", "approved-by", USER),
    Field("approved_at", "approved-at", Moment()),
    Field("rejected_by_id", "rejected-by", USER),
    Field("rejected_at", "rejected-at", Moment()),
    Field("status_note", "status-note", Text(blank="")),
    Field("fingerprint", "fingerprint", Text()),
    Field("reconciled_by_id", "reconciled-by", USER),
    Field("reconciled_at", "reconciled-at", Moment()),
    *SYNCED_FIELDS,
)
RECONCILIATION_STATUS = {
    PayrollStatus.GENERATING: "draft",
    PayrollStatus.PENDING_APPROVAL: "draft",
    PayrollStatus.APPROVED: "active",
    PayrollStatus.RECONCILED: "active",
    PayrollStatus.REJECTED: "cancelled",
    PayrollStatus.FAILED: "cancelled",
}
OUTCOME = {PayrollStatus.RECONCILED: "complete", PayrollStatus.FAILED: "error"}  # otherwise "queued"


def payroll_to_fhir(payroll: Payroll, *, minor_units: int, location_path: str | None) -> Resource:
    """A payroll as a PaymentReconciliation, without `detail`: its lines are Invoices that name it
    (thousands of them, and R4 allows no Patient as a detail's payee). `location_path` is its pay
    point's village, or the place holding all its households (`payroll_path`)."""
    authorised = payroll.approved_at or payroll.generated_at or payroll.created_at
    return resource(
        "PaymentReconciliation",
        payroll,
        PAYROLL_FIELDS,
        location_path=location_path,
        identifier=identifiers(("payroll-code", payroll.code)),
        status=RECONCILIATION_STATUS[payroll.status] if live(payroll) else "entered-in-error",
        created=moment(payroll.created_at),
        paymentIssuer=reference("Organization", payroll.provider_id) if payroll.provider_id else None,
        outcome=OUTCOME.get(payroll.status, "queued"),
        paymentDate=authorised.date().isoformat(),  # required: the day the payroll was authorised
        paymentAmount=money(payroll.total_amount_minor, payroll.currency, minor_units),
    )


def payroll_from_fhir(reconciliation: Resource, units: int) -> dict[str, Any]:
    issuer = reconciliation.get("paymentIssuer")
    return (
        record_values(reconciliation, PAYROLL_FIELDS)
        | _amount_values(reconciliation["paymentAmount"], units, "total_amount_minor")
        | {
            "code": identifier_value(reconciliation, "payroll-code"),
            "provider_id": referenced_id(issuer, "Organization") if issuer else None,
        }
    )


def payroll_path(session: Session, payroll: Payroll) -> str | None:
    if payroll.pay_point_id is not None:
        point = session.get_one(PayPoint, payroll.pay_point_id)
        return path_of(session, point.location_id)
    paths: Iterable[str] = session.execute(
        select(Location.path)
        .distinct()
        .join(Household, Household.location_id == Location.id)
        .join(PaymentLine, PaymentLine.household_id == Household.id)
        .where(PaymentLine.payroll_id == payroll.id)
    ).scalars()
    return common_path(paths)


def read_payroll(session: Session, payroll: Payroll) -> Resource:
    return payroll_to_fhir(
        payroll, minor_units=minor_units(session), location_path=payroll_path(session, payroll)
    )


PAYROLL = Mapping(
    model=Payroll, resource_type="PaymentReconciliation", read=read_payroll, values=payroll_from_fhir
)
