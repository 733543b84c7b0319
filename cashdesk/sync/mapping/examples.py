"""One example record of every mapped model, and its resource: the examples of docs/fhir.md.

`python -m cashdesk.sync.mapping.examples docs/fhir.md` rewrites the examples block of that file;
tests/unit/test_fhir_mapping_docs.py fails when the block is not what the mapping writes now. The rows are
built in memory (never stored) with fixed ids and times, so that the examples do not change by themselves.
"""

from __future__ import annotations

import sys
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cashdesk.models import (
    BenefitPlan,
    CriterionPurpose,
    CriterionScope,
    CycleStatus,
    DuplicateCandidate,
    DuplicateSource,
    DuplicateStatus,
    Enrolment,
    EnrolmentStatus,
    Frequency,
    Household,
    HouseholdStatus,
    Location,
    LocationLevel,
    Member,
    MemberIdentifier,
    MemberMerge,
    NonPaymentReason,
    PaymentCycle,
    PaymentEvent,
    PaymentEventKind,
    PaymentLine,
    PaymentMethod,
    PaymentServiceProvider,
    PaymentStatus,
    PayPoint,
    Payroll,
    PayrollStatus,
    PlanCriterion,
    PlanStatus,
    PlanTarget,
    ProviderKind,
    RecipientRole,
    Relationship,
    Role,
    Sex,
    User,
)
from cashdesk.models.plans import AmountBasis, CriteriaMatch
from cashdesk.sync.mapping.duplicates import candidate_to_fhir, merge_to_fhir
from cashdesk.sync.mapping.elements import Resource
from cashdesk.sync.mapping.payments import event_to_fhir, line_to_fhir, payroll_to_fhir
from cashdesk.sync.mapping.people import household_to_fhir, member_to_fhir
from cashdesk.sync.mapping.places import location_to_fhir, pay_point_to_fhir, provider_to_fhir
from cashdesk.sync.mapping.plans import cycle_to_fhir, enrolment_to_fhir, plan_to_fhir
from cashdesk.sync.mapping.staff import user_to_fhir
from cashdesk.sync.mapping.wire import dumps

MINOR_UNITS = 2
START, END = (
    "<!-- examples: start (written by python -m cashdesk.sync.mapping.examples) -->",
    "<!-- examples: end -->",
)
AT = datetime(2026, 3, 2, 8, 15, 30, 125000, tzinfo=UTC)
VILLAGE_PATH = "/R01/D01/V003/"
SYNCED = {
    "version": 3,
    "server_version": "7",
    "created_at": AT,
    "updated_at": AT,
    "dirty": False,
    "deleted_at": None,
}


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(f"01950000-0000-7000-8000-{n:012d}")


def rows() -> dict[str, Any]:
    """The example rows by model name (with the child rows and context their resources need)."""
    village = Location(
        id=_id(3),
        code="V003",
        name="Nsanje Boma",
        level=LocationLevel.VILLAGE,
        parent_id=_id(2),
        path=VILLAGE_PATH,
        **SYNCED,
    )
    clerk = User(
        id=_id(94),
        username="grace.mwale",
        full_name="Grace Mwale",
        role=Role.PAY_POINT_CLERK,
        active=True,
        must_change_password=False,
        last_login_at=None,
        **SYNCED,
    )
    provider = PaymentServiceProvider(
        id=_id(10),
        code="KMM",
        name="Kwacha Mobile Money",
        kind=ProviderKind.MOBILE_MONEY,
        contact_name="Grace Banda",
        phone="+265999000111",
        email="payments@kmm.example",
        active=True,
        contract_ref="MoU 2026/4",
        contract_from=date(2026, 1, 1),
        contract_to=date(2026, 12, 31),
        **SYNCED,
    )
    point = PayPoint(
        id=_id(11),
        code="PP3",
        name="Nsanje market agent",
        provider_id=provider.id,
        location_id=village.id,
        address="Stall 12, Nsanje market",
        active=True,
        opening_days="mon,wed,fri",
        **SYNCED,
    )
    household = Household(
        id=_id(20),
        code="W5NA-H0000070",
        source_ref="HH-0042",
        location_id=village.id,
        address="Behind the borehole",
        gps_latitude=Decimal("-16.917222"),
        gps_longitude=Decimal("35.262500"),
        preferred_pay_point_id=point.id,
        payment_method=PaymentMethod.MOBILE_MONEY,
        payment_provider_id=provider.id,
        payment_account="+265888123456",
        status=HouseholdStatus.ACTIVE,
        custom_fields={"roof": "thatch", "rooms": 3, "income": 1250.5},
        import_batch_id=None,
        registered_by_id=_id(90),
        **SYNCED,
    )
    head = Member(
        id=_id(21),
        household_id=household.id,
        source_ref="HH-0042/1",
        given_name="Zoë",
        family_name="Ngũgĩ",
        other_names="Wanjirũ",
        sex=Sex.FEMALE,
        date_of_birth=None,
        birth_year=1984,
        birth_date_estimated=True,
        relation_to_head=Relationship.HEAD,
        recipient_role=RecipientRole.PRIMARY,
        phone="+265888123456",
        disability=False,
        custom_fields={"school": "Nsanje CDSS"},
        import_batch_id=None,
        **SYNCED,
    )
    spouse = Member(
        id=_id(22),
        household_id=household.id,
        source_ref=None,
        given_name="Jürgen",
        family_name="Ngũgĩ",
        other_names=None,
        sex=Sex.MALE,
        date_of_birth=date(1979, 11, 3),
        birth_year=1979,
        birth_date_estimated=False,
        relation_to_head=Relationship.SPOUSE,
        recipient_role=RecipientRole.SECONDARY,
        phone=None,
        disability=True,
        custom_fields={},
        import_batch_id=None,
        **SYNCED,
    )
    national_id = MemberIdentifier(id=_id(23), member_id=head.id, id_type="national_id", number="NG1234")
    plan = BenefitPlan(
        id=_id(30),
        code="OAP",
        name="Old age pension",
        description="Everyone aged 60 or more",
        target=PlanTarget.INDIVIDUAL,
        frequency=Frequency.MONTHLY,
        currency="MWK",
        base_amount_minor=800_050,
        amount_basis=AmountBasis.PER_HOUSEHOLD,
        max_amount_minor=1_200_000,
        max_beneficiaries=None,
        budget_per_cycle_minor=None,
        carry_arrears=True,
        criteria_match=CriteriaMatch.ALL,
        valid_from=date(2026, 1, 1),
        valid_to=None,
        status=PlanStatus.ACTIVE,
        beneficiary_schema=None,
        **SYNCED,
    )
    top_up = PlanCriterion(
        id=_id(31),
        plan_id=plan.id,
        purpose=CriterionPurpose.TOP_UP,
        scope=CriterionScope.MEMBER,
        field="disability",
        operator="eq",
        value="yes",
        amount_minor=200_000,
        max_count=None,
        position=1,
    )
    enrolment = Enrolment(
        id=_id(32),
        plan_id=plan.id,
        household_id=household.id,
        member_id=spouse.id,
        status=EnrolmentStatus.SUSPENDED,
        enrolled_on=date(2026, 3, 1),
        **SYNCED,
    )
    cycle = PaymentCycle(
        id=_id(33),
        plan_id=plan.id,
        code="OAP-202603",
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        status=CycleStatus.OPEN,
        **SYNCED,
    )
    payroll = Payroll(
        id=_id(40),
        code="OAP-202603-PP3",
        cycle_id=cycle.id,
        pay_point_id=point.id,
        provider_id=provider.id,
        status=PayrollStatus.APPROVED,
        parameters={"plan": "OAP", "period": "2026-03"},
        line_count=1,
        total_amount_minor=1_000_050,
        currency="MWK",
        generated_by_id=_id(91),
        generated_at=AT,
        approved_by_id=_id(92),
        approved_at=AT,
        rejected_by_id=None,
        rejected_at=None,
        status_note="",
        fingerprint="9f2c" * 16,
        reconciled_by_id=None,
        reconciled_at=None,
        **SYNCED,
    )
    line = PaymentLine(
        id=_id(41),
        payroll_id=payroll.id,
        cycle_id=cycle.id,
        transaction_number="W5NA-T0000012P",
        enrolment_id=enrolment.id,
        household_id=household.id,
        recipient_member_id=spouse.id,
        pay_point_id=point.id,
        payment_method=PaymentMethod.CASH,
        payment_account=None,
        amount_minor=1_000_050,
        currency="MWK",
        household_code=household.code,
        recipient_name="Jürgen Ngũgĩ",
        recipient_id_number="",
        position=1,
        arrears_minor=0,
        status=PaymentStatus.NOT_PAID,
        **SYNCED,
    )
    event = PaymentEvent(
        id=_id(42),
        line_id=line.id,
        kind=PaymentEventKind.NOT_PAID,
        reason=NonPaymentReason.RECIPIENT_ABSENT.value,
        note="At the clinic in Blantyre",
        amount_minor=1_000_050,
        currency="MWK",
        occurred_at=AT,
        recorded_at=AT,
        recorded_by_id=_id(93),
        device_code="W5NA",
        verification=None,
        alternate_name="",
        alternate_id_number="",
        reverses_id=None,
        receipt_number=None,
        provider_transaction_id=None,
        reconciliation_row_id=None,
        **SYNCED,
    )
    candidate = DuplicateCandidate(
        id=_id(50),
        left_member_id=head.id,
        right_member_id=_id(51),
        score=91.5,
        reasons=["similar name (93)"],
        source=DuplicateSource.SCAN,
        status=DuplicateStatus.SAME_PERSON,
        note="",
        raised_by_id=_id(92),
        decided_by_id=_id(92),
        decided_at=AT,
        decision_note="same mother, same village",
        **SYNCED,
    )
    merge = MemberMerge(
        id=_id(52),
        candidate_id=candidate.id,
        kept_member_id=head.id,
        merged_member_id=_id(51),
        chosen_values={"phone": "+265888123456"},
        merged_record={"given_name": "Zoe"},
        merged_by_id=_id(92),
        **SYNCED,
    )
    return {
        "Location": village,
        "User": clerk,
        "PaymentServiceProvider": provider,
        "PayPoint": point,
        "Household": household,
        "Member": head,
        "MemberIdentifier": national_id,
        "Spouse": spouse,
        "BenefitPlan": plan,
        "PlanCriterion": top_up,
        "Enrolment": enrolment,
        "PaymentCycle": cycle,
        "Payroll": payroll,
        "PaymentLine": line,
        "PaymentEvent": event,
        "DuplicateCandidate": candidate,
        "MemberMerge": merge,
    }


def examples() -> dict[str, Resource]:
    """The resource of each example row, by model name (the order of MAPPINGS)."""
    r = rows()
    units, path = MINOR_UNITS, VILLAGE_PATH
    return {
        "Location": location_to_fhir(r["Location"]),
        "User": user_to_fhir(r["User"], location_ids=[r["Location"].id]),
        "PaymentServiceProvider": provider_to_fhir(r["PaymentServiceProvider"]),
        "PayPoint": pay_point_to_fhir(r["PayPoint"], clerk_ids=[_id(94)], location_path=path),
        "Household": household_to_fhir(
            r["Household"], members=[r["Member"], r["Spouse"]], location_path=path
        ),
        "Member": member_to_fhir(r["Member"], documents=[r["MemberIdentifier"]], location_path=path),
        "BenefitPlan": plan_to_fhir(r["BenefitPlan"], criteria=[r["PlanCriterion"]], minor_units=units),
        "Enrolment": enrolment_to_fhir(
            r["Enrolment"],
            beneficiary_id=r["Spouse"].id,
            scheme_name="Social Cash Transfer",
            location_path=path,
        ),
        "PaymentCycle": cycle_to_fhir(r["PaymentCycle"]),
        "Payroll": payroll_to_fhir(r["Payroll"], minor_units=units, location_path=path),
        "PaymentLine": line_to_fhir(r["PaymentLine"], minor_units=units, location_path=path),
        "PaymentEvent": event_to_fhir(
            r["PaymentEvent"],
            payroll_id=r["Payroll"].id,
            provider_id=_id(10),
            minor_units=units,
            location_path=path,
        ),
        "DuplicateCandidate": candidate_to_fhir(r["DuplicateCandidate"], location_path=path),
        "MemberMerge": merge_to_fhir(r["MemberMerge"], location_path=path),
    }


def markdown() -> str:
    """The examples block of docs/fhir.md, markers included."""
    parts = [START]
    for name, resource in examples().items():
        parts.append(
            f"\n#### {name} as {resource['resourceType']}\n\n```json\n{dumps(resource, indent=2)}\n```\n"
        )
    parts.append(END)
    return "\n".join(parts)


def rewrite(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    before, _, rest = text.partition(START)
    _, _, after = rest.partition(END)
    doc.write_text(before + markdown() + after, encoding="utf-8")


if __name__ == "__main__":
    rewrite(Path(sys.argv[1]))
