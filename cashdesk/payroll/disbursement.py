"""Recording at the pay point: each payment paid, or not paid with a reason, and mistakes reversed.

Every record is a new payment event (never an edit: the table's triggers refuse one), written in the
caller's one transaction with its audit entry; the database runs with synchronous=FULL, so once the call
returns the event survives a power cut. The line's status is kept beside its events for the lists: the
latest event that no reversal undid says whether it is paid, not paid or (with none) still pending.

A clerk records only on approved payrolls of their own pay points. A second payment is refused with the
details of the first: for this line, or for another line of the same cycle paying the same household (or,
in a plan for individuals, the same person), whoever recorded it on this device.

Cash instead of mobile money or bank: a household whose transfer did not arrive may come to its preferred
pay point. The clerk finds its line by transaction number (from the slip or the message) on the approved
mobile-money or bank payroll and may record it paid in cash there (never "not paid": that is the
provider's to say). The provider may have paid it after all; reconciliation then flags it paid twice.
Such payments count in that pay point's cash disbursed for the cycle.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import NotFound, PermissionDenied, ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import (
    BenefitPlan,
    Household,
    PaymentCycle,
    PaymentEvent,
    PaymentLine,
    PayPoint,
    Payroll,
    Scheme,
    User,
)
from cashdesk.models.payments import (
    NonPaymentReasonChoice,
    PaymentEventKind,
    PaymentStatus,
    PayrollStatus,
    Verification,
)
from cashdesk.payroll import numbers
from cashdesk.payroll.money import format_amount
from cashdesk.payroll.queries import payroll_by_code
from cashdesk.payroll.sync_freeze import require_not_frozen
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

SEARCH_LIMIT = 50


@dataclass(frozen=True)
class Recorded:
    """An event still in force on a line: who recorded what, when, on which device."""

    event_id: uuid.UUID
    kind: str  # "paid" or "not_paid"
    transaction_number: str
    occurred_at: datetime
    recorded_by: str
    device: str
    reason: str  # the reason's label, for "not paid"
    note: str


@dataclass(frozen=True)
class PaymentCard:
    """What the pay point screen shows for one payment line."""

    line_id: uuid.UUID
    payroll_code: str
    transaction_number: str
    household_code: str
    recipient_name: str
    id_number: str
    amount_minor: int
    currency: str
    amount_text: str
    status: str
    current: Recorded | None  # the event in force on this line, if any
    other_paid: Recorded | None  # the same household (person) paid on another line of the cycle
    cash_instead_of: str = ""  # "mobile money" or "bank" when a pay point would pay this line in cash


@dataclass(frozen=True)
class ReasonRow:
    code: str
    label: str
    needs_note: bool


def reasons(session: Session, actor: Actor) -> list[ReasonRow]:
    """The scheme's active non-payment reasons, in the order it lists them."""
    actor.require(Permission.VIEW_PAYROLLS)
    rows = session.scalars(
        select(NonPaymentReasonChoice)
        .where(NonPaymentReasonChoice.active)
        .order_by(NonPaymentReasonChoice.position, NonPaymentReasonChoice.code)
    )
    return [ReasonRow(r.code, r.label, r.needs_note) for r in rows]


# --- reading ---------------------------------------------------------------------------------------


def _recorded(session: Session, event: PaymentEvent, line: PaymentLine) -> Recorded:
    user = session.get(User, event.recorded_by_id) if event.recorded_by_id else None
    reason = session.get(NonPaymentReasonChoice, event.reason) if event.reason else None
    return Recorded(
        event_id=event.id,
        kind=event.kind.value,
        transaction_number=line.transaction_number,
        occurred_at=event.occurred_at,
        recorded_by=(user.full_name or user.username) if user else "",
        device=event.device_code,
        reason=reason.label if reason else (event.reason or ""),
        note=event.note,
    )


def _in_force(session: Session, line_id: uuid.UUID) -> PaymentEvent | None:
    """The latest paid or not-paid event of the line that no reversal undid."""
    undone = select(PaymentEvent.reverses_id).where(
        PaymentEvent.line_id == line_id, PaymentEvent.kind == PaymentEventKind.REVERSAL
    )
    return session.scalars(
        select(PaymentEvent)
        .where(
            PaymentEvent.line_id == line_id,
            PaymentEvent.kind != PaymentEventKind.REVERSAL,
            PaymentEvent.id.not_in(undone),
        )
        .order_by(PaymentEvent.occurred_at.desc(), PaymentEvent.id.desc())
        .limit(1)
    ).first()


def _paid_elsewhere(session: Session, line: PaymentLine) -> Recorded | None:
    """A line of the same cycle for the same household (person) that is recorded paid.

    In a plan for households "the same" is the household or, after a duplicate merge moved a line to the
    person kept, the same recipient: one person registered twice as head of two households is paid once.
    """
    individual = line.recipient_member_id is not None and _individual(session, line)
    same_recipient = PaymentLine.recipient_member_id == line.recipient_member_id
    if individual:
        who = same_recipient
    elif line.recipient_member_id is not None:
        who = or_(PaymentLine.household_id == line.household_id, same_recipient)
    else:
        who = PaymentLine.household_id == line.household_id
    same = select(PaymentLine).where(
        PaymentLine.cycle_id == line.cycle_id,
        who,
        PaymentLine.id != line.id,
        PaymentLine.status == PaymentStatus.PAID,
    )
    for other in session.scalars(same):
        event = _in_force(session, other.id)
        if event is not None and event.kind == PaymentEventKind.PAID:
            return _recorded(session, event, other)
    return None


def _individual(session: Session, line: PaymentLine) -> bool:
    """In a plan for individuals a household has a line per person: one person paid is not all paid."""
    plan_target = session.execute(
        select(BenefitPlan.target)
        .join(PaymentCycle, PaymentCycle.plan_id == BenefitPlan.id)
        .where(PaymentCycle.id == line.cycle_id)
    ).scalar_one()
    return str(getattr(plan_target, "value", plan_target)) == "individual"


def _card(session: Session, line: PaymentLine, payroll: Payroll) -> PaymentCard:
    units = session.execute(select(Scheme.currency_minor_units)).scalar_one()
    event = _in_force(session, line.id)
    return PaymentCard(
        line_id=line.id,
        payroll_code=payroll.code,
        transaction_number=line.transaction_number,
        household_code=line.household_code,
        recipient_name=line.recipient_name,
        id_number=line.recipient_id_number,
        amount_minor=line.amount_minor,
        currency=line.currency,
        amount_text=format_amount(line.amount_minor, minor_units=units, currency=line.currency),
        status=line.status.value,
        current=_recorded(session, event, line) if event else None,
        other_paid=_paid_elsewhere(session, line),
        cash_instead_of="" if payroll.pay_point_id else line.payment_method.value.replace("_", " "),
    )


def payable_payroll(session: Session, actor: Actor, code: str) -> Payroll:
    payroll = payroll_by_code(session, code)
    if payroll.status != PayrollStatus.APPROVED:
        raise ValidationError(
            _("Payroll {code} is {status}: payments are recorded only on an approved payroll.").format(
                code=payroll.code, status=payroll.status.value.replace("_", " ")
            )
        )
    if payroll.pay_point_id is None or payroll.pay_point_id not in actor.pay_point_ids:
        raise PermissionDenied(_("Payroll {code} is not one of your pay points'.").format(code=payroll.code))
    return payroll


def my_payrolls(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """(payroll code, pay point name) of the approved payrolls of the clerk's pay points on this device."""
    actor.require(Permission.RECORD_PAYMENTS)
    rows = session.execute(
        select(Payroll.code, PayPoint.name)
        .join(PayPoint, PayPoint.id == Payroll.pay_point_id)
        .where(Payroll.status == PayrollStatus.APPROVED, Payroll.pay_point_id.in_(actor.pay_point_ids))
        .order_by(Payroll.approved_at.desc())
    )
    return [(code, name) for code, name in rows]


def find_payments(session: Session, actor: Actor, *, payroll_code: str, text: str) -> list[PaymentCard]:
    """Lines of the payroll whose transaction number, household code, ID number or name matches `text`.

    Something shaped like a transaction number must carry a right check character: a typo is refused at
    once rather than looked up."""
    actor.require(Permission.RECORD_PAYMENTS)
    payroll = payable_payroll(session, actor, payroll_code)
    typed = text.strip()
    if not typed:
        return []
    compact = numbers.normalise(typed).replace("-", "")
    if len(compact) >= 7 and compact[4:5] == numbers.KIND and compact[5:-1].isdigit():
        if not numbers.is_valid(typed):
            raise ValidationError(
                _(
                    "{number} is not a valid transaction number (its check character is wrong): type or scan "
                    "it again."
                ).format(number=typed),
                field="transaction_number",
            )
        lines = session.scalars(
            select(PaymentLine).where(
                PaymentLine.payroll_id == payroll.id,
                PaymentLine.transaction_number == numbers.normalise(typed),
            )
        ).all()
        if not lines:
            fallback = _cash_fallback_line(session, actor, payroll, numbers.normalise(typed))
            if fallback is not None:
                return [_card(session, *fallback)]
            raise NotFound(
                _("{number} is not on payroll {code}.").format(
                    number=numbers.normalise(typed), code=payroll.code
                )
            )
    else:
        pattern = f"%{typed}%"
        lines = session.scalars(
            select(PaymentLine)
            .where(
                PaymentLine.payroll_id == payroll.id,
                or_(
                    func.upper(PaymentLine.household_code) == typed.upper(),
                    PaymentLine.recipient_id_number == typed,
                    PaymentLine.recipient_name.ilike(pattern),
                ),
            )
            .order_by(PaymentLine.position)
            .limit(SEARCH_LIMIT)
        ).all()
    return [_card(session, line, payroll) for line in lines]


# --- recording -------------------------------------------------------------------------------------


def _line_for_recording(
    session: Session, actor: Actor, transaction_number: str, *, cash_fallback: bool = False
) -> tuple[PaymentLine, Payroll]:
    actor.require(Permission.RECORD_PAYMENTS)
    if not numbers.is_valid(transaction_number):
        raise ValidationError(
            _("{number} is not a valid transaction number (its check character is wrong).").format(
                number=transaction_number
            ),
            field="transaction_number",
        )
    line = session.scalars(
        select(PaymentLine).where(PaymentLine.transaction_number == numbers.normalise(transaction_number))
    ).first()
    if line is None:
        raise NotFound(
            _("There is no payment {number} on this device.").format(
                number=numbers.normalise(transaction_number)
            )
        )
    payroll = session.get_one(Payroll, line.payroll_id)
    if payroll.pay_point_id is None:
        if not cash_fallback:
            raise ValidationError(
                _(
                    "{number} is paid by {method}: a pay point may only pay it in cash, never record it not paid."
                ).format(number=line.transaction_number, method=line.payment_method.value.replace("_", " ")),
                field="transaction_number",
            )
        _require_fallback(session, actor, payroll, line)
        return line, payroll
    payable_payroll(session, actor, payroll.code)
    return line, payroll


def _cash_fallback_line(
    session: Session, actor: Actor, payroll: Payroll, number: str
) -> tuple[PaymentLine, Payroll] | None:
    """The mobile-money or bank line `number` of the same cycle, if this pay point may pay it in cash."""
    found = session.execute(
        select(PaymentLine, Payroll)
        .join(Payroll, Payroll.id == PaymentLine.payroll_id)
        .where(
            PaymentLine.transaction_number == number,
            PaymentLine.cycle_id == payroll.cycle_id,
            Payroll.pay_point_id.is_(None),
        )
    ).first()
    if found is None:
        return None
    line, other = found
    _require_fallback(session, actor, other, line)
    return line, other


def _require_fallback(session: Session, actor: Actor, payroll: Payroll, line: PaymentLine) -> None:
    if payroll.status != PayrollStatus.APPROVED:
        raise ValidationError(
            _("Payroll {code} is {status}: payments are recorded only on an approved payroll.").format(
                code=payroll.code, status=payroll.status.value.replace("_", " ")
            )
        )
    preferred = session.execute(
        select(Household.preferred_pay_point_id).where(Household.id == line.household_id)
    ).scalar_one_or_none()
    if preferred is None or preferred not in actor.pay_point_ids:
        raise PermissionDenied(
            _(
                "{number} is paid by {method} to household {household}, whose pay point is not yours: "
                "only its own pay point may pay it in cash."
            ).format(
                number=line.transaction_number,
                method=line.payment_method.value.replace("_", " "),
                household=line.household_code,
            )
        )


def _when(occurred_at: datetime | None) -> datetime:
    now = datetime.now(UTC)
    if occurred_at is None:
        return now
    if occurred_at.tzinfo is None:
        raise ValidationError(_("Give the time with its time zone."), field="occurred_at")
    if occurred_at > now:
        raise ValidationError(_("A payment cannot be recorded in the future."), field="occurred_at")
    return occurred_at


def _describe(first: Recorded, units_amount: str = "") -> str:
    when = first.occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _("{number} was recorded {kind} on {when} by {who} (device {device}){amount}").format(
        number=first.transaction_number,
        kind=_("paid") if first.kind == PaymentEventKind.PAID else _("not paid"),
        when=when,
        who=first.recorded_by or _("someone"),
        device=first.device,
        amount=units_amount,
    )


def _append(
    session: Session,
    actor: Actor,
    line: PaymentLine,
    payroll: Payroll,
    event: PaymentEvent,
    *,
    status: PaymentStatus,
    summary: str,
) -> PaymentCard:
    session.add(event)
    line.status = status
    session.flush()
    audit.record(
        session,
        actor,
        action=f"payment.{event.kind.value}",
        entity_type="payment_line",
        entity_id=line.id,
        summary=summary,
        after=audit.snapshot(event),
    )
    return _card(session, line, payroll)


def _new_event(session: Session, actor: Actor, line: PaymentLine, **values: object) -> PaymentEvent:
    return PaymentEvent(
        line_id=line.id,
        amount_minor=line.amount_minor,
        currency=line.currency,
        recorded_by_id=actor.user_id,
        device_code=session.execute(select(Scheme.device_code)).scalar_one(),
        **values,
    )


def record_paid(
    session: Session,
    actor: Actor,
    *,
    transaction_number: str,
    verification: str,
    alternate_name: str = "",
    alternate_id_number: str = "",
    occurred_at: datetime | None = None,
) -> PaymentCard:
    line, payroll = _line_for_recording(session, actor, transaction_number, cash_fallback=True)
    require_not_frozen(session)
    try:
        how = Verification(verification)
    except ValueError:
        raise ValidationError(
            _("Say how the recipient was verified: {choices}.").format(
                choices=", ".join(v.value for v in Verification)
            ),
            field="verification",
        ) from None
    if how == Verification.ALTERNATE and not (alternate_name.strip() and alternate_id_number.strip()):
        raise ValidationError(
            _("Someone else collected: give their name and ID number."), field="alternate_name"
        )
    current = _in_force(session, line.id)
    if current is not None and current.kind == PaymentEventKind.PAID:
        raise ValidationError(
            _(
                "Already paid: {first}. A second payment is refused; reverse the first if it was a mistake."
            ).format(first=_describe(_recorded(session, current, line))),
            field="transaction_number",
        )
    elsewhere = _paid_elsewhere(session, line)
    if elsewhere is not None:
        raise ValidationError(
            _(
                "Household {household} is already paid in this cycle: {first}. A second payment is refused."
            ).format(household=line.household_code, first=_describe(elsewhere)),
            field="transaction_number",
        )
    event = _new_event(
        session,
        actor,
        line,
        kind=PaymentEventKind.PAID,
        occurred_at=_when(occurred_at),
        verification=how,
        note=""
        if payroll.pay_point_id
        else _("Paid in cash at the pay point instead of {method}").format(
            method=line.payment_method.value.replace("_", " ")
        ),
        alternate_name=alternate_name.strip() if how == Verification.ALTERNATE else "",
        alternate_id_number=alternate_id_number.strip() if how == Verification.ALTERNATE else "",
    )
    return _append(
        session,
        actor,
        line,
        payroll,
        event,
        status=PaymentStatus.PAID,
        summary=_("{number} paid to {name} ({household})").format(
            number=line.transaction_number, name=line.recipient_name, household=line.household_code
        ),
    )


def record_not_paid(
    session: Session,
    actor: Actor,
    *,
    transaction_number: str,
    reason: str,
    note: str = "",
    occurred_at: datetime | None = None,
) -> PaymentCard:
    line, payroll = _line_for_recording(session, actor, transaction_number)
    choice = session.get(NonPaymentReasonChoice, reason.strip().lower())
    if choice is None or not choice.active:
        known = ", ".join(r.code for r in reasons(session, actor))
        raise ValidationError(
            _("{reason} is not one of the scheme's reasons for not paying: {known}.").format(
                reason=reason, known=known
            ),
            field="reason",
        )
    if choice.needs_note and not note.strip():
        raise ValidationError(
            _("Say what happened (reason: {label}).").format(label=choice.label), field="note"
        )
    current = _in_force(session, line.id)
    if current is not None and current.kind == PaymentEventKind.PAID:
        raise ValidationError(
            _("{first}: reverse that payment first if it was a mistake.").format(
                first=_describe(_recorded(session, current, line))
            ),
            field="transaction_number",
        )
    event = _new_event(
        session,
        actor,
        line,
        kind=PaymentEventKind.NOT_PAID,
        reason=choice.code,
        note=note.strip(),
        occurred_at=_when(occurred_at),
    )
    return _append(
        session,
        actor,
        line,
        payroll,
        event,
        status=PaymentStatus.NOT_PAID,
        summary=_("{number} not paid: {reason}").format(number=line.transaction_number, reason=choice.label),
    )


def reverse(session: Session, actor: Actor, *, transaction_number: str, reason: str) -> PaymentCard:
    """Undo the record in force on the line (a mistake), with the reason; the line is as before it."""
    if not reason.strip():
        raise ValidationError(_("Say why the record is reversed."), field="reason")
    line, payroll = _line_for_recording(session, actor, transaction_number, cash_fallback=True)
    current = _in_force(session, line.id)
    if current is None:
        raise ValidationError(
            _("{number} has nothing recorded to reverse.").format(number=line.transaction_number),
            field="transaction_number",
        )
    if payroll.pay_point_id is None and current.reconciliation_row_id is not None:
        raise PermissionDenied(
            _(
                "{number} was recorded from the provider's result file: only reconciliation changes it."
            ).format(number=line.transaction_number)
        )
    undone = _recorded(session, current, line)
    event = _new_event(
        session,
        actor,
        line,
        kind=PaymentEventKind.REVERSAL,
        reverses_id=current.id,
        note=reason.strip(),
        occurred_at=datetime.now(UTC),
    )
    session.add(event)
    session.flush()
    before = _in_force(session, line.id)
    status = {
        None: PaymentStatus.PENDING,
        PaymentEventKind.PAID: PaymentStatus.PAID,
        PaymentEventKind.NOT_PAID: PaymentStatus.NOT_PAID,
    }[before.kind if before else None]
    return _append(
        session,
        actor,
        line,
        payroll,
        event,
        status=status,
        summary=_("{number}: record '{kind}' reversed: {reason}").format(
            number=line.transaction_number, kind=undone.kind.replace("_", " "), reason=reason.strip()
        ),
    )
