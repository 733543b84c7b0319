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
    Household,
    Member,
    MemberIdentifier,
    PaymentServiceProvider,
    PayPoint,
    pay_point_clerks,
)
from cashdesk.payroll.providers import PayPointInput, save_pay_point
from cashdesk.payroll.removal import remove_provider
from cashdesk.registry.household_input import IdentifierInput
from cashdesk.registry.households import create_household, stored_household, update_household
from cashdesk.registry.review import merge, review_queue
from cashdesk.security import keystore
from cashdesk.sync.mapping import BOOKKEEPING, MAPPINGS, dumps, loads, location_path_of, mapping_for, validate
from cashdesk.sync.mapping.base import minor_units
from cashdesk.sync.mapping.urls import BASE
from tests.conftest import ADMIN, ADMIN_PASSWORD, USER_PASSWORD
from tests.unit.payroll_helpers import add_pay_points, add_provider, district_officer, register_caseload
from tests.unit.registry_helpers import household, member

# Columns that stay on the device that wrote them, besides BOOKKEEPING: written down here so that a
# mapping cannot quietly stop carrying a column.
LOCAL_ONLY: dict[str, set[str]] = {
    "Household": {"import_batch_id"},
    "Member": {"import_batch_id"},
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
    member and her emptied household."""
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

    assert world.read(check) >= 2  # live rows and, for most, a tombstone


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
            assert MAPPINGS["Member"].children(loads(dumps(resource))) == {"member_identifiers": documents}
        for point in _rows(session, PayPoint):
            resource, _ = round_trip(session, point)
            clerks = session.execute(
                select(pay_point_clerks.c.pay_point_id, pay_point_clerks.c.user_id)
                .where(pay_point_clerks.c.pay_point_id == point.id)
                .order_by(pay_point_clerks.c.user_id)
            ).all()
            assert MAPPINGS["PayPoint"].children(resource) == {
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
