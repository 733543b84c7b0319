"""What the payroll sheet, the payment slips and the provider's payment file share: only an approved
payroll leaves CashDesk, its lines are read in sheet order a batch at a time (a 100,000-line payroll is
never all in memory), and each print or export is written to the audit trail."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import PaymentLine, PayPoint, Scheme
from cashdesk.models.payments import PayrollStatus
from cashdesk.payroll.money import format_amount
from cashdesk.payroll.queries import PayrollSummary, payroll_by_code, summarise
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

RELEASED = (PayrollStatus.APPROVED, PayrollStatus.RECONCILED)
BATCH = 2000


@dataclass(frozen=True)
class Line:
    position: int
    transaction_number: str
    household_code: str
    recipient_name: str
    id_number: str
    payment_method: str
    account: str
    amount_minor: int


@dataclass(frozen=True)
class Released:
    """An approved payroll and what its documents print around the lines."""

    summary: PayrollSummary
    scheme_name: str
    pay_point_address: str
    opening_days: str
    printed_by: str
    printed_at: datetime

    def money(self, minor: int, *, currency: bool = True) -> str:
        return format_amount(
            minor,
            minor_units=self.summary.minor_units,
            currency=self.summary.currency if currency else "",
        )

    @property
    def where(self) -> str:
        s = self.summary
        if s.pay_point_code:
            return f"{s.pay_point_code} {s.pay_point_name} ({s.provider_name})"
        return f"{s.provider_code} {s.provider_name}"


@dataclass(frozen=True)
class Printed:
    path: Path
    pages: int
    rows: int
    total_minor: int
    fonts_embedded: bool = True


def released(session: Session, actor: Actor, code: str, *, now: datetime) -> Released:
    """The payroll `code` if the actor may print it and it is approved; otherwise a message saying why."""
    actor.require(Permission.PRINT_PAYROLLS)
    payroll = payroll_by_code(session, code)
    if payroll.status not in RELEASED:
        raise ValidationError(
            _(
                "Payroll {code} is {status}: only an approved payroll is printed or exported "
                "(cashdesk payroll approve {code})."
            ).format(code=payroll.code, status=payroll.status.value.replace("_", " ")),
            field="code",
        )
    point = session.get(PayPoint, payroll.pay_point_id) if payroll.pay_point_id else None
    return Released(
        summary=summarise(session, payroll),
        scheme_name=session.execute(select(Scheme.name)).scalar_one(),
        pay_point_address=(point.address or "") if point else "",
        opening_days=point.opening_days.replace(",", ", ") if point else "",
        printed_by=actor.full_name or actor.username,
        printed_at=now,
    )


def lines(session: Session, payroll_id: uuid.UUID) -> Iterator[Line]:
    """The payroll's lines in sheet order, fetched BATCH at a time."""
    rows = session.execute(
        select(
            PaymentLine.position,
            PaymentLine.transaction_number,
            PaymentLine.household_code,
            PaymentLine.recipient_name,
            PaymentLine.recipient_id_number,
            PaymentLine.payment_method,
            PaymentLine.payment_account,
            PaymentLine.amount_minor,
        )
        .where(PaymentLine.payroll_id == payroll_id)
        .order_by(PaymentLine.position)
        .execution_options(yield_per=BATCH)
    )
    for row in rows:
        yield Line(
            row.position,
            row.transaction_number,
            row.household_code,
            row.recipient_name,
            row.recipient_id_number or "",
            row.payment_method.value,
            row.payment_account or "",
            int(row.amount_minor),
        )


def record_release(
    session: Session, actor: Actor, document: Released, *, action: str, what: str, path: Path, pages: int = 0
) -> None:
    """One audit entry for a printed or exported payroll: who took these people's data out, and where."""
    s = document.summary
    audit.record(
        session,
        actor,
        action=action,
        entity_type="payroll",
        entity_id=s.id,
        summary=_("{code}: {what} of {n:,} payments ({total}) to {file}").format(
            code=s.code, what=what, n=s.line_count, total=document.money(s.total_minor), file=path.name
        ),
        after={"file": str(path), "pages": pages, "lines": s.line_count, "fingerprint": s.fingerprint},
    )
