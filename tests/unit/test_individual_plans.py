"""Plans for individuals: each person the criteria select is enrolled, has a status and is paid, in person.

A household of two grandmothers with a disability and a grandchild shows what differs from a plan for
households: a member condition asks about the person, not "some member", so the child never qualifies,
each woman is enrolled, and each is paid the base plus her own top-up, on a line of her own.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cashdesk.core.errors import NotFound, ValidationError
from cashdesk.desk import Desk
from cashdesk.payroll.enrolment import (
    change_status,
    enrol,
    enrol_households,
    enrol_people,
    household_people,
    preview_enrolment,
    status_history,
)
from cashdesk.payroll.generation import generate_payroll
from cashdesk.payroll.plans import CriterionInput, PlanInput, list_plans, read_plan_file, save_plan
from cashdesk.payroll.queries import payroll_lines
from cashdesk.registry.households import create_household, stored_household, update_household
from tests.unit.payroll_helpers import add_pay_points, district_officer, register_caseload
from tests.unit.registry_helpers import household, member

ON = date(2026, 3, 1)


@pytest.fixture
def sue(desk_for: Any) -> Desk:
    desk: Desk = desk_for("sue")
    return desk


@pytest.fixture
def otto(admin: Desk, desk_for: Any) -> Desk:
    add_pay_points(admin)
    return district_officer(admin, desk_for)


def pension(code: str = "OAP", **changes: Any) -> PlanInput:
    """Every person aged 60 or more: 8,000 each, 2,000 more for a disability."""
    values: dict[str, Any] = {
        "code": code,
        "name": "Old age pension",
        "target": "individual",
        "start": date(2026, 1, 1),
        "conditions": [CriterionInput("member", "age", "gte", "60")],
        "base_amount": "8000",
        "top_ups": [CriterionInput("member", "disability", "eq", "yes", amount="2000")],
    } | changes
    return PlanInput(**values)


def grandmothers(otto: Desk) -> str:
    """V002: two women over 60 (one with a disability) and a grandchild; paid at PP2. Its code."""
    return str(_grandmothers(otto).code)


def _grandmothers(otto: Desk) -> Any:
    return otto.run(
        create_household,
        household(
            member("Agness", "Chirwa", born=date(1950, 2, 1), id_number="MW-OLD-1"),
            member(
                "Mercy",
                "Chirwa",
                born=date(1958, 7, 9),
                relation="other",
                recipient=None,
                disability=True,
                id_number="MW-OLD-2",
            ),
            member("Wongani", "Chirwa", born=date(2018, 1, 5), relation="grandchild", recipient=None),
            village="V002",
            pay_point_code="PP2",
        ),
    )


def test_a_member_condition_selects_each_person_and_counts_people(sue: Desk, otto: Desk) -> None:
    register_caseload(otto)  # heads born in 1980: none is 60
    code = grandmothers(otto)
    sue.run(save_plan, pension())
    preview = sue.run(preview_enrolment, "OAP", on=ON)
    assert preview.individual
    assert [(c.village_code, c.qualifying, c.new, c.cost_minor) for c in preview.by_location] == [
        ("V002", 2, 2, 800_000 + 1_000_000),
    ]
    sue.run(enrol, "OAP", on=ON)
    people = sue.run(household_people, "OAP", code)
    assert [(p.name, p.status) for p in people] == [
        ("Agness Chirwa", "active"),
        ("Mercy Chirwa", "active"),
        ("Wongani Chirwa", None),
    ]
    assert sue.run(list_plans)[0].active_beneficiaries == 2
    again = sue.run(preview_enrolment, "OAP", on=ON)
    assert (again.qualifying, again.already_enrolled, again.new) == (2, 2, 0)


def test_each_person_is_paid_in_person_with_her_own_top_up(sue: Desk, otto: Desk) -> None:
    code = grandmothers(otto)
    sue.run(save_plan, pension())
    sue.run(enrol, "OAP", on=ON)
    result = sue.run(generate_payroll, plan_code="OAP", period="2026-03")
    assert [(p.code, p.line_count, p.total_minor) for p in result.payrolls] == [
        ("OAP-202603-PP2", 2, 1_800_000)
    ]
    lines = sue.run(payroll_lines, "OAP-202603-PP2")
    assert sorted(
        (line.household_code, line.recipient_name, line.id_number, line.amount_minor) for line in lines
    ) == [
        (code, "Agness Chirwa", "MWOLD1", 800_000),
        (code, "Mercy Chirwa", "MWOLD2", 1_000_000),
    ]
    with pytest.raises(ValidationError, match="on a payroll of this cycle already"):
        sue.run(generate_payroll, plan_code="OAP", period="2026-03")


def test_a_person_no_longer_in_the_household_is_left_off_and_counted(sue: Desk, otto: Desk) -> None:
    saved = _grandmothers(otto)
    sue.run(save_plan, pension())
    sue.run(enrol, "OAP", on=ON)
    detail = otto.run(stored_household, saved.id)
    # Mercy moves away: the officer takes her off the household.
    kept = [m for m in detail.input.members if m.given_name != "Mercy"]
    otto.run(update_household, dataclasses.replace(detail.input, members=kept))
    result = sue.run(generate_payroll, plan_code="OAP", period="2026-03")
    assert [p.line_count for p in result.payrolls] == [1]
    assert result.skipped == {"no longer a member of their household": 1}


def test_people_are_enrolled_by_hand_and_each_has_a_status_history(sue: Desk, otto: Desk) -> None:
    code = grandmothers(otto)
    sue.run(save_plan, pension())
    child = next(p for p in sue.run(household_people, "OAP", code) if p.name.startswith("Wongani"))
    with pytest.raises(ValidationError, match="choose the people"):
        sue.run(enrol_households, "OAP", [code], reason="whole household")
    with pytest.raises(ValidationError, match="Say why"):
        sue.run(enrol_people, "OAP", code, [child.member_id], reason=" ")
    assert sue.run(enrol_people, "OAP", code, [child.member_id], reason="orphan, blind", on=ON) == 1
    with pytest.raises(ValidationError, match="already enrolled"):
        sue.run(enrol_people, "OAP", code, [child.member_id], reason="again")
    with pytest.raises(ValidationError, match="choose whose status"):
        sue.run(change_status, "OAP", code, to="suspended", reason="moved")
    sue.run(enrol, "OAP", on=ON)
    agness = next(p for p in sue.run(household_people, "OAP", code) if p.name.startswith("Agness"))
    sue.run(change_status, "OAP", code, to="exited", reason="died", member_id=agness.member_id)
    history = sue.run(status_history, "OAP", code)
    assert [(h.person, h.to_status, h.reason) for h in history] == [
        ("Wongani Chirwa", "active", "orphan, blind"),
        ("Agness Chirwa", "active", "selected by the plan's criteria"),
        ("Mercy Chirwa", "active", "selected by the plan's criteria"),
        ("Agness Chirwa", "exited", "died"),
    ]
    result = sue.run(generate_payroll, plan_code="OAP", period="2026-03")
    assert sorted(line.recipient_name for line in sue.run(payroll_lines, result.payrolls[0].code)) == [
        "Mercy Chirwa",
        "Wongani Chirwa",
    ]


def test_what_a_plan_for_individuals_cannot_say_is_refused(sue: Desk, otto: Desk) -> None:
    with pytest.raises(ValidationError, match="once to each person") as refused:
        sue.run(save_plan, pension(amount_per="member"))
    assert refused.value.field == "amount.per"
    capped = [CriterionInput("member", "disability", "eq", "yes", amount="2000", max_count=2)]
    with pytest.raises(ValidationError, match=r"top-up 1: .*nothing to count"):
        sue.run(save_plan, pension(top_ups=capped))
    assert sue.run(list_plans) == []
    grandmothers(otto)
    sue.run(save_plan, pension())
    sue.run(enrol, "OAP", on=ON)
    with pytest.raises(ValidationError, match="enrolled as individuals: its target cannot become households"):
        sue.run(save_plan, pension(target="household"))
    assert sue.run(list_plans)[0].target == "individual"
    with pytest.raises(NotFound):
        sue.run(enrol_people, "NOPE", "H-0", [], reason="x")


def test_the_individual_example_of_docs_plans_md_imports_and_pays(
    sue: Desk, otto: Desk, tmp_path: Any
) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "plans.md"
    example = docs.read_text(encoding="utf-8").split("```yaml\n")[2].split("```", 1)[0]
    (tmp_path / "oap.yaml").write_text(example, encoding="utf-8")
    plan = sue.run(save_plan, read_plan_file(tmp_path / "oap.yaml"))
    assert (plan.code, plan.target, plan.conditions) == ("OAP", "individual", ("the person: age ≥ 65",))
    grandmothers(otto)  # Agness (76) qualifies; Mercy is 67 with a disability
    sue.run(enrol, "OAP", on=ON)
    [payroll] = sue.run(generate_payroll, plan_code="OAP", period="2026-04").payrolls
    assert (payroll.line_count, payroll.total_minor) == (2, 750_000 + 1_000_000)
