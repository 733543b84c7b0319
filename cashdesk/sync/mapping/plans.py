"""Benefit plans as InsurancePlan, enrolments as Coverage."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.models import (
    BenefitPlan,
    CriterionPurpose,
    CriterionScope,
    CycleStatus,
    Enrolment,
    EnrolmentStatus,
    Frequency,
    Member,
    PaymentCycle,
    PlanCriterion,
    PlanStatus,
    PlanTarget,
    RecipientRole,
    Relationship,
    Scheme,
)
from cashdesk.models.plans import AmountBasis, CriteriaMatch
from cashdesk.sync.mapping.base import (
    SYNCED_FIELDS,
    Mapping,
    Rows,
    household_path,
    live,
    minor_units,
    record_values,
    resource,
    without_money,
)
from cashdesk.sync.mapping.elements import (
    Resource,
    compact,
    concept,
    concept_code,
    find_code,
    identifier_value,
    identifiers,
    reference,
    referenced_id,
    row_id,
)
from cashdesk.sync.mapping.fields import (
    Amount,
    Boolean,
    Code,
    Day,
    Field,
    Integer,
    Json,
    Ref,
    Text,
    extensions_of,
    values_of,
)
from cashdesk.sync.mapping.urls import extension_url
from cashdesk.sync.mapping.values import day, minor_of, money, parse_day

# ---- BenefitPlan -> InsurancePlan ----

PLAN_FIELDS = (
    Field("description", "description", Text(blank="")),
    Field("frequency", "frequency", Code(Frequency)),
    Field("amount_basis", "amount-basis", Code(AmountBasis)),
    Field("max_beneficiaries", "max-beneficiaries", Integer()),
    Field("carry_arrears", "carry-arrears", Boolean()),
    Field("criteria_match", "criteria-match", Code(CriteriaMatch)),
    Field("status", "plan-status", Code(PlanStatus)),  # InsurancePlan.status has no "closed"
    Field("beneficiary_schema", "beneficiary-schema", Json(nullable=True)),
    *SYNCED_FIELDS,
)
PUBLICATION = {PlanStatus.DRAFT: "draft", PlanStatus.ACTIVE: "active", PlanStatus.CLOSED: "retired"}
# The plan's amounts, as InsurancePlan.plan.generalCost by cost type.
COSTS = (
    ("base_amount_minor", "base-amount"),
    ("max_amount_minor", "ceiling"),
    ("budget_per_cycle_minor", "budget"),
)


def _criterion_fields(currency: str, units: int) -> tuple[Field, ...]:
    """Parts of a "criterion" extension (a plan_criteria row travels inside its plan)."""
    return (
        Field("purpose", "purpose", Code(CriterionPurpose)),
        Field("scope", "scope", Code(CriterionScope)),
        Field("field", "field", Text(blank="")),
        Field("operator", "operator", Text(blank="")),
        Field("value", "value", Text(blank="")),
        Field("amount_minor", "amount", Amount(currency, units)),
        Field("max_count", "max-count", Integer()),
        Field("position", "position", Integer()),
    )


def _criterion(criterion: PlanCriterion, fields: Sequence[Field]) -> dict[str, Any]:
    # Element id = the criterion row's id: the round trip gives back the very rows.
    return {
        "url": extension_url("criterion"),
        "id": str(criterion.id),
        "extension": extensions_of(fields, criterion, nested=True),
    }


def plan_to_fhir(plan: BenefitPlan, *, criteria: Sequence[PlanCriterion], minor_units: int) -> Resource:
    """A plan belongs to no place: no place tag. Amounts are Money in the plan's currency."""
    fields = _criterion_fields(plan.currency, minor_units)
    costs = [
        {"type": concept("cost-type", name), "cost": money(getattr(plan, column), plan.currency, minor_units)}
        for column, name in COSTS
        if getattr(plan, column) is not None
    ]
    return resource(
        "InsurancePlan",
        plan,
        PLAN_FIELDS,
        location_path=None,
        extension=[_criterion(c, fields) for c in criteria],
        identifier=identifiers(("plan-code", plan.code)),
        status=PUBLICATION[plan.status] if live(plan) else "retired",
        type=[concept("plan-target", plan.target.value)],
        name=plan.name,
        period=compact({"start": day(plan.valid_from), "end": plan.valid_to and day(plan.valid_to)}),
        plan=[{"generalCost": costs}],
    )


def _costs(plan: Resource) -> dict[str, dict[str, Any]]:
    return {concept_code(c["type"], "cost-type"): c["cost"] for c in plan["plan"][0]["generalCost"]}


def plan_from_fhir(plan: Resource, units: int) -> dict[str, Any]:
    costs = _costs(plan)
    period = plan["period"]
    return (
        record_values(plan, PLAN_FIELDS)
        | {column: minor_of(costs[name], units) if name in costs else None for column, name in COSTS}
        | {
            "code": identifier_value(plan, "plan-code"),
            "name": plan["name"],
            "target": PlanTarget(concept_code(plan["type"], "plan-target")),
            "currency": costs["base-amount"]["currency"],
            "valid_from": parse_day(period["start"]),
            "valid_to": parse_day(period["end"]) if "end" in period else None,
        }
    )


def plan_children(plan: Resource, units: int) -> Rows:
    fields = _criterion_fields("", units)
    url = extension_url("criterion")
    return {
        "plan_criteria": [
            {"id": uuid.UUID(e["id"]), "plan_id": row_id(plan)}
            | values_of(fields, e["extension"], nested=True)
            for e in plan.get("extension", ())
            if e["url"] == url
        ]
    }


def read_plan(session: Session, plan: BenefitPlan) -> Resource:
    return plan_to_fhir(plan, criteria=plan.criteria, minor_units=minor_units(session))


PLAN = Mapping(
    model=BenefitPlan,
    resource_type="InsurancePlan",
    read=read_plan,
    values=plan_from_fhir,
    child_rows=plan_children,
    child_rows_hold_money=True,
)

# ---- Enrolment -> Coverage ----

ENROLMENT_FIELDS = (
    Field("plan_id", "benefit-plan", Ref("InsurancePlan")),  # R4 Coverage has no insurancePlan element
    Field("household_id", "household", Ref("Group")),
    Field("status", "enrolment-status", Code(EnrolmentStatus)),  # Coverage.status has no suspended...
    *SYNCED_FIELDS,
)
COVERAGE_STATUS = {
    EnrolmentStatus.POTENTIAL: "draft",
    EnrolmentStatus.ACTIVE: "active",
    EnrolmentStatus.SUSPENDED: "active",  # still enrolled, not paid for now: the extension says which
    EnrolmentStatus.GRADUATED: "cancelled",
    EnrolmentStatus.EXITED: "cancelled",
}


def enrolment_to_fhir(
    enrolment: Enrolment, *, beneficiary_id: uuid.UUID, scheme_name: str, location_path: str
) -> Resource:
    """The enrolment as a Coverage. Its beneficiary must be a Patient: the member of an enrolment in a
    plan for individuals, otherwise `beneficiary_id`, the household's head (see `head_of`). The payor
    (required) is the scheme, named only: it is no resource of its own."""
    target = PlanTarget.INDIVIDUAL if enrolment.member_id else PlanTarget.HOUSEHOLD
    return resource(
        "Coverage",
        enrolment,
        ENROLMENT_FIELDS,
        location_path=location_path,
        status=COVERAGE_STATUS[enrolment.status] if live(enrolment) else "entered-in-error",
        type=concept("plan-target", target.value),
        beneficiary=reference("Patient", enrolment.member_id or beneficiary_id),
        period={"start": day(enrolment.enrolled_on)} if enrolment.enrolled_on else None,
        payor=[{"display": scheme_name}],
    )


def enrolment_from_fhir(coverage: Resource) -> dict[str, Any]:
    individual = find_code(coverage.get("type"), "plan-target") == PlanTarget.INDIVIDUAL
    start = coverage.get("period", {}).get("start")
    return record_values(coverage, ENROLMENT_FIELDS) | {
        "member_id": referenced_id(coverage["beneficiary"], "Patient") if individual else None,
        "enrolled_on": parse_day(start) if start else None,
    }


def head_of(session: Session, household_id: uuid.UUID) -> uuid.UUID:
    """Who stands for a household where FHIR wants a Patient: its head, or else its primary recipient,
    or else its first member (a household emptied by a merge keeps only tombstones)."""
    return session.execute(
        select(Member.id)
        .where(Member.household_id == household_id)
        .order_by(
            Member.deleted_at.is_not(None),
            Member.relation_to_head != Relationship.HEAD,
            Member.recipient_role.is_distinct_from(RecipientRole.PRIMARY),
            Member.created_at,
            Member.id,
        )
        .limit(1)
    ).scalar_one()


def read_enrolment(session: Session, enrolment: Enrolment) -> Resource:
    return enrolment_to_fhir(
        enrolment,
        beneficiary_id=enrolment.member_id or head_of(session, enrolment.household_id),
        scheme_name=session.execute(select(Scheme.name)).scalar_one(),
        location_path=household_path(session, enrolment.household_id),
    )


ENROLMENT = Mapping(
    model=Enrolment,
    resource_type="Coverage",
    read=read_enrolment,
    values=without_money(enrolment_from_fhir),
)

# ---- PaymentCycle -> Basic (FHIR has no resource for a period a plan pays for) ----

CYCLE_KIND = "payment-cycle"  # Basic.code: tells this Basic from any other
CYCLE_FIELDS = (
    Field("period_start", "period-start", Day()),
    Field("period_end", "period-end", Day()),
    Field("status", "cycle-status", Code(CycleStatus)),
    *SYNCED_FIELDS,
)


def cycle_to_fhir(cycle: PaymentCycle) -> Resource:
    """A cycle belongs to its plan, not to a place: no place tag."""
    return resource(
        "Basic",
        cycle,
        CYCLE_FIELDS,
        location_path=None,
        identifier=identifiers(("cycle-code", cycle.code)),
        code=concept("record-kind", CYCLE_KIND),
        subject=reference("InsurancePlan", cycle.plan_id),
    )


def cycle_from_fhir(basic: Resource) -> dict[str, Any]:
    return record_values(basic, CYCLE_FIELDS) | {
        "code": identifier_value(basic, "cycle-code"),
        "plan_id": referenced_id(basic["subject"], "InsurancePlan"),
    }


CYCLE = Mapping(
    model=PaymentCycle,
    resource_type="Basic",
    read=lambda _session, row: cycle_to_fhir(row),
    values=without_money(cycle_from_fhir),
    matches=lambda basic: find_code(basic.get("code"), "record-kind") == CYCLE_KIND,
)
