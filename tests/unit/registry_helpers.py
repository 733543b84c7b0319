"""Small builders for registry tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from cashdesk.desk import Desk
from cashdesk.models import (
    BenefitPlan,
    Frequency,
    Location,
    PaymentServiceProvider,
    PayPoint,
    PlanTarget,
    ProviderKind,
)
from cashdesk.registry.household_input import HouseholdInput, IdentifierInput, MemberInput
from cashdesk.security.permissions import Actor


def add_pay_point(desk: Desk, code: str = "PP1", village: str = "V001") -> None:
    def work(session: Session, actor: Actor) -> None:
        provider = PaymentServiceProvider(code="MM", name="Mobile Money Co", kind=ProviderKind.MOBILE_MONEY)
        session.add(provider)
        session.flush()
        location = session.query(Location).filter_by(code=village).one()
        session.add(
            PayPoint(code=code, name="Market agent", provider_id=provider.id, location_id=location.id)
        )

    desk.run(work)


def member(
    given: str,
    family: str,
    *,
    sex: str = "F",
    born: date | None = date(1980, 5, 17),
    year: int | None = None,
    relation: str = "head",
    recipient: str | None = "primary",
    phone: str = "",
    id_number: str = "",
    **extra: Any,
) -> MemberInput:
    return MemberInput(
        given_name=given,
        family_name=family,
        sex=sex,
        date_of_birth=born,
        birth_year=year,
        relation_to_head=relation,
        recipient_role=recipient,
        phone=phone,
        identifiers=[IdentifierInput("national_id", id_number)] if id_number else [],
        **extra,
    )


def household(*members: MemberInput, village: str = "V001", **extra: Any) -> HouseholdInput:
    values: dict[str, Any] = {"pay_point_code": "PP1", "payment_method": "cash"} | extra
    return HouseholdInput(location_code=village, members=list(members), **values)


def add_plan(session: Session, code: str, name: str, target: PlanTarget) -> BenefitPlan:
    """A monthly plan in the session, flushed so that enrolments can name it."""
    plan = BenefitPlan(
        code=code,
        name=name,
        target=target,
        frequency=Frequency.MONTHLY,
        currency="MWK",
        valid_from=date(2026, 1, 1),
    )
    session.add(plan)
    session.flush()
    return plan
