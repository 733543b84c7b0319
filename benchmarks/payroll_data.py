"""The payroll benchmark's scheme: a real CashDesk database file made through the project's own services,
and a seeded caseload of realistic households written with the import's bulk path (cashdesk.core.bulk).

Not the test helpers' six households, and not the duplicate matcher's generators: households of 1 to 12
members (head, spouse, children, grandchildren, others; ages, sexes, birth years only for some), 120
villages in 6 districts of 2 regions, a proxy means test score as the scheme's custom field, one primary
recipient each, paid by mobile money through one provider (so one payroll holds every line: payrolls are
per provider for mobile money). District D01 holds exactly a tenth of the households (every tenth one):
its pilot plan gives the 10,000-row payroll of the sheet benchmark.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cashdesk.core import bulk
from cashdesk.core.codes import HOUSEHOLD, reserve_codes
from cashdesk.core.database import note_changed
from cashdesk.demo.names import FAMILY, FEMALE_GIVEN, MALE_GIVEN
from cashdesk.desk import Desk, open_desk
from cashdesk.models import LocationLevel, PaymentServiceProvider
from cashdesk.models.keys import uuid7s
from cashdesk.models.registry import PaymentMethod, RecipientRole, Relationship, Sex
from cashdesk.models.security import Role
from cashdesk.payroll.plans import CriterionInput, PlanInput, save_plan
from cashdesk.payroll.providers import ProviderInput, save_provider
from cashdesk.registry.locations import create_location
from cashdesk.scheme.create import create_scheme
from cashdesk.scheme.settings import set_custom_fields
from cashdesk.security import users
from cashdesk.security.permissions import Actor

PASSWORD = "bench-pass-1"
MAKER, CHECKER = "maker", "checker"  # two supervisors: one generates, the other approves
REFERENCE = date(2026, 3, 1)  # ages are drawn against it; enrolment and the March cycle use it
PERIOD = "2026-03"
REGIONS, DISTRICTS_PER_REGION, VILLAGES_PER_DISTRICT = 2, 3, 20
PILOT_DISTRICT = "D01"
SIZES = tuple(range(1, 13))
SIZE_WEIGHTS = (5, 9, 13, 15, 15, 13, 10, 7, 5, 4, 2, 2)  # mean about 5.3 members
CUSTOM_SCHEMA = {
    "household": {
        "type": "object",
        "properties": {"pmt_score": {"type": "integer", "title": "Proxy means test score"}},
    }
}
HOUSEHOLD_COLUMNS = (
    "id", "code", "location_id", "address", "payment_method", "payment_provider_id", "payment_account",
    "custom_fields",
)  # fmt: skip
MEMBER_COLUMNS = (
    "id", "household_id", "given_name", "family_name", "sex", "date_of_birth", "birth_year",
    "birth_date_estimated", "relation_to_head", "recipient_role", "phone", "disability",
)  # fmt: skip
IDENTIFIER_COLUMNS = ("id", "member_id", "id_type", "number")


# --- plans: the criteria sets measured, each with a twin for the baseline to write into ---------------

TARGETING = [  # one flat list, matched all or any (plans have no nested groups)
    CriterionInput("household", "size", "gte", "5"),
    CriterionInput("member", "age", "lt", "5"),
    CriterionInput("head", "sex", "eq", "F"),
    CriterionInput("household", "custom.pmt_score", "lte", "40"),
]
CHILD_TOP_UP = [CriterionInput("member", "age", "lt", "5", amount="1500", max_count=2)]


def plan(code: str, *, match: str = "all", conditions: list[CriterionInput] | None = None) -> PlanInput:
    return PlanInput(
        code=code,
        name=f"Benchmark {code}",
        start=date(2026, 1, 1),
        match=match,
        conditions=list(conditions or []),
        base_amount="10000",
        top_ups=list(CHILD_TOP_UP),
    )


def plans() -> list[PlanInput]:
    """TARGET-ANY / TARGET-ALL: the four conditions matched any / all; PAY: everyone (generation);
    PILOT: district D01 (the 10,000-row sheet); X-B: the same plan for the baseline to enrol or pay."""
    made = []
    for code, match, conditions in (
        ("TARGET-ANY", "any", TARGETING),
        ("TARGET-ALL", "all", TARGETING),
        ("PAY", "all", []),
    ):
        made += [
            plan(code, match=match, conditions=conditions),
            plan(f"{code}-B", match=match, conditions=conditions),
        ]
    made.append(plan("PILOT", conditions=[CriterionInput("household", "area", "eq", PILOT_DISTRICT)]))
    return made


# --- the caseload -------------------------------------------------------------------------------------


class Caseload:
    """Draws one household at a time as rows for bulk insert (values as the ORM holds them)."""

    def __init__(self, seed: int, villages: dict[str, list[Any]], provider_id: Any, today: date) -> None:
        self.rng = random.Random(seed)
        self.pilot = villages[PILOT_DISTRICT]
        self.others = [
            v for district, vs in sorted(villages.items()) if district != PILOT_DISTRICT for v in vs
        ]
        self.provider_id = provider_id
        self.today = today
        self.next_id = 30_000_000

    def _born(self, age: int) -> tuple[date | None, int, bool]:
        born = self.today - timedelta(days=age * 365 + self.rng.randint(0, 364))
        if self.rng.random() < (0.3 if age > 60 else 0.1):  # some know only the year
            return None, born.year, True
        return born, born.year, False

    def _person(self, sex: Sex, age: int, family: str, relation: Relationship) -> dict[str, Any]:
        dob, year, estimated = self._born(age)
        return {
            "given_name": self.rng.choice(FEMALE_GIVEN if sex == Sex.FEMALE else MALE_GIVEN),
            "family_name": family,
            "sex": sex,
            "date_of_birth": dob,
            "birth_year": year,
            "birth_date_estimated": estimated,
            "relation_to_head": relation,
            "recipient_role": None,
            "phone": None,
            "disability": self.rng.random() < 0.04,
            "age": age,
        }

    def people(self) -> list[dict[str, Any]]:
        rng = self.rng
        size = rng.choices(SIZES, SIZE_WEIGHTS)[0]
        family = rng.choice(FAMILY)
        head_sex = Sex.FEMALE if rng.random() < 0.55 else Sex.MALE
        head_age = rng.randint(18, 85)
        people = [self._person(head_sex, head_age, family, Relationship.HEAD)]
        if size > 1 and head_age < 75 and rng.random() < 0.6:
            spouse = Sex.MALE if head_sex == Sex.FEMALE else Sex.FEMALE
            people.append(
                self._person(spouse, max(18, head_age + rng.randint(-8, 8)), family, Relationship.SPOUSE)
            )
        while len(people) < size:
            roll = rng.random()
            sex = rng.choice((Sex.FEMALE, Sex.MALE))
            if head_age >= 45 and roll < 0.35:
                people.append(
                    self._person(sex, rng.randint(0, 14), rng.choice(FAMILY), Relationship.GRANDCHILD)
                )
            elif roll < 0.9 and head_age >= 19:
                age = rng.randint(0, min(17, head_age - 16) if head_age < 34 else 17)
                people.append(self._person(sex, age, family, Relationship.CHILD))
            else:
                people.append(self._person(sex, rng.randint(5, 70), rng.choice(FAMILY), Relationship.OTHER))
        adults = [p for p in people if p["age"] >= 18]
        primary = people[0] if rng.random() < 0.8 or len(adults) == 1 else rng.choice(adults[1:])
        primary["recipient_role"] = RecipientRole.PRIMARY
        primary["phone"] = f"+2659{rng.randint(10_000_000, 99_999_999)}"
        return people

    def documents(self, person: dict[str, Any]) -> list[tuple[str, str]]:
        if person["age"] >= 16 and self.rng.random() < 0.85:
            self.next_id += self.rng.randint(1, 30)
            return [("national_id", f"{self.next_id:08d}")]
        if person["age"] < 16 and self.rng.random() < 0.3:
            return [("birth_certificate", f"BC{self.rng.randint(0, 9_999_999):07d}")]
        return []

    def village(self, number: int) -> Any:
        return self.rng.choice(self.pilot if number % 10 == 0 else self.others)


def _rows(
    session: Session, caseload: Caseload, codes: list[str]
) -> Iterator[tuple[list[Any], list[Any], list[Any]]]:
    """(household, members, documents) rows of 5,000 households at a time."""
    household_row = bulk.RowConverter(session, "households", HOUSEHOLD_COLUMNS).row
    member_row = bulk.RowConverter(session, "members", MEMBER_COLUMNS).row
    document_row = bulk.RowConverter(session, "member_identifiers", IDENTIFIER_COLUMNS).row
    for start in range(0, len(codes), 5000):
        households, members, documents = [], [], []
        drawn = [caseload.people() for _ in codes[start : start + 5000]]
        docs = [[caseload.documents(p) for p in people] for people in drawn]
        ids = iter(uuid7s(len(drawn) + sum(map(len, drawn)) + sum(len(d) for ds in docs for d in ds)))
        for offset, (people, documents_of) in enumerate(zip(drawn, docs, strict=True)):
            household_id = next(ids)
            village = caseload.village(start + offset)
            primary = next(p for p in people if p["recipient_role"] == RecipientRole.PRIMARY)
            score = max(1, min(99, round(caseload.rng.gauss(50, 18))))
            households.append(
                household_row(
                    (household_id, codes[start + offset], village.id, f"Plot {caseload.rng.randint(1, 400)}",
                     PaymentMethod.MOBILE_MONEY, caseload.provider_id, primary["phone"], {"pmt_score": score})
                )
            )  # fmt: skip
            for person, held in zip(people, documents_of, strict=True):
                member_id = next(ids)
                members.append(
                    member_row(
                        (member_id, household_id, person["given_name"], person["family_name"], person["sex"],
                         person["date_of_birth"], person["birth_year"], person["birth_date_estimated"],
                         person["relation_to_head"], person["recipient_role"], person["phone"],
                         person["disability"])
                    )
                )  # fmt: skip
                documents += [document_row((next(ids), member_id, kind, number)) for kind, number in held]
        yield households, members, documents


def write_caseload(session: Session, actor: Actor, *, households: int, seed: int) -> tuple[int, int]:
    """`households` households in one transaction, through the import's bulk path; (households, members)."""
    from sqlalchemy import select

    from cashdesk.models import Location

    villages: dict[str, list[Any]] = {}
    for location in session.execute(
        select(Location).where(Location.level == LocationLevel.VILLAGE)
    ).scalars():
        villages.setdefault(location.path.split("/")[2], []).append(location)
    provider = session.execute(select(PaymentServiceProvider.id)).scalar_one()
    caseload = Caseload(seed, villages, provider, REFERENCE)
    now = datetime.now(UTC)
    shared = {"created_at": now, "updated_at": now}
    members = 0
    for household_rows, member_rows, document_rows in _rows(
        session, caseload, reserve_codes(session, HOUSEHOLD, households)
    ):
        bulk.insert_converted(
            session,
            "households",
            HOUSEHOLD_COLUMNS,
            household_rows,
            shared={**shared, "registered_by_id": actor.user_id},
        )
        bulk.insert_converted(
            session, "members", MEMBER_COLUMNS, member_rows, shared={**shared, "custom_fields": {}}
        )
        bulk.insert_converted(session, "member_identifiers", IDENTIFIER_COLUMNS, document_rows)
        members += len(member_rows)
    note_changed(session, "households", "members", "member_identifiers")
    return households, members


def _network(session: Session, actor: Actor) -> None:
    for r in range(1, REGIONS + 1):
        create_location(session, actor, code=f"R{r:02d}", name=f"Region {r}", level=LocationLevel.REGION)
        for d in range((r - 1) * DISTRICTS_PER_REGION + 1, r * DISTRICTS_PER_REGION + 1):
            create_location(
                session, actor, code=f"D{d:02d}", name=f"District {d}", level=LocationLevel.DISTRICT,
                parent_code=f"R{r:02d}",
            )  # fmt: skip
            for v in range(1, VILLAGES_PER_DISTRICT + 1):
                create_location(
                    session, actor, code=f"V{d:02d}{v:02d}", name=f"Village {d}-{v}",
                    level=LocationLevel.VILLAGE, parent_code=f"D{d:02d}",
                )  # fmt: skip
    save_provider(
        session,
        actor,
        ProviderInput(
            code="KMM", name="Kalulu Mobile Money", kind="mobile_money", contract_from=date(2026, 1, 1)
        ),
    )
    set_custom_fields(session, actor, schema=CUSTOM_SCHEMA)


def make_scheme(data: Path, *, households: int, seed: int = 7) -> tuple[int, int]:
    """A new scheme in `data`: locations, provider, custom field, two supervisors, plans, the caseload."""
    create_scheme(
        data, name="Bench", country="MW", currency="MWK", admin_username="admin", admin_password=PASSWORD
    )
    admin = open_desk(data, "admin", PASSWORD)
    try:
        admin.run(_network)
        for username in (MAKER, CHECKER):
            admin.run(
                users.create_user, admin.vault, username=username, full_name=username.title(),
                role=Role.SUPERVISOR, password=PASSWORD,
            )  # fmt: skip
        for item in plans():
            admin.run(save_plan, item)
        return admin.run(write_caseload, households=households, seed=seed)
    finally:
        admin.close()


def desk_of(data: Path, username: str) -> Desk:
    return open_desk(data, username, PASSWORD)
