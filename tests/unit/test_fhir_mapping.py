"""The FHIR mapping: every synced row of a scheme, built through the real services, goes to FHIR (valid R4B)
and comes back as the very column values, through JSON text as client and server exchange it."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from cashdesk.desk import Desk, open_desk
from cashdesk.models import (
    BenefitPlan,
    DuplicateCandidate,
    DuplicateStatus,
    Enrolment,
    EnrolmentStatus,
    Household,
    Member,
    MemberIdentifier,
    MemberMerge,
    PaymentEvent,
    PaymentEventKind,
    PaymentLine,
    PaymentServiceProvider,
    PayPoint,
    Payroll,
    PlanCriterion,
    pay_point_clerks,
)
from cashdesk.payroll.approval import approve_payroll
from cashdesk.payroll.disbursement import record_not_paid, record_paid, reverse
from cashdesk.payroll.enrolment import change_status, enrol
from cashdesk.payroll.generation import generate_payroll
from cashdesk.payroll.plans import CriterionInput, PlanInput, save_plan
from cashdesk.payroll.providers import PayPointInput, save_pay_point
from cashdesk.payroll.queries import payroll_lines
from cashdesk.payroll.removal import remove_plan, remove_provider
from cashdesk.registry.household_input import IdentifierInput
from cashdesk.registry.households import create_household, stored_household, update_household
from cashdesk.registry.review import decide_not_same, merge, review_queue
from cashdesk.security import keystore
from cashdesk.sync.mapping import BOOKKEEPING, MAPPINGS, dumps, loads, location_path_of, mapping_for, validate
from cashdesk.sync.mapping.base import minor_units
from cashdesk.sync.mapping.examples import rows
from cashdesk.sync.mapping.people import member_from_fhir, member_to_fhir
from cashdesk.sync.mapping.urls import BASE
from cashdesk.sync.mapping.values import minor_of, money
from tests.conftest import ADMIN, ADMIN_PASSWORD, USER_PASSWORD
from tests.unit.payroll_helpers import (
    add_pay_points,
    add_provider,
    child_grant,
    district_officer,
    flat_plan,
    register_caseload,
)
from tests.unit.registry_helpers import household, member

# Columns that stay on the device that wrote them, besides BOOKKEEPING: written down here so that a
# mapping cannot quietly stop carrying a column.
LOCAL_ONLY: dict[str, set[str]] = {
    "Household": {"import_batch_id"},
    "Member": {"import_batch_id"},
    "PaymentEvent": {"reconciliation_row_id"},
    "User": {"must_change_password", "last_login_at"},
}


class World:
    """One scheme for the whole module (the mapping only reads it): logins by name."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.desks: dict[str, Desk] = {}

    def __call__(self, username: str) -> Desk:
        if username not in self.desks:
            password = ADMIN_PASSWORD if username == ADMIN else USER_PASSWORD
            self.desks[username] = open_desk(self.folder, username, password)
        return self.desks[username]

    def read(self, fn: Any) -> Any:
        return self(ADMIN).run(lambda session, _actor: fn(session))


def _tricky_household(officer: Desk) -> uuid.UUID:
    """Names in other scripts and accents, a birth year alone, documents, custom fields of every type, a
    mobile money account, a place on the map; then a member removed (a tombstone)."""
    head = member(
        "Zoë",
        "Ngũgĩ",
        born=None,
        year=1984,
        other_names="Wanjirũ Njeri",
        phone="0888123456",
        custom_fields={"school": "Mbewe CDSS", "pregnant": False, "meals": 2, "income": 1250.5, "crops": []},
    )
    head.source_ref = "HH-OLD-0042/1"  # the member_ref of the file she came from
    head.identifiers = [
        IdentifierInput("national_id", "NG 12-34"),
        IdentifierInput("refugee card", "UNHCR/9"),
    ]
    spouse = member("Jürgen", "Ngũgĩ", sex="M", relation="spouse", recipient="secondary", disability=True)
    granny = member("Ἀλεξάνδρα", "Ngũgĩ", born=date(1950, 1, 31), relation="parent", recipient=None)
    lodger = member("Пётр", "Ivanov", sex="M", born=date(2001, 12, 1), relation="other", recipient=None)
    saved = officer.run(
        create_household,
        household(
            head,
            spouse,
            granny,
            lodger,
            village="V002",
            pay_point_code="PP2",
            payment_method="mobile_money",
            payment_account="0888123456",
            address="Behind the borehole, plot 7",
            gps_latitude=Decimal("-15.786111"),
            gps_longitude=Decimal("35.005833"),
            custom_fields={"roof": "thatch", "rooms": 3, "plot": {"acres": "1.5"}, "remark": ""},
            source_ref="HH-OLD-0042",
        ),
    )
    detail = officer.run(stored_household, saved.id)
    data = detail.input
    data.members = [m for m in data.members if m.given_name != "Пётр"]
    officer.run(update_household, data)
    return saved.id


def _duplicates(officer: Desk, supervisor: Desk) -> None:
    """Esther registered twice (a candidate at capture), then merged: a MemberMerge, a tombstoned
    member and her emptied household; Joseph twice, decided not the same."""
    officer.run(
        create_household, household(member("Esther", "Nkhoma", born=date(1969, 7, 1), id_number="55501234"))
    )
    officer.run(
        create_household,
        household(member("Esther", "Nkoma", born=date(1969, 1, 7), phone="0999123456")),
        duplicate_note="entered from a second form",
    )
    item = supervisor.run(review_queue)[0]
    supervisor.run(merge, item.id, keep=item.left.member_id, choices={"phone": item.right.member_id})
    for note in ("", "a second form"):  # Joseph and his namesake in another village: not the same man
        officer.run(
            create_household,
            household(
                member("Joseph", "Kalua", sex="M", born=date(1950, 2, 2)), village="V002" if note else "V001"
            ),
            duplicate_note=note or None,
        )
    pair = supervisor.run(review_queue)[0]
    supervisor.run(decide_not_same, pair.id, note="different fathers")


def _plans_and_payments(world: World) -> None:
    """Plans for households (one with criteria) and for individuals, a removed plan, enrolments (one
    suspended), a payroll per pay point and one for the mobile money provider, approved; at PP1 a
    payment in cash, one not paid with its reason, one paid then reversed."""
    sue, admin = world("sue"), world(ADMIN)
    for plan in (flat_plan(), child_grant(), pension(), flat_plan("TYPO", name="Entered by mistake")):
        sue.run(save_plan, plan)
    sue.run(remove_plan, "TYPO")
    for code in ("ALL", "CG", "OAP"):
        sue.run(enrol, code, on=date(2026, 3, 1))
    sue.run(change_status, "ALL", _code_of(world, "Kondwani"), to="suspended", reason="away for the season")
    generated = sue.run(generate_payroll, plan_code="ALL", period="2026-03")
    for payroll in generated.payrolls:
        admin.run(approve_payroll, payroll.code)
    sue.run(generate_payroll, plan_code="OAP", period="2026-03")  # left pending approval
    carl = world("carl")
    first, second, third, *_ = (line.transaction_number for line in carl.run(payroll_lines, "ALL-202603-PP1"))
    carl.run(record_paid, transaction_number=first, verification="id_document")
    carl.run(
        record_not_paid, transaction_number=second, reason="other", note="Gone to the clinic in Blantyre"
    )
    carl.run(
        record_paid,
        transaction_number=third,
        verification="alternate",
        alternate_name="Chifundo Banda",
        alternate_id_number="MW777",
        occurred_at=datetime(2026, 3, 4, 7, 30, 15, 250000, tzinfo=UTC),
    )
    carl.run(reverse, transaction_number=third, reason="the wrong household's card")


def pension() -> PlanInput:
    """Everyone aged 60 or more, each enrolled and paid in person: 8,000.50, 2,000 more with a disability."""
    return PlanInput(
        code="OAP",
        name="Old age pension",
        target="individual",
        start=date(2026, 1, 1),
        conditions=[CriterionInput("member", "age", "gte", "60")],
        base_amount="8000.50",
        cap="12000",
        budget_per_cycle="1000000",
        top_ups=[CriterionInput("member", "disability", "eq", "yes", amount="2000")],
    )


def _code_of(world: World, given: str) -> str:
    return str(world.read(lambda s: s.get_one(Household, _member(s, given).household_id).code))


def _build(world: World) -> None:
    admin = world(ADMIN)
    add_pay_points(admin)
    admin.run(
        save_pay_point,
        PayPointInput(
            code="PP1",
            name="Chikwawa agent",
            provider="KMM",
            village="V001",
            address="Market square",
            opening_days="mon,fri",
            clerks=["carl"],
        ),
    )
    add_provider(
        admin, "OLD", kind="bank", contact_name="Ms Phiri", phone="+265999000111", email="old@bank.example"
    )
    admin.run(remove_provider, "OLD")
    officer = district_officer(admin, world)
    register_caseload(officer)
    _tricky_household(officer)
    _duplicates(officer, world("sue"))
    _plans_and_payments(world)


@pytest.fixture(scope="module")
def world(template_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    original = keystore.SCRYPT_N
    keystore.SCRYPT_N = 2**10  # as the autouse fixture does for each test (module fixtures come first)
    folder = tmp_path_factory.mktemp("fhir") / "data"
    shutil.copytree(template_dir, folder)
    built = World(folder)
    try:
        _build(built)
        yield built
    finally:
        for desk in built.desks.values():
            desk.close()
        keystore.SCRYPT_N = original


def columns(row: Any, model_name: str) -> dict[str, Any]:
    """Every column of the row but the bookkeeping and the device's own."""
    skip = BOOKKEEPING | LOCAL_ONLY.get(model_name, set())
    return {a.key: getattr(row, a.key) for a in inspect(type(row)).column_attrs if a.key not in skip}


def round_trip(session: Session, row: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The resource as valid R4B, and the values read back from its JSON text."""
    mapping = MAPPINGS[type(row).__name__]
    resource = mapping.read(session, row)
    validate(resource)
    arrived = loads(dumps(resource))
    assert mapping_for(arrived) is mapping
    return resource, mapping.from_fhir(arrived, minor_units=minor_units(session))


def _rows(session: Session, model: type[Any]) -> list[Any]:
    return list(session.execute(select(model).order_by(model.id)).scalars())


@pytest.mark.parametrize("name", list(MAPPINGS))
def test_every_row_comes_back_with_every_column(world: World, name: str) -> None:
    mapping = MAPPINGS[name]
    assert mapping.local_only == LOCAL_ONLY.get(name, set())

    def check(session: Session) -> int:
        rows = _rows(session, mapping.model)
        for row in rows:
            _resource, values = round_trip(session, row)
            assert values == columns(row, name)
        return len(rows)

    assert world.read(check) >= 1


def test_identity_documents_and_pay_point_clerks_travel_inside_their_record(world: World) -> None:
    def check(session: Session) -> None:
        for m in _rows(session, Member):
            resource, _ = round_trip(session, m)
            documents = [
                {"id": d.id, "member_id": d.member_id, "id_type": d.id_type, "number": d.number}
                for d in session.execute(
                    select(MemberIdentifier)
                    .where(MemberIdentifier.member_id == m.id)
                    .order_by(MemberIdentifier.id)
                ).scalars()
            ]
            arrived = loads(dumps(resource))
            assert MAPPINGS["Member"].children(arrived, minor_units=2) == {"member_identifiers": documents}
        for point in _rows(session, PayPoint):
            resource, _ = round_trip(session, point)
            clerks = session.execute(
                select(pay_point_clerks.c.pay_point_id, pay_point_clerks.c.user_id)
                .where(pay_point_clerks.c.pay_point_id == point.id)
                .order_by(pay_point_clerks.c.user_id)
            ).all()
            assert MAPPINGS["PayPoint"].children(resource, minor_units=2) == {
                "pay_point_clerks": [{"pay_point_id": p, "user_id": u} for p, u in clerks]
            }

    world.read(check)


def _member(session: Session, given: str) -> Member:
    return session.execute(select(Member).where(Member.given_name == given)).scalar_one()


def test_a_person_reads_as_fhir_expects_whatever_the_script(world: World) -> None:
    def check(session: Session) -> None:
        zoe, values = round_trip(session, _member(session, "Zoë"))
        assert zoe["name"] == [{"use": "official", "family": "Ngũgĩ", "given": ["Zoë", "Wanjirũ Njeri"]}]
        assert zoe["birthDate"] == "1984" and (values["date_of_birth"], values["birth_year"]) == (None, 1984)
        assert zoe["gender"] == "female" and zoe["active"] is True
        assert {"system": f"{BASE}/identifier/member-ref", "value": "HH-OLD-0042/1"} in zoe["identifier"]
        assert {"system": f"{BASE}/identifier/document/refugee%20card", "value": "UNHCR9"} in [
            {k: v for k, v in i.items() if k != "id"} for i in zoe["identifier"]
        ]
        assert values["custom_fields"] == {
            "school": "Mbewe CDSS",
            "pregnant": False,
            "meals": 2,
            "income": 1250.5,
            "crops": [],
        }
        granny, _ = round_trip(session, _member(session, "Ἀλεξάνδρα"))
        assert granny["birthDate"] == "1950-01-31" and not any(
            "birth-year" in e["url"] for e in granny["extension"]
        )

    world.read(check)


def test_a_tombstone_travels_as_an_inactive_record_with_its_time(world: World) -> None:
    def check(session: Session) -> None:
        lodger = _member(session, "Пётр")
        resource, values = round_trip(session, lodger)
        assert resource["active"] is False and values["deleted_at"] == lodger.deleted_at is not None
        group, _ = round_trip(session, session.get_one(Household, lodger.household_id))
        assert {"entity": {"reference": f"Patient/{lodger.id}"}, "inactive": True}.items() <= next(
            m for m in group["member"] if m["entity"]["reference"] == f"Patient/{lodger.id}"
        ).items()
        assert group["quantity"] == 3 and group["active"] is True
        old = session.execute(
            select(PaymentServiceProvider).where(PaymentServiceProvider.code == "OLD")
        ).scalar_one()
        organization, values = round_trip(session, old)
        assert organization["active"] is False and isinstance(values["deleted_at"], datetime)
        assert values["deleted_at"].tzinfo == UTC

    world.read(check)


def test_a_household_keeps_its_place_attributes_and_roles(world: World) -> None:
    def check(session: Session) -> None:
        zoe = _member(session, "Zoë")
        group, values = round_trip(session, session.get_one(Household, zoe.household_id))
        assert (group["type"], group["actual"]) == ("person", True)
        assert "characteristic" not in group
        assert (values["gps_latitude"], values["gps_longitude"]) == (
            Decimal("-15.786111"),
            Decimal("35.005833"),
        )
        assert '"latitude","valueDecimal":-15.786111}' in dumps(group)  # a number, digit for digit
        assert values["custom_fields"] == {
            "roof": "thatch",
            "rooms": 3,
            "plot": {"acres": "1.5"},
            "remark": "",
        }
        roles = {
            m["entity"]["reference"]: sorted(e["valueCode"] for e in m["extension"]) for m in group["member"]
        }
        assert roles[f"Patient/{zoe.id}"] == ["head", "primary"]

    world.read(check)


def test_every_resource_of_a_place_carries_its_path_and_the_others_none(world: World) -> None:
    def check(session: Session) -> None:
        zoe = _member(session, "Zoë")
        patient, _ = round_trip(session, zoe)
        assert location_path_of(patient) == "/R01/D01/V002/"
        point = session.execute(select(PayPoint).where(PayPoint.code == "PP1")).scalar_one()
        location, _ = round_trip(session, point)
        assert location_path_of(location) == "/R01/D01/V001/"
        assert location["managingOrganization"] == {"reference": f"Organization/{point.provider_id}"}
        assert location["hoursOfOperation"] == [{"daysOfWeek": ["mon", "fri"]}]
        for provider in _rows(session, PaymentServiceProvider):
            organization, _ = round_trip(session, provider)
            assert location_path_of(organization) is None and "meta" not in organization

    world.read(check)


def _one(session: Session, model: type[Any], **where: Any) -> Any:
    return session.execute(select(model).filter_by(**where)).scalar_one()


def test_plan_amounts_are_money_in_major_units_and_criteria_travel_inside(world: World) -> None:
    def check(session: Session) -> None:
        plan = _one(session, BenefitPlan, code="OAP")
        resource, values = round_trip(session, plan)
        costs = {c["type"]["coding"][0]["code"]: c["cost"] for c in resource["plan"][0]["generalCost"]}
        assert costs == {
            "base-amount": {"value": Decimal("8000.50"), "currency": "MWK"},
            "ceiling": {"value": Decimal("12000.00"), "currency": "MWK"},
            "budget": {"value": Decimal("1000000.00"), "currency": "MWK"},
        }
        assert '"value":8000.50,"currency":"MWK"' in dumps(resource)
        assert values["base_amount_minor"] == 800_050 and location_path_of(resource) is None
        criteria = [
            {a.key: getattr(c, a.key) for a in inspect(PlanCriterion).column_attrs}
            for c in sorted(plan.criteria, key=lambda c: c.id)
        ]
        arrived = MAPPINGS["BenefitPlan"].children(loads(dumps(resource)), minor_units=2)
        assert sorted(arrived["plan_criteria"], key=lambda c: c["id"]) == criteria
        assert [c["amount_minor"] for c in criteria] == [None, 200_000]
        with pytest.raises(ValueError, match="minor_units"):
            MAPPINGS["BenefitPlan"].children(resource)
        removed, _ = round_trip(session, _one(session, BenefitPlan, code="TYPO"))
        assert removed["status"] == "retired"

    world.read(check)


def test_an_enrolment_is_a_coverage_of_its_person_or_of_the_household_head(world: World) -> None:
    def check(session: Session) -> None:
        granny = _member(session, "Ἀλεξάνδρα")
        pension = _one(session, BenefitPlan, code="OAP")
        coverage, values = round_trip(
            session, _one(session, Enrolment, plan_id=pension.id, member_id=granny.id)
        )
        assert coverage["beneficiary"] == {"reference": f"Patient/{granny.id}"}
        assert values["member_id"] == granny.id and coverage["type"]["coding"][0]["code"] == "individual"
        kondwani = _member(session, "Kondwani")
        flat = _one(session, BenefitPlan, code="ALL")
        enrolment = _one(session, Enrolment, plan_id=flat.id, household_id=kondwani.household_id)
        coverage, values = round_trip(session, enrolment)
        assert coverage["beneficiary"] == {"reference": f"Patient/{kondwani.id}"}  # the head stands for it
        assert values["member_id"] is None and values["status"] == EnrolmentStatus.SUSPENDED
        assert coverage["status"] == "active"
        assert {"url": f"{BASE}/StructureDefinition/enrolment-status", "valueCode": "suspended"} in coverage[
            "extension"
        ]
        assert (
            coverage["period"] == {"start": "2026-03-01"} and location_path_of(coverage) == "/R01/D01/V001/"
        )

    world.read(check)


def test_a_payment_line_is_an_invoice_with_its_transaction_number_and_recipient(world: World) -> None:
    def check(session: Session) -> None:
        zoe = _member(session, "Zoë")
        line = _one(session, PaymentLine, recipient_member_id=zoe.id)
        invoice, values = round_trip(session, line)
        assert invoice["identifier"] == [
            {"system": f"{BASE}/identifier/transaction-number", "value": line.transaction_number}
        ]
        assert invoice["recipient"] == {"reference": f"Patient/{zoe.id}"}
        assert invoice["subject"] == {"reference": f"Group/{zoe.household_id}"}
        assert invoice["totalNet"] == {"value": Decimal("10000.00"), "currency": "MWK"}
        assert values["amount_minor"] == 1_000_000 and values["payment_method"] == "mobile_money"

    world.read(check)


def test_payment_events_are_notices_with_not_paid_and_its_reason(world: World) -> None:
    def check(session: Session) -> None:
        events = {e.kind: e for e in _rows(session, PaymentEvent)}
        payroll = _one(session, Payroll, code="ALL-202603-PP1")
        notice, values = round_trip(session, events[PaymentEventKind.NOT_PAID])
        ext = {e["url"].rsplit("/", 1)[1]: e for e in notice["extension"]}
        assert (
            ext["payment-event"]["valueCode"] == "not_paid" and ext["not-paid-reason"]["valueCode"] == "other"
        )
        assert (
            ext["note"]["valueString"] == "Gone to the clinic in Blantyre" and "paymentStatus" not in notice
        )
        assert notice["payment"] == {"reference": f"PaymentReconciliation/{payroll.id}"}
        assert notice["recipient"] == {"reference": f"Organization/{payroll.provider_id}"}
        paid, values = round_trip(session, next(e for e in _rows(session, PaymentEvent) if e.alternate_name))
        assert values["occurred_at"] == datetime(2026, 3, 4, 7, 30, 15, 250000, tzinfo=UTC)
        assert paid["paymentDate"] == "2026-03-04" and paid["paymentStatus"]["coding"][0]["code"] == "paid"
        reversal, values = round_trip(session, events[PaymentEventKind.REVERSAL])
        assert str(values["reverses_id"]) == paid["id"] and reversal["request"] == paid["request"]

    world.read(check)


def test_a_payroll_is_tagged_with_its_pay_points_village_or_the_place_of_all_its_households(
    world: World,
) -> None:
    def check(session: Session) -> None:
        tags = {p.code: location_path_of(round_trip(session, p)[0]) for p in _rows(session, Payroll)}
        assert tags["ALL-202603-PP1"] == "/R01/D01/V001/" and tags["ALL-202603-PP2"] == "/R01/D01/V002/"
        assert tags["ALL-202603-KMM"] == "/R01/D01/V002/"  # Zoë's household alone pays by mobile money
        reconciliation, values = round_trip(session, _one(session, Payroll, code="ALL-202603-PP1"))
        assert reconciliation["paymentAmount"]["value"] == Decimal(values["total_amount_minor"]).scaleb(-2)
        assert "detail" not in reconciliation and reconciliation["status"] == "active"

    world.read(check)


def test_duplicate_decisions_are_linkages_in_effect_only_when_the_same_person(world: World) -> None:
    def check(session: Session) -> None:
        merged = _rows(session, MemberMerge)[0]
        linkage, _ = round_trip(session, merged)
        assert linkage["active"] is True and [i["type"] for i in linkage["item"]] == ["source", "historical"]
        assert linkage["item"][1]["resource"] == {"reference": f"Patient/{merged.merged_member_id}"}
        refused = _one(session, DuplicateCandidate, status=DuplicateStatus.NOT_SAME)
        linkage, values = round_trip(session, refused)
        assert linkage["active"] is False and values["score"] == refused.score
        assert location_path_of(linkage) == "/R01/D01/"  # the two Josephs live in two villages

    world.read(check)


def test_money_is_exact_whatever_the_currency_has_for_minor_units() -> None:
    assert money(1_234_567, "UGX", 0) == {"value": Decimal("1234567"), "currency": "UGX"}
    assert money(1_234_567, "KWD", 3) == {"value": Decimal("1234.567"), "currency": "KWD"}
    assert minor_of({"value": Decimal("1234.567"), "currency": "KWD"}, 3) == 1_234_567
    assert minor_of({"value": 10000.5, "currency": "MWK"}, 2) == 1_000_050  # another parser's float
    assert minor_of({"value": 12, "currency": "MWK"}, 2) == 1200
    with pytest.raises(ValueError, match="more than 2 decimals"):
        minor_of({"value": Decimal("0.005"), "currency": "MWK"}, 2)
    text = dumps({"resourceType": "Basic", "amount": money(5, "MWK", 2)})
    assert text == '{"resourceType":"Basic","amount":{"value":0.05,"currency":"MWK"}}'
    assert loads(text)["amount"]["value"] == Decimal("0.05")
    with pytest.raises(TypeError, match="float"):
        dumps({"value": 0.05})


def test_a_resource_no_mapping_knows_is_refused() -> None:
    with pytest.raises(ValueError, match="Observation"):
        mapping_for({"resourceType": "Observation", "id": "x"})


def test_a_birth_year_that_says_otherwise_than_the_date_is_kept() -> None:
    """A merge may take the date of birth from one record and the year from the other."""
    spouse = rows()["Spouse"]
    spouse.birth_year = 1980  # born 1979-11-03
    patient = member_to_fhir(spouse, documents=[], location_path="/R01/")
    validate(patient)
    assert patient["birthDate"] == "1979-11-03"
    assert member_from_fhir(loads(dumps(patient))) == columns(spouse, "Member")
