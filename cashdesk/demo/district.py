"""Generate a demo district: locations, two providers with pay points, N households, and a child grant with
its enrolled caseload and this month's payrolls (demo/payroll.py).

Households are written with bulk Core inserts in one transaction (100,000 households in well under
two minutes); cancelling rolls everything back.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from cashdesk.core.codes import HOUSEHOLD, reserve_codes
from cashdesk.core.database import note_changed
from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.demo.names import FAMILY, FEMALE_GIVEN, MALE_GIVEN, VILLAGE_SUFFIXES, VILLAGE_SYLLABLES
from cashdesk.demo.payroll import load_demo_payroll
from cashdesk.models import (
    Base,
    Household,
    Location,
    LocationLevel,
    PaymentMethod,
    PaymentServiceProvider,
    PayPoint,
    ProviderKind,
    RecipientRole,
    Relationship,
    Scheme,
    Sex,
)
from cashdesk.models.keys import uuid7
from cashdesk.registry import duplicates, search
from cashdesk.scheme.countries import COUNTRIES
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

BATCH = 2000


@dataclass(frozen=True)
class DemoSummary:
    villages: int
    providers: int
    pay_points: int
    households: int
    members: int
    enrolled: int = 0  # in the demo's child grant
    payrolls: tuple[str, ...] = ()  # this month's
    approved_payroll: str = ""


def _village_names(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        word = "".join(rng.choice(VILLAGE_SYLLABLES) for _syllable in range(rng.randint(2, 4)))
        names.add(word.capitalize() + rng.choice(VILLAGE_SUFFIXES))
    return sorted(names)


def _mobile_numbering(region: str) -> tuple[list[str], int]:
    """The three-digit starts of the country's mobile numbers and their length, as libphonenumber knows
    them (so that every demo phone passes the registry's check): each start is tried with one number."""
    import phonenumbers
    from phonenumbers import PhoneNumberType

    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    national = str(example.national_number) if example else "881234567"
    starts = []
    for start in range(100, 1000):
        candidate = phonenumbers.parse(f"{start}{national[3:]}", region)
        if phonenumbers.is_valid_number(candidate) and phonenumbers.number_type(candidate) in (
            PhoneNumberType.MOBILE,
            PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            starts.append(str(start))
    return starts or [national[:3]], len(national)


class _People:
    """Draws realistic members for one household at a time."""

    def __init__(self, rng: random.Random, country_code: str, today: date) -> None:
        self.rng = rng
        self.today = today
        country = COUNTRIES[country_code] if country_code in COUNTRIES else COUNTRIES["MW"]
        self.country = country
        self.mobile_prefixes, self.mobile_length = _mobile_numbering(country.code)
        self.next_national_id = rng.randint(10_000_000, 20_000_000)

    def phone(self) -> str:
        c = self.country
        prefix = self.rng.choice(self.mobile_prefixes)
        rest = "".join(str(self.rng.randint(0, 9)) for _digit in range(self.mobile_length - len(prefix)))
        return f"+{c.dialling_code}{prefix}{rest}"

    def birth(self, age: int) -> tuple[date | None, int, bool]:
        born = self.today - timedelta(days=age * 365 + self.rng.randint(0, 364))
        # About one in seven people (more among the old) only know a year of birth.
        if self.rng.random() < (0.35 if age > 60 else 0.12):
            return None, born.year, True
        return born, born.year, False

    def person(self, *, sex: Sex, age: int, family: str, relation: Relationship) -> dict[str, Any]:
        rng = self.rng
        given = rng.choice(FEMALE_GIVEN if sex == Sex.FEMALE else MALE_GIVEN)
        other = rng.choice(FEMALE_GIVEN if sex == Sex.FEMALE else MALE_GIVEN) if rng.random() < 0.2 else None
        dob, year, estimated = self.birth(age)
        return {
            "given_name": given,
            "family_name": family,
            "other_names": other,
            "sex": sex,
            "date_of_birth": dob,
            "birth_year": year,
            "birth_date_estimated": estimated,
            "relation_to_head": relation,
            "recipient_role": None,
            "phone": self.phone() if age >= 18 and rng.random() < 0.6 else None,
            "disability": rng.random() < 0.04,
            "age": age,
        }

    def household(self) -> list[dict[str, Any]]:
        rng = self.rng
        family = rng.choice(FAMILY)
        head_sex = Sex.FEMALE if rng.random() < 0.55 else Sex.MALE  # many cash-transfer heads are women
        head_age = rng.randint(19, 88)
        people = [self.person(sex=head_sex, age=head_age, family=family, relation=Relationship.HEAD)]
        if head_age < 70 and rng.random() < 0.55:
            spouse_sex = Sex.MALE if head_sex == Sex.FEMALE else Sex.FEMALE
            spouse_age = max(18, head_age + rng.randint(-8, 8))
            spouse_family = family if rng.random() < 0.6 else rng.choice(FAMILY)
            people.append(
                self.person(
                    sex=spouse_sex, age=spouse_age, family=spouse_family, relation=Relationship.SPOUSE
                )
            )
        children = rng.choice((0, 1, 2, 2, 3, 3, 4, 5, 6)) if head_age < 60 else rng.choice((0, 0, 1, 2))
        for _child in range(children):
            age = rng.randint(0, min(17, max(0, head_age - 16)))
            sex = rng.choice((Sex.FEMALE, Sex.MALE))
            people.append(self.person(sex=sex, age=age, family=family, relation=Relationship.CHILD))
        if children >= 2 and rng.random() < 0.03:  # twins: same birth date, same household
            twin = dict(people[-1])
            twin["given_name"] = rng.choice(FEMALE_GIVEN if twin["sex"] == Sex.FEMALE else MALE_GIVEN)
            people.append(twin)
        if head_age >= 50 and rng.random() < 0.4:
            for _grandchild in range(rng.randint(1, 3)):
                people.append(
                    self.person(
                        sex=rng.choice((Sex.FEMALE, Sex.MALE)),
                        age=rng.randint(0, 15),
                        family=rng.choice(FAMILY),
                        relation=Relationship.GRANDCHILD,
                    )
                )
        if head_age < 45 and rng.random() < 0.08:
            people.append(
                self.person(
                    sex=Sex.FEMALE,
                    age=head_age + rng.randint(20, 30),
                    family=family,
                    relation=Relationship.PARENT,
                )
            )
        if rng.random() < 0.05:
            people.append(
                self.person(
                    sex=rng.choice((Sex.FEMALE, Sex.MALE)),
                    age=rng.randint(10, 40),
                    family=rng.choice(FAMILY),
                    relation=Relationship.OTHER,
                )
            )
        # The head usually collects; sometimes another adult does, and some have a second recipient.
        adults = [p for p in people if p["age"] >= 18]
        primary = people[0] if rng.random() < 0.75 or len(adults) == 1 else rng.choice(adults[1:])
        primary["recipient_role"] = RecipientRole.PRIMARY
        others = [p for p in adults if p is not primary]
        if others and rng.random() < 0.3:
            rng.choice(others)["recipient_role"] = RecipientRole.SECONDARY
        return people

    def identifiers(self, person: dict[str, Any]) -> list[tuple[str, str]]:
        rng = self.rng
        if person["age"] >= 16 and rng.random() < 0.82:
            self.next_national_id += rng.randint(1, 40)
            return [("national_id", f"{self.next_national_id:08d}")]
        if person["age"] < 16 and rng.random() < 0.4:
            return [("birth_certificate", f"BC{rng.randint(0, 9_999_999):07d}")]
        return []


def _create_network(
    session: Session, rng: random.Random, *, households: int
) -> tuple[list[Location], list[PayPoint]]:
    region = Location(code="R01", name="Southern Region", level=LocationLevel.REGION, path="/R01/")
    session.add(region)
    session.flush()
    district = Location(
        code="D01", name="Demo District", level=LocationLevel.DISTRICT, parent_id=region.id, path="/R01/D01/"
    )
    session.add(district)
    session.flush()
    village_count = max(12, min(400, households // 120))
    villages = [
        Location(
            code=f"V{i:03d}",
            name=name,
            level=LocationLevel.VILLAGE,
            parent_id=district.id,
            path=f"/R01/D01/V{i:03d}/",
        )
        for i, name in enumerate(_village_names(rng, village_count), start=1)
    ]
    session.add_all(villages)
    # Contracts for this year and the next: the demo payroll of this month can go through them.
    year = datetime.now(UTC).year
    contract = {"contract_from": date(year, 1, 1), "contract_to": date(year + 1, 12, 31)}
    mobile = PaymentServiceProvider(
        code="KMM",
        name="Kalulu Mobile Money",
        kind=ProviderKind.MOBILE_MONEY,
        contact_name="Agent desk",
        phone="+265888000100",
        contract_ref=f"KMM/CT/{year}-01",
        **contract,
    )
    bank = PaymentServiceProvider(
        code="TCB",
        name="Tiyeni Community Bank",
        kind=ProviderKind.BANK,
        contact_name="Branch manager",
        phone="+265999000200",
        contract_ref=f"TCB/CT/{year}-02",
        **contract,
    )
    session.add_all([mobile, bank])
    session.flush()
    pay_points = []
    hubs = rng.sample(villages, k=min(len(villages), 10))
    for i, village in enumerate(hubs, start=1):
        provider = mobile if i <= 6 else bank
        kind = "agent" if provider is mobile else "branch"
        pay_points.append(
            PayPoint(
                code=f"PP{i:02d}",
                name=f"{village.name} {kind}",
                provider_id=provider.id,
                location_id=village.id,
                address=f"Trading centre, {village.name}",
                opening_days="mon,wed,fri" if provider is mobile else "tue,thu",
            )
        )
    session.add_all(pay_points)
    session.flush()
    return villages, pay_points


@dataclass
class _Rows:
    households: list[dict[str, Any]]
    members: list[dict[str, Any]]
    identifiers: list[dict[str, Any]]


class _HouseholdWriter:
    """Turns drawn people into rows for bulk insert, choosing how each household is paid."""

    def __init__(
        self,
        rng: random.Random,
        people: _People,
        villages: list[Location],
        pay_points: list[PayPoint],
        actor: Actor,
    ) -> None:
        self.rng = rng
        self.people = people
        self.villages = villages
        self.pay_points = pay_points
        self.mobile_points = [p for p in pay_points if p.code <= "PP06"]
        self.bank_points = [p for p in pay_points if p.code > "PP06"]
        self.actor = actor
        self.now = datetime.now(UTC)

    def _payment(self, primary: dict[str, Any]) -> tuple[PaymentMethod, PayPoint, str | None]:
        roll = self.rng.random()
        if roll < 0.35 and primary["phone"]:
            return PaymentMethod.MOBILE_MONEY, self.rng.choice(self.mobile_points), primary["phone"]
        if roll > 0.95:
            return (
                PaymentMethod.BANK,
                self.rng.choice(self.bank_points),
                f"{self.rng.randint(10**9, 10**10 - 1)}",
            )
        return PaymentMethod.CASH, self.rng.choice(self.pay_points), None

    def add(self, rows: _Rows, code: str) -> None:
        rng = self.rng
        village = rng.choice(self.villages)
        household_id = uuid7()
        members = self.people.household()
        primary = next(m for m in members if m["recipient_role"] == RecipientRole.PRIMARY)
        method, point, account = self._payment(primary)
        gps = rng.random() < 0.5
        rows.households.append(
            {
                "id": household_id,
                "code": code,
                "location_id": village.id,
                "address": f"Plot {rng.randint(1, 400)}, {village.name}",
                "gps_latitude": Decimal(f"{-15.9 + rng.uniform(-0.3, 0.3):.6f}") if gps else None,
                "gps_longitude": Decimal(f"{34.7 + rng.uniform(-0.3, 0.3):.6f}") if gps else None,
                "preferred_pay_point_id": point.id,
                "payment_method": method,
                "payment_provider_id": point.provider_id if method != PaymentMethod.CASH else None,
                "payment_account": account,
                "custom_fields": {},
                "registered_by_id": self.actor.user_id,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )
        for person in members:
            member_id = uuid7()
            row = {k: v for k, v in person.items() if k != "age"}
            row.update(
                id=member_id,
                household_id=household_id,
                custom_fields={},
                created_at=self.now,
                updated_at=self.now,
            )
            rows.members.append(row)
            rows.identifiers.extend(
                {"id": uuid7(), "member_id": member_id, "id_type": id_type, "number": number}
                for id_type, number in self.people.identifiers(person)
            )


def _refuse_unless_empty(session: Session, households: int) -> None:
    if households < 1 or households > 2_000_000:
        raise ValidationError(
            _("The number of households must be between 1 and 2,000,000."), field="households"
        )
    for model, message in (
        (Household, _("This database already has households: the demo district only goes into a new one.")),
        (Location, _("This database already has locations: the demo district only goes into a new one.")),
    ):
        if session.execute(select(func.count()).select_from(model)).scalar_one():
            raise ValidationError(message)


def load_demo_district(
    session: Session,
    actor: Actor,
    *,
    households: int = 2000,
    seed: int | None = None,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> DemoSummary:
    actor.require(Permission.LOAD_DEMO_DATA)
    abort = abort or never_abort()
    _refuse_unless_empty(session, households)
    rng = random.Random(seed)
    country = session.execute(select(Scheme.country)).scalar_one()
    people = _People(rng, country, datetime.now(UTC).date())
    progress(0.0, _("Creating villages and pay points"))
    villages, pay_points = _create_network(session, rng, households=households)
    writer = _HouseholdWriter(rng, people, villages, pay_points, actor)
    codes = reserve_codes(session, HOUSEHOLD, households)
    member_total = 0
    for start in range(0, households, BATCH):
        check_abort(abort)
        rows = _Rows([], [], [])
        for code in codes[start : start + BATCH]:
            writer.add(rows, code)
        session.execute(insert(Base.metadata.tables["households"]), rows.households)
        session.execute(insert(Base.metadata.tables["members"]), rows.members)
        if rows.identifiers:
            session.execute(insert(Base.metadata.tables["member_identifiers"]), rows.identifiers)
        member_total += len(rows.members)
        done = min(households, start + BATCH)
        progress(
            0.95 * done / households,
            _("{done:,} of {total:,} households").format(done=done, total=households),
        )
    note_changed(
        session, "households", "members", "member_identifiers", "locations", "providers", "pay_points"
    )
    # Like any registration, the demo people are found by the households search and by the duplicate
    # check while typing.
    check_abort(abort)
    progress(0.95, _("Indexing the households for search and duplicate checks"))
    search.index_households(session, session.execute(select(Household.id)).scalars())
    duplicates.store_keys(session, duplicates.load_people(session), stored="none")
    check_abort(abort)
    progress(0.97, _("Enrolling the child grant and generating this month's payrolls"))
    money = load_demo_payroll(session, actor, people.today)
    summary = DemoSummary(
        len(villages),
        2,
        len(pay_points),
        households,
        member_total,
        money.enrolled,
        money.payrolls,
        money.approved,
    )
    audit.record(
        session,
        actor,
        action="demo.loaded",
        entity_type="scheme",
        entity_id=1,
        summary=_("demo district with {n:,} households").format(n=households),
        after=summary.__dict__,
    )
    progress(1.0, _("{n:,} households ready").format(n=households))
    return summary
