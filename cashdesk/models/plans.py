"""Benefit plans, who is enrolled in them, and the payment cycles they run."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cashdesk.models.base import Base, Money, Synced, UUIDKey, enum_column, utcnow


class PlanTarget(enum.StrEnum):
    HOUSEHOLD = "household"
    INDIVIDUAL = "individual"


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    BIMONTHLY = "bimonthly"
    QUARTERLY = "quarterly"
    ONE_OFF = "one_off"


class AmountBasis(enum.StrEnum):
    PER_HOUSEHOLD = "household"  # the base amount once per household
    PER_MEMBER = "member"  # the base amount for each live member


class CriteriaMatch(enum.StrEnum):
    ALL = "all"
    ANY = "any"


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"


class BenefitPlan(Synced, Base):
    __tablename__ = "benefit_plans"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    target: Mapped[PlanTarget] = mapped_column(enum_column(PlanTarget))
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency))
    currency: Mapped[str] = mapped_column(String(3))
    base_amount_minor: Mapped[int] = mapped_column(Money, default=0)
    amount_basis: Mapped[AmountBasis] = mapped_column(
        enum_column(AmountBasis), default=AmountBasis.PER_HOUSEHOLD
    )
    max_amount_minor: Mapped[int | None] = mapped_column(Money)  # ceiling per beneficiary per cycle
    max_beneficiaries: Mapped[int | None]
    budget_per_cycle_minor: Mapped[int | None] = mapped_column(Money)
    # Unpaid lines of reconciled payrolls are added to the beneficiary's next payment (migration 0012).
    carry_arrears: Mapped[bool] = mapped_column(default=False)
    # Whether every eligibility criterion must hold, or one is enough.
    criteria_match: Mapped[CriteriaMatch] = mapped_column(
        enum_column(CriteriaMatch), default=CriteriaMatch.ALL
    )
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.DRAFT)
    beneficiary_schema: Mapped[dict[str, Any] | None]

    criteria: Mapped[list[PlanCriterion]] = relationship(
        cascade="all, delete-orphan", order_by="PlanCriterion.position"
    )


class CriterionPurpose(enum.StrEnum):
    ELIGIBILITY = "eligibility"  # all must hold for a household/member to be included
    TOP_UP = "top_up"  # adds amount_minor when it holds (per matching member when scope is member)


class CriterionScope(enum.StrEnum):
    HOUSEHOLD = "household"  # a field of the household (size, village, its own custom fields)
    MEMBER = "member"  # eligibility: some member matches; top-up: for each matching member
    HEAD = "head"  # a field of the household's head


class PlanCriterion(UUIDKey, Base):
    """A field/operator/value condition, as in openIMIS: eq, ne, lt, lte, gt, gte, starts, contains, in."""

    __tablename__ = "plan_criteria"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefit_plans.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[CriterionPurpose] = mapped_column(enum_column(CriterionPurpose))
    scope: Mapped[CriterionScope] = mapped_column(enum_column(CriterionScope))
    field: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int | None] = mapped_column(Money)
    max_count: Mapped[int | None]  # a member top-up counts at most this many members
    position: Mapped[int] = mapped_column(default=0)


class EnrolmentStatus(enum.StrEnum):
    POTENTIAL = "potential"
    ACTIVE = "active"
    GRADUATED = "graduated"
    SUSPENDED = "suspended"
    EXITED = "exited"


class Enrolment(Synced, Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        Index(
            "uq_enrolments_plan_household",
            "plan_id",
            "household_id",
            unique=True,
            sqlite_where=text("member_id IS NULL"),
        ),
        Index(
            "uq_enrolments_plan_member",
            "plan_id",
            "member_id",
            unique=True,
            sqlite_where=text("member_id IS NOT NULL"),
        ),
    )

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefit_plans.id"), index=True)
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    member_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[EnrolmentStatus] = mapped_column(
        enum_column(EnrolmentStatus), default=EnrolmentStatus.POTENTIAL
    )
    enrolled_on: Mapped[date | None]


class EnrolmentStatusChange(UUIDKey, Base):
    __tablename__ = "enrolment_status_changes"

    enrolment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrolments.id"), index=True)
    from_status: Mapped[EnrolmentStatus | None] = mapped_column(enum_column(EnrolmentStatus))
    to_status: Mapped[EnrolmentStatus] = mapped_column(enum_column(EnrolmentStatus))
    reason: Mapped[str] = mapped_column(String(200), default="")
    effective_on: Mapped[date | None]  # the date the change takes effect (may be before it was recorded)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class CycleStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class PaymentCycle(Synced, Base):
    __tablename__ = "payment_cycles"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefit_plans.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    status: Mapped[CycleStatus] = mapped_column(enum_column(CycleStatus), default=CycleStatus.OPEN)
