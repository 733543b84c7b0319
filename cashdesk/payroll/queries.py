"""Reading payrolls: summaries for lists, one payroll by code, its lines a page at a time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import NotFound
from cashdesk.core.i18n import _
from cashdesk.models import (
    BenefitPlan,
    PaymentCycle,
    PaymentLine,
    PaymentServiceProvider,
    PayPoint,
    Payroll,
    Scheme,
    User,
)
from cashdesk.models.payments import PayrollStatus
from cashdesk.security.permissions import Actor, Permission


@dataclass(frozen=True)
class PayrollSummary:
    id: uuid.UUID
    code: str
    plan_code: str
    plan_name: str
    cycle_code: str
    period: str  # "2026-03-01 to 2026-03-31"
    pay_point_code: str
    pay_point_name: str
    provider_code: str
    provider_name: str
    provider_kind: str
    status: str
    line_count: int
    total_minor: int
    currency: str
    minor_units: int
    generated_by: str
    generated_at: datetime | None
    approved_by: str
    approved_at: datetime | None
    fingerprint: str
    status_note: str
    generated_by_username: str = ""  # maker-checker: the window offers approval only to someone else


@dataclass(frozen=True)
class LineRow:
    position: int
    transaction_number: str
    household_code: str
    recipient_name: str
    id_number: str
    payment_method: str
    account: str
    amount_minor: int
    status: str


def _name(session: Session, user_id: uuid.UUID | None) -> str:
    if user_id is None:
        return ""
    user = session.get(User, user_id)
    return user.full_name or user.username if user else ""


def _username(session: Session, user_id: uuid.UUID | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return user.username if user else ""


def summarise(session: Session, payroll: Payroll) -> PayrollSummary:
    cycle = session.get_one(PaymentCycle, payroll.cycle_id)
    plan = session.get_one(BenefitPlan, cycle.plan_id)
    point = session.get(PayPoint, payroll.pay_point_id) if payroll.pay_point_id else None
    provider = session.get(PaymentServiceProvider, payroll.provider_id) if payroll.provider_id else None
    units = session.execute(select(Scheme.currency_minor_units)).scalar_one()
    return PayrollSummary(
        id=payroll.id,
        code=payroll.code,
        plan_code=plan.code,
        plan_name=plan.name,
        cycle_code=cycle.code,
        period=_("{start} to {end}").format(
            start=cycle.period_start.isoformat(), end=cycle.period_end.isoformat()
        ),
        pay_point_code=point.code if point else "",
        pay_point_name=point.name if point else "",
        provider_code=provider.code if provider else "",
        provider_name=provider.name if provider else "",
        provider_kind=provider.kind.value if provider else "",
        status=payroll.status.value,
        line_count=payroll.line_count,
        total_minor=payroll.total_amount_minor,
        currency=payroll.currency,
        minor_units=units,
        generated_by=_name(session, payroll.generated_by_id),
        generated_at=payroll.generated_at,
        approved_by=_name(session, payroll.approved_by_id or payroll.rejected_by_id),
        approved_at=payroll.approved_at or payroll.rejected_at,
        fingerprint=payroll.fingerprint or "",
        status_note=payroll.status_note,
        generated_by_username=_username(session, payroll.generated_by_id),
    )


def payroll_by_code(session: Session, code: str) -> Payroll:
    payroll = session.execute(
        select(Payroll).where(func.upper(Payroll.code) == code.strip().upper())
    ).scalar_one_or_none()
    if payroll is None or payroll.deleted_at is not None:
        raise NotFound(_("There is no payroll {code}.").format(code=code))
    return payroll


def list_payrolls(
    session: Session, actor: Actor, *, plan_code: str | None = None, status: str | None = None
) -> list[PayrollSummary]:
    actor.require(Permission.VIEW_PAYROLLS)
    query = (
        select(Payroll)
        .join(PaymentCycle, PaymentCycle.id == Payroll.cycle_id)
        .where(Payroll.deleted_at.is_(None))
    )
    if plan_code:
        query = query.join(BenefitPlan, BenefitPlan.id == PaymentCycle.plan_id).where(
            func.upper(BenefitPlan.code) == plan_code.strip().upper()
        )
    if status:
        query = query.where(Payroll.status == PayrollStatus(status))
    if not actor.can(Permission.GENERATE_PAYROLL):  # a clerk: the payrolls of their pay points
        query = query.where(Payroll.pay_point_id.in_(actor.pay_point_ids or {uuid.UUID(int=0)}))
    query = query.order_by(PaymentCycle.period_start.desc(), Payroll.code)
    return [summarise(session, p) for p in session.execute(query).scalars()]


def payroll_summary(session: Session, actor: Actor, code: str) -> PayrollSummary:
    actor.require(Permission.VIEW_PAYROLLS)
    payroll = payroll_by_code(session, code)
    if not actor.can(Permission.GENERATE_PAYROLL) and payroll.pay_point_id not in actor.pay_point_ids:
        raise NotFound(_("There is no payroll {code} at your pay points.").format(code=code))
    return summarise(session, payroll)


def payroll_lines(
    session: Session, actor: Actor, code: str, *, offset: int = 0, limit: int = 200
) -> list[LineRow]:
    """A page of the payroll's lines in sheet order."""
    summary = payroll_summary(session, actor, code)
    rows = session.execute(
        select(PaymentLine)
        .where(PaymentLine.payroll_id == summary.id)
        .order_by(PaymentLine.position)
        .offset(offset)
        .limit(limit)
    ).scalars()
    return [
        LineRow(
            line.position,
            line.transaction_number,
            line.household_code,
            line.recipient_name,
            line.recipient_id_number,
            line.payment_method.value,
            line.payment_account or "",
            line.amount_minor,
            line.status.value,
        )
        for line in rows
    ]


def status_counts(session: Session, actor: Actor, code: str) -> dict[str, tuple[int, int]]:
    """Payment state -> (lines, amount in minor units)."""
    summary = payroll_summary(session, actor, code)
    return {
        status.value: (int(count), int(total or 0))
        for status, count, total in session.execute(
            select(PaymentLine.status, func.count(), func.sum(PaymentLine.amount_minor))
            .where(PaymentLine.payroll_id == summary.id)
            .group_by(PaymentLine.status)
        )
    }
