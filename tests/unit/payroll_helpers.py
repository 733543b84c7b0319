"""Builders for money-path tests: a provider with pay points, a caseload, a plan, through the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from cashdesk.desk import Desk
from cashdesk.models.security import Role
from cashdesk.payroll.enrolment import enrol
from cashdesk.payroll.plans import CriterionInput, PlanInput, save_plan
from cashdesk.payroll.providers import PayPointInput, ProviderInput, save_pay_point, save_provider
from cashdesk.registry.households import create_household
from cashdesk.security import users
from tests.conftest import USER_PASSWORD
from tests.unit.registry_helpers import household, member


def add_provider(desk: Desk, code: str = "KMM", *, kind: str = "mobile_money", **extra: Any) -> None:
    desk.run(save_provider, ProviderInput(code=code, name=f"{code} Payments", kind=kind, **extra))


def add_pay_points(desk: Desk) -> None:
    """Provider KMM with PP1 in V001 and PP2 in V002."""
    add_provider(desk)
    desk.run(save_pay_point, PayPointInput(code="PP1", name="Chikwawa agent", provider="KMM", village="V001"))
    desk.run(save_pay_point, PayPointInput(code="PP2", name="Mbewe agent", provider="KMM", village="V002"))


NAMES = [
    ("Chisomo", "Banda", "Thoko"),
    ("Kondwani", "Phiri", "Dalitso"),
    ("Yohane", "Mwale", "Pemphero"),
    ("Esnart", "Tembo", "Blessings"),
    ("Mphatso", "Zulu", "Limbani"),
    ("Gift", "Nkhoma", "Takondwa"),
    ("Tiyamike", "Chirwa", "Wongani"),
    ("Madalitso", "Kumwenda", "Chikondi"),
]


def district_officer(admin: Desk, desk_for: Any) -> Desk:
    """An enrolment officer for the whole district D01 (olive has only V001)."""
    admin.run(
        users.create_user,
        admin.vault,
        username="otto",
        full_name="Otto Officer",
        role=Role.ENROLMENT_OFFICER,
        password=USER_PASSWORD,
        location_codes=["D01"],
    )
    desk: Desk = desk_for("otto")
    return desk


def register_caseload(desk: Desk, *, per_village: int = 3) -> list[str]:
    """Households in V001 (paid at PP1) and V002 (PP2): the first of each village has a child under 5 and
    a woman head; the others a man head and no young child. Returns the household codes."""
    codes = []
    for v, (village, point) in enumerate((("V001", "PP1"), ("V002", "PP2"))):
        for i in range(per_village):
            given, family, child = NAMES[(v * per_village + i) % len(NAMES)]
            people = [
                member(given, family, sex="F" if i == 0 else "M", id_number=f"MW{v}{i:04d}X"),
                member(
                    child,
                    family,
                    born=date(2024, 3, 1) if i == 0 else date(2012, 3, 1),
                    relation="child",
                    recipient=None,
                ),
            ]
            saved = desk.run(create_household, household(*people, village=village, pay_point_code=point))
            codes.append(saved.code)
    return codes


def child_grant(code: str = "CG", **changes: Any) -> PlanInput:
    """Households with a child under 5: 5,000 each plus 1,500 per such child, at most 2."""
    values: dict[str, Any] = {
        "code": code,
        "name": "Child grant",
        "start": date(2026, 1, 1),
        "conditions": [CriterionInput("member", "age", "lt", "5")],
        "base_amount": "5000",
        "top_ups": [CriterionInput("member", "age", "lt", "5", amount="1500", max_count=2)],
    } | changes
    return PlanInput(**values)


def flat_plan(code: str = "ALL", **changes: Any) -> PlanInput:
    """Every household: 10,000 a month."""
    return PlanInput(
        **({"code": code, "name": "Everyone", "start": date(2026, 1, 1), "base_amount": "10000"} | changes)
    )


def ready_to_generate(
    supervisor: Desk, admin: Desk, desk_for: Any, plan: PlanInput | None = None
) -> list[str]:
    """Pay points, six households, a plan, everyone the plan selects enrolled; the household codes."""
    add_pay_points(admin)
    codes = register_caseload(district_officer(admin, desk_for))
    supervisor.run(save_plan, plan or flat_plan())
    supervisor.run(enrol, (plan or flat_plan()).code, on=date(2026, 3, 1))
    return codes
