"""The pay point's end of day: what was paid, what was not and why, and the cash position; as a PDF the
clerk signs and hands in with the remaining cash.

Cash received is recorded by the clerk (append-only, as payment events are); disbursed is the sum of the
payments in force recorded paid; remaining is received less disbursed, which the clerk counts against
the cash in hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import CashReceipt, Household, PaymentEvent, PaymentLine, PayPoint, Payroll, Scheme
from cashdesk.models.payments import NonPaymentReasonChoice, PaymentEventKind, PaymentStatus
from cashdesk.payroll.disbursement import payable_payroll
from cashdesk.payroll.money import format_amount, parse_amount
from cashdesk.payroll.pdf import PAGE, fonts, pdf_file
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission


@dataclass(frozen=True)
class DaySummary:
    payroll_code: str
    pay_point: str
    clerk: str
    day: date
    currency: str
    minor_units: int
    due: tuple[int, int]  # (payments, amount) on the payroll
    paid: tuple[int, int]  # in force, whenever recorded
    paid_today: tuple[int, int]
    not_paid: list[tuple[str, int, int]]  # (reason label, payments, amount)
    pending: tuple[int, int]
    paid_instead: tuple[int, int]  # households of this pay point paid here in cash instead of by transfer
    received: int
    remaining: int

    def money(self, minor: int) -> str:
        return format_amount(minor, minor_units=self.minor_units, currency=self.currency)


def record_cash_received(
    session: Session, actor: Actor, *, payroll_code: str, amount: str, note: str = ""
) -> int:
    """Cash the pay point received for the payroll; returns the total received so far (minor units)."""
    actor.require(Permission.RECORD_PAYMENTS)
    payroll = payable_payroll(session, actor, payroll_code)
    scheme = session.execute(select(Scheme)).scalar_one()
    minor = parse_amount(amount, minor_units=scheme.currency_minor_units, where="amount", allow_zero=False)
    receipt = CashReceipt(
        payroll_id=payroll.id,
        amount_minor=minor,
        currency=payroll.currency,
        received_at=datetime.now(UTC),
        recorded_by_id=actor.user_id,
        device_code=scheme.device_code,
        note=note.strip(),
    )
    session.add(receipt)
    session.flush()
    audit.record(
        session,
        actor,
        action="payment.cash_received",
        entity_type="payroll",
        entity_id=payroll.id,
        summary=_("{code}: cash received {amount}").format(
            code=payroll.code,
            amount=format_amount(minor, minor_units=scheme.currency_minor_units, currency=payroll.currency),
        ),
        after=audit.snapshot(receipt),
    )
    return _received(session, payroll.id)


def _received(session: Session, payroll_id: object) -> int:
    return int(
        session.execute(
            select(func.coalesce(func.sum(CashReceipt.amount_minor), 0)).where(
                CashReceipt.payroll_id == payroll_id
            )
        ).scalar_one()
    )


def day_summary(session: Session, actor: Actor, *, payroll_code: str, day: date | None = None) -> DaySummary:
    """The payroll's figures now, with what was paid on `day` (the laptop's local date, today by default)."""
    actor.require(Permission.RECORD_PAYMENTS)
    payroll = payable_payroll(session, actor, payroll_code)
    scheme = session.execute(select(Scheme)).scalar_one()
    day = day or datetime.now().astimezone().date()
    start = datetime.combine(day, time.min).astimezone()
    end = start + timedelta(days=1)

    by_status = {
        status: (int(n), int(total or 0))
        for status, n, total in session.execute(
            select(PaymentLine.status, func.count(), func.sum(PaymentLine.amount_minor))
            .where(PaymentLine.payroll_id == payroll.id)
            .group_by(PaymentLine.status)
        )
    }
    undone = select(PaymentEvent.reverses_id).where(PaymentEvent.reverses_id.is_not(None))
    in_force_paid_today = session.execute(
        select(func.count(), func.coalesce(func.sum(PaymentEvent.amount_minor), 0))
        .join(PaymentLine, PaymentLine.id == PaymentEvent.line_id)
        .where(
            PaymentLine.payroll_id == payroll.id,
            PaymentLine.status == PaymentStatus.PAID,
            PaymentEvent.kind == PaymentEventKind.PAID,
            PaymentEvent.id.not_in(undone),
            PaymentEvent.occurred_at >= start,
            PaymentEvent.occurred_at < end,
        )
    ).one()
    # A not-paid line's reason is its latest event that no reversal undid.
    latest = (
        select(PaymentEvent.line_id, func.max(PaymentEvent.occurred_at).label("at"))
        .join(PaymentLine, PaymentLine.id == PaymentEvent.line_id)
        .where(
            PaymentLine.payroll_id == payroll.id,
            PaymentLine.status == PaymentStatus.NOT_PAID,
            PaymentEvent.kind == PaymentEventKind.NOT_PAID,
            PaymentEvent.id.not_in(undone),
        )
        .group_by(PaymentEvent.line_id)
        .subquery()
    )
    reasons = session.execute(
        select(
            func.coalesce(NonPaymentReasonChoice.label, PaymentEvent.reason),
            func.count(),
            func.sum(PaymentEvent.amount_minor),
        )
        .join(latest, (latest.c.line_id == PaymentEvent.line_id) & (latest.c.at == PaymentEvent.occurred_at))
        .outerjoin(NonPaymentReasonChoice, NonPaymentReasonChoice.code == PaymentEvent.reason)
        .where(PaymentEvent.kind == PaymentEventKind.NOT_PAID, PaymentEvent.id.not_in(undone))
        .group_by(PaymentEvent.reason)
        .order_by(func.count().desc())
    ).all()
    paid = by_status.get(PaymentStatus.PAID, (0, 0))
    instead = _paid_instead(session, payroll, undone)
    received = _received(session, payroll.id)
    point = session.get(PayPoint, payroll.pay_point_id)
    return DaySummary(
        payroll_code=payroll.code,
        pay_point=f"{point.code} {point.name}" if point else "",
        clerk=actor.full_name or actor.username,
        day=day,
        currency=payroll.currency,
        minor_units=scheme.currency_minor_units,
        due=(payroll.line_count, payroll.total_amount_minor),
        paid=paid,
        paid_today=(int(in_force_paid_today[0]), int(in_force_paid_today[1])),
        not_paid=[(str(label), int(n), int(total or 0)) for label, n, total in reasons],
        pending=by_status.get(PaymentStatus.PENDING, (0, 0)),
        paid_instead=instead,
        received=received,
        remaining=received - paid[1] - instead[1],
    )


def _paid_instead(session: Session, payroll: Payroll, undone: object) -> tuple[int, int]:
    """Cash this pay point handed out in the cycle on mobile-money and bank lines (see disbursement)."""
    count, total = session.execute(
        select(func.count(), func.coalesce(func.sum(PaymentEvent.amount_minor), 0))
        .join(PaymentLine, PaymentLine.id == PaymentEvent.line_id)
        .join(Household, Household.id == PaymentLine.household_id)
        .where(
            PaymentLine.cycle_id == payroll.cycle_id,
            PaymentLine.pay_point_id.is_(None),
            Household.preferred_pay_point_id == payroll.pay_point_id,
            PaymentEvent.kind == PaymentEventKind.PAID,
            PaymentEvent.reconciliation_row_id.is_(None),  # the clerk's, not the provider's answer
            PaymentEvent.id.not_in(undone),  # type: ignore[arg-type]
        )
    ).one()
    return int(count), int(total)


def print_day_summary(
    session: Session, actor: Actor, *, payroll_code: str, out: Path, day: date | None = None
) -> DaySummary:
    """The day's summary as a one-page PDF with the clerk's signature box; recorded in the audit."""
    summary = day_summary(session, actor, payroll_code=payroll_code, day=day)
    if summary.due[0] == 0:
        raise ValidationError(_("Payroll {code} has no payments.").format(code=payroll_code))
    font = fonts()
    width, height = PAGE
    rows: list[tuple[str, str, str]] = [
        (_("Payments on the payroll"), f"{summary.due[0]:,}", summary.money(summary.due[1])),
        (_("Paid"), f"{summary.paid[0]:,}", summary.money(summary.paid[1])),
        (_("   of which paid on {day}").format(day=summary.day.isoformat()), f"{summary.paid_today[0]:,}",
         summary.money(summary.paid_today[1])),
        *[(_("Not paid: {reason}").format(reason=label), f"{n:,}", summary.money(total))
          for label, n, total in summary.not_paid],
        (_("Not yet recorded"), f"{summary.pending[0]:,}", summary.money(summary.pending[1])),
        *([(_("Paid in cash instead of mobile money or bank"), f"{summary.paid_instead[0]:,}",
            summary.money(summary.paid_instead[1]))] if summary.paid_instead[0] else []),
        ("", "", ""),
        (_("Cash received"), "", summary.money(summary.received)),
        (_("Cash disbursed"), "", summary.money(summary.paid[1] + summary.paid_instead[1])),
        (_("Cash remaining (to be handed in)"), "", summary.money(summary.remaining)),
    ]  # fmt: skip
    title = _("End of day {day} · payroll {code}").format(
        day=summary.day.isoformat(), code=summary.payroll_code
    )
    with pdf_file(out, title=title, author=summary.clerk) as canvas:
        canvas.setFont(font.bold, 16)
        canvas.drawString(50, height - 60, title)
        canvas.setFont(font.regular, 11)
        canvas.drawString(50, height - 80, _("Pay point {point} · clerk {clerk} · printed {at}").format(
            point=summary.pay_point, clerk=summary.clerk,
            at=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")))  # fmt: skip
        y = height - 120
        for label, count, amount in rows:
            canvas.setFont(font.bold if label.startswith(_("Cash remaining")) else font.regular, 12)
            canvas.drawString(60, y, label)
            canvas.drawRightString(width - 330, y, count)
            canvas.drawRightString(width - 120, y, amount)
            y -= 20
        y -= 30
        canvas.setFont(font.regular, 11)
        canvas.drawString(60, y, _("Clerk's signature: I handed in the cash remaining shown above."))
        canvas.rect(60, y - 70, 300, 55)
        canvas.drawString(380, y - 40, _("Name: {clerk}").format(clerk=summary.clerk))
        canvas.drawString(380, y - 60, _("Date: ______________"))
        canvas.rect(520, y - 70, 250, 55)
        canvas.drawString(530, y - 30, _("Received by (supervisor):"))
        canvas.showPage()
    audit.record(
        session, actor, action="payment.day_summary_printed", entity_type="payroll", entity_id=None,
        summary=_("{code}: end of day {day} printed to {path}").format(
            code=summary.payroll_code, day=summary.day.isoformat(), path=out.name),
    )  # fmt: skip
    return summary


@dataclass(frozen=True)
class DayRecord:
    """One thing recorded on the payroll on a day, newest first in the list a clerk checks."""

    transaction_number: str
    household_code: str
    recipient_name: str
    kind: str  # "paid", "not_paid" or "reversal"
    reason: str  # a not-paid reason's label, or why a record was reversed
    occurred_at: datetime
    amount_minor: int
    undone: bool  # a later reversal undid it


def day_records(
    session: Session, actor: Actor, *, payroll_code: str, day: date | None = None, limit: int = 200
) -> list[DayRecord]:
    """What was recorded on the payroll on `day` (today by default), newest first."""
    actor.require(Permission.RECORD_PAYMENTS)
    payroll = payable_payroll(session, actor, payroll_code)
    day = day or datetime.now().astimezone().date()
    start = datetime.combine(day, time.min).astimezone()
    undone = set(
        session.scalars(
            select(PaymentEvent.reverses_id)
            .join(PaymentLine, PaymentLine.id == PaymentEvent.line_id)
            .where(PaymentLine.payroll_id == payroll.id, PaymentEvent.reverses_id.is_not(None))
        )
    )
    rows = session.execute(
        select(PaymentEvent, PaymentLine.transaction_number, PaymentLine.household_code, PaymentLine.recipient_name,
               NonPaymentReasonChoice.label)
        .join(PaymentLine, PaymentLine.id == PaymentEvent.line_id)
        .outerjoin(NonPaymentReasonChoice, NonPaymentReasonChoice.code == PaymentEvent.reason)
        .where(PaymentLine.payroll_id == payroll.id, PaymentEvent.occurred_at >= start,
               PaymentEvent.occurred_at < start + timedelta(days=1))
        .order_by(PaymentEvent.recorded_at.desc(), PaymentEvent.id.desc())
        .limit(limit)
    )  # fmt: skip
    return [
        DayRecord(number, household, name, event.kind.value,
                  label or (event.note if event.kind == PaymentEventKind.REVERSAL else event.reason or ""),
                  event.occurred_at, event.amount_minor, event.id in undone)
        for event, number, household, name, label in rows
    ]  # fmt: skip
