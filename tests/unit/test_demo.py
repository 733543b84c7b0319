from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import Cancelled, ValidationError
from cashdesk.core.ids import is_valid_code
from cashdesk.demo.district import load_demo_district
from cashdesk.desk import open_desk
from cashdesk.models import (
    Household,
    Location,
    Member,
    MemberIdentifier,
    PayPoint,
    RecipientRole,
    Relationship,
)
from cashdesk.models.security import Role
from cashdesk.registry.household_input import MemberInput
from cashdesk.registry.households import check_member_duplicates
from cashdesk.registry.search import HouseholdQuery, list_households
from cashdesk.security import users
from cashdesk.security.permissions import Actor
from tests.conftest import ADMIN, ADMIN_PASSWORD, USER_PASSWORD


def _facts(session: Session, actor: Actor) -> dict[str, object]:
    members = session.execute(select(Member)).scalars().all()
    households = session.execute(select(Household)).scalars().all()
    per_household: dict[object, list[Member]] = {}
    for m in members:
        per_household.setdefault(m.household_id, []).append(m)
    return {
        "households": households,
        "per_household": per_household,
        "members": members,
        "ids": session.execute(select(func.count()).select_from(MemberIdentifier)).scalar_one(),
        "villages": session.execute(
            select(func.count()).select_from(Location).where(Location.level == "village")
        ).scalar_one(),
        "pay_points": session.execute(select(func.count()).select_from(PayPoint)).scalar_one(),
    }


def test_demo_district_is_realistic(empty_dir: Path) -> None:
    desk = open_desk(empty_dir, ADMIN, ADMIN_PASSWORD)
    seen: list[float] = []
    summary = desk.run(load_demo_district, households=600, seed=11, progress=lambda f, m: seen.append(f))
    facts = desk.run(_facts)
    desk.close()
    assert seen[-1] == 1.0
    assert summary.households == 600 and len(facts["households"]) == 600  # type: ignore[arg-type]
    assert facts["villages"] >= 12 and facts["pay_points"] == 10
    assert all(is_valid_code(h.code) for h in facts["households"])  # type: ignore[attr-defined]
    for people in facts["per_household"].values():  # type: ignore[attr-defined]
        roles = Counter(m.relation_to_head for m in people)
        assert roles[Relationship.HEAD] == 1
        assert sum(m.recipient_role == RecipientRole.PRIMARY for m in people) == 1
    members = facts["members"]
    year = datetime.now(UTC).year
    assert all(year - 90 <= m.birth_year <= year for m in members)  # type: ignore[attr-defined]
    year_only = sum(m.date_of_birth is None for m in members)  # type: ignore[attr-defined]
    assert 0.05 < year_only / len(members) < 0.35  # type: ignore[arg-type]
    assert 0 < facts["ids"] < len(members)  # type: ignore[arg-type,operator] # some have no ID
    phones = [m.phone for m in members if m.phone]  # type: ignore[attr-defined]
    assert phones and all(p.startswith("+265") and len(p) == 13 for p in phones)
    heads_not_recipient = sum(
        1
        for people in facts["per_household"].values()  # type: ignore[attr-defined]
        for m in people
        if m.relation_to_head == Relationship.HEAD and m.recipient_role != RecipientRole.PRIMARY
    )
    assert heads_not_recipient > 0  # the head is not always the recipient


def test_same_seed_same_people(empty_dir: Path, tmp_path: Path) -> None:
    import shutil

    other = tmp_path / "other"
    shutil.copytree(empty_dir, other)
    names = []
    for folder in (empty_dir, other):
        desk = open_desk(folder, ADMIN, ADMIN_PASSWORD)
        desk.run(load_demo_district, households=50, seed=5)
        names.append(
            desk.run(lambda s, a: sorted(s.execute(select(Member.given_name, Member.family_name)).all()))
        )
        desk.close()
    assert names[0] == names[1]


def test_cancel_leaves_nothing_and_a_second_load_is_refused(empty_dir: Path) -> None:
    desk = open_desk(empty_dir, ADMIN, ADMIN_PASSWORD)
    abort = threading.Event()

    def cancel_midway(fraction: float, message: str) -> None:
        if fraction > 0.3:
            abort.set()

    with pytest.raises(Cancelled):
        desk.run(load_demo_district, households=8000, seed=1, progress=cancel_midway, abort=abort)
    assert desk.run(lambda s, a: s.execute(select(func.count()).select_from(Location)).scalar_one()) == 0
    desk.run(load_demo_district, households=10, seed=1)
    with pytest.raises(ValidationError, match="new one"):
        desk.run(load_demo_district, households=10, seed=1)
    desk.close()


def test_demo_people_are_found_by_search_and_by_the_duplicate_check(empty_dir: Path) -> None:
    desk = open_desk(empty_dir, ADMIN, ADMIN_PASSWORD)
    desk.run(load_demo_district, households=60, seed=4)
    someone = desk.run(
        lambda s, a: s.execute(
            select(Member, Location.code)
            .join(Household, Household.id == Member.household_id)
            .join(Location, Location.id == Household.location_id)
            .where(Member.date_of_birth.is_not(None))
            .limit(1)
        ).one()
    )
    person, village = someone
    found = desk.run(list_households, HouseholdQuery(text=f"{person.given_name} {person.family_name}"))
    assert person.household_id in {row.id for row in found}
    typed_again = MemberInput(
        given_name=person.given_name,
        family_name=person.family_name + "h",  # one letter more: still the same person
        sex=person.sex.value,
        relation_to_head="head",
        date_of_birth=person.date_of_birth,
    )
    desk.run(
        users.create_user,
        desk.vault,
        username="dora",
        full_name="Dora",
        role=Role.ENROLMENT_OFFICER,
        password=USER_PASSWORD,
        location_codes=["D01"],
    )
    desk.close()
    officer = open_desk(empty_dir, "dora", USER_PASSWORD)
    views = officer.run(check_member_duplicates, typed_again, location_code=village)
    assert person.id in {view.member_id for view in views}
    officer.close()


def test_the_demo_has_a_plan_an_enrolled_caseload_and_an_approved_payroll(empty_dir: Path) -> None:
    from cashdesk.core.errors import AuthenticationError
    from cashdesk.payroll.approval import verify_fingerprint
    from cashdesk.payroll.enrolment import preview_enrolment
    from cashdesk.payroll.plans import list_plans
    from cashdesk.payroll.queries import list_payrolls
    from cashdesk.payroll.sheets import print_sheet
    from cashdesk.security.audit import verify_chain

    desk = open_desk(empty_dir, ADMIN, ADMIN_PASSWORD)
    try:
        summary = desk.run(load_demo_district, households=600, seed=11)
        [plan] = desk.run(list_plans)
        assert plan.code == "CG" and plan.name == "Child grant"
        preview = desk.run(preview_enrolment, "CG")
        assert summary.enrolled == preview.already_enrolled > 0 and preview.new == 0
        payrolls = {p.code: p for p in desk.run(list_payrolls)}
        assert set(payrolls) == set(summary.payrolls)
        assert sum(p.line_count for p in payrolls.values()) == summary.enrolled
        approved = payrolls[summary.approved_payroll]
        assert (approved.status, approved.approved_by, approved.generated_by) == (
            "approved",
            desk.actor.full_name or ADMIN,
            "Demo Supervisor (sample data)",
        )
        assert {p.status for c, p in payrolls.items() if c != approved.code} == {"pending_approval"}
        assert desk.run(verify_fingerprint, approved.code).intact
        printed = desk.run(print_sheet, approved.code, empty_dir / "sheet.pdf")
        assert printed.rows == approved.line_count
        assert desk.run(verify_chain).intact
    finally:
        desk.close()
    with pytest.raises(AuthenticationError):  # the demo's supervisor is a name, never a login
        open_desk(empty_dir, "demo.supervisor", "")
