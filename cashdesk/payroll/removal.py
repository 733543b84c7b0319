"""Removing a provider, a pay point or a plan entered by mistake.

Only what nothing depends on can go: a provider with pay points, households or payrolls, a pay point with
households or payrolls, a plan with enrolments or cycles are refused with what holds them, and with what to
do instead (make it inactive, or give the plan an end date). Removal marks the record deleted (kept for the
audit trail and the sync that follows, out of every list) and inactive; saving the same code again brings
it back.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import (
    Enrolment,
    Household,
    PaymentCycle,
    PaymentLine,
    PayPoint,
    Payroll,
)
from cashdesk.payroll.plans import plan_by_code
from cashdesk.payroll.providers import provider_by_code
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

SHOWN = 5  # codes named in a refusal


def _count(session: Session, query: object) -> int:
    return int(session.execute(query).scalar_one())  # type: ignore[call-overload]


def _codes(session: Session, query: object) -> str:
    codes = list(session.scalars(query.limit(SHOWN + 1)))  # type: ignore[attr-defined]
    return ", ".join(codes[:SHOWN]) + (" …" if len(codes) > SHOWN else "")


def remove_provider(session: Session, actor: Actor, code: str) -> str:
    actor.require(Permission.MANAGE_PROVIDERS)
    provider = provider_by_code(session, code)
    points = select(PayPoint.code).where(PayPoint.provider_id == provider.id, PayPoint.deleted_at.is_(None))
    if session.execute(points.limit(1)).first():
        raise ValidationError(
            _("{code} has pay points ({points}): remove them first, or make the provider inactive.").format(
                code=provider.code, points=_codes(session, points.order_by(PayPoint.code))
            )
        )
    payrolls = select(Payroll.code).where(Payroll.provider_id == provider.id).order_by(Payroll.code)
    if session.execute(payrolls.limit(1)).first():
        raise ValidationError(
            _("{code} has payrolls ({payrolls}): it stays on record; make it inactive instead.").format(
                code=provider.code, payrolls=_codes(session, payrolls)
            )
        )
    paid_through = _count(
        session,
        select(func.count())
        .select_from(Household)
        .where(Household.payment_provider_id == provider.id, Household.deleted_at.is_(None)),
    )
    if paid_through:
        raise ValidationError(
            _("{n:,} household(s) are paid through {code}: give them another provider first, or make it "
              "inactive.").format(n=paid_through, code=provider.code)
        )  # fmt: skip
    _mark_removed(session, actor, provider, "provider", f"{provider.code} {provider.name}")
    return provider.code


def remove_pay_point(session: Session, actor: Actor, code: str) -> str:
    actor.require(Permission.MANAGE_PROVIDERS)
    point = session.scalars(
        select(PayPoint).where(
            func.upper(PayPoint.code) == code.strip().upper(), PayPoint.deleted_at.is_(None)
        )
    ).first()
    if point is None:
        raise ValidationError(_("There is no pay point {code}.").format(code=code))
    payrolls = select(Payroll.code).where(Payroll.pay_point_id == point.id).order_by(Payroll.code)
    if (
        session.execute(payrolls.limit(1)).first()
        or session.execute(
            select(PaymentLine.id).where(PaymentLine.pay_point_id == point.id).limit(1)
        ).first()
    ):
        raise ValidationError(
            _("{code} has payrolls ({payrolls}): it stays on record; make it inactive instead.").format(
                code=point.code, payrolls=_codes(session, payrolls) or _("lines of other payrolls")
            )
        )
    households = _count(
        session,
        select(func.count())
        .select_from(Household)
        .where(Household.preferred_pay_point_id == point.id, Household.deleted_at.is_(None)),
    )
    if households:
        raise ValidationError(
            _("{n:,} household(s) are paid at {code}: move them to another pay point first, or make it "
              "inactive.").format(n=households, code=point.code)
        )  # fmt: skip
    point.clerks = []
    _mark_removed(session, actor, point, "pay_point", f"{point.code} {point.name}")
    return point.code


def remove_plan(session: Session, actor: Actor, code: str) -> str:
    actor.require(Permission.MANAGE_PLANS)
    plan = plan_by_code(session, code)
    enrolled = _count(
        session, select(func.count()).select_from(Enrolment).where(Enrolment.plan_id == plan.id)
    )
    cycles = _count(
        session, select(func.count()).select_from(PaymentCycle).where(PaymentCycle.plan_id == plan.id)
    )
    if enrolled or cycles:
        raise ValidationError(
            _("{code} has {n:,} enrolment(s) and {c:,} payment cycle(s): it stays on record; give it an end "
              "date instead.").format(code=plan.code, n=enrolled, c=cycles)
        )  # fmt: skip
    _mark_removed(session, actor, plan, "benefit_plan", f"{plan.code} {plan.name}")
    return plan.code


def _mark_removed(session: Session, actor: Actor, record: object, kind: str, summary: str) -> None:
    before = audit.snapshot(record)
    record.deleted_at = datetime.now(UTC)  # type: ignore[attr-defined]
    if hasattr(record, "active"):
        record.active = False
    session.flush()
    audit.record(
        session, actor, action=f"{kind}.removed", entity_type=kind, entity_id=record.id,  # type: ignore[attr-defined]
        summary=_("{what} removed").format(what=summary), before=before, after=audit.snapshot(record),
    )  # fmt: skip
