"""Benefit plans, their criteria (translated to SQL), plan files, enrolment and beneficiary statuses."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cashdesk.core.errors import PermissionDenied, ValidationError
from cashdesk.desk import Desk
from cashdesk.payroll.enrolment import (
    change_status,
    enrol,
    enrol_households,
    preview_enrolment,
    status_history,
)
from cashdesk.payroll.plans import CriterionInput, list_plans, read_plan_file, save_plan
from cashdesk.registry.households import create_household
from cashdesk.scheme.settings import set_custom_fields
from tests.unit.payroll_helpers import (
    add_pay_points,
    child_grant,
    district_officer,
    flat_plan,
    register_caseload,
)
from tests.unit.registry_helpers import household, member

ON = date(2026, 3, 1)


@pytest.fixture
def sue(desk_for: Any) -> Desk:
    desk: Desk = desk_for("sue")
    return desk


@pytest.fixture
def caseload(admin: Desk, desk_for: Any) -> list[str]:
    add_pay_points(admin)
    return register_caseload(district_officer(admin, desk_for))


def _qualifying(sue: Desk, plan: Any) -> int:
    sue.run(save_plan, plan)
    return int(sue.run(preview_enrolment, plan.code, on=ON).qualifying)


@pytest.mark.parametrize(
    ("conditions", "match", "expected"),
    [
        ([CriterionInput("member", "age", "lt", "5")], "all", 2),
        ([CriterionInput("head", "sex", "eq", "F")], "all", 2),
        ([CriterionInput("household", "village", "in", "v002, V003")], "all", 3),
        ([CriterionInput("household", "area", "eq", "D01")], "all", 6),
        ([CriterionInput("household", "size", "gte", "2")], "all", 6),
        ([CriterionInput("household", "size", "gte", "3")], "all", 0),
        (
            [
                CriterionInput("member", "age", "lt", "5"),
                CriterionInput("household", "village", "eq", "V001"),
            ],
            "all",
            1,
        ),
        (
            [
                CriterionInput("member", "age", "lt", "5"),
                CriterionInput("household", "village", "eq", "V001"),
            ],
            "any",
            4,
        ),
        ([CriterionInput("member", "age", "gte", "60")], "all", 0),
    ],
)
def test_criteria_select_the_households_they_say(
    sue: Desk, caseload: list[str], conditions: list[CriterionInput], match: str, expected: int
) -> None:
    assert _qualifying(sue, flat_plan(conditions=conditions, match=match)) == expected


def test_criteria_on_the_schemes_custom_fields(sue: Desk, admin: Desk, desk_for: Any) -> None:
    admin.run(
        set_custom_fields,
        schema={
            "household": {
                "type": "object",
                "properties": {"poverty_score": {"type": "number", "title": "PMT"}},
            },
            "member": {"type": "object", "properties": {"in_school": {"type": "boolean", "title": "School"}}},
        },
    )
    add_pay_points(admin)
    otto = district_officer(admin, desk_for)
    for score, family, schooled in ((22.5, "Banda", True), (30, "Phiri", False), (41, "Mwale", True)):
        otto.run(
            create_household,
            household(
                member(
                    "Chisomo" if family == "Banda" else "Yohane",
                    family,
                    custom_fields={"in_school": schooled},
                ),
                custom_fields={"poverty_score": score},
            ),
        )
    score = CriterionInput("household", "custom.poverty_score", "lte", "30")
    assert _qualifying(sue, flat_plan(conditions=[score])) == 2
    school = CriterionInput("member", "custom.in_school", "eq", "yes")
    assert _qualifying(sue, flat_plan(code="SCH", conditions=[score, school])) == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"conditions": [CriterionInput("household", "income", "lt", "5")]},
            "criterion 1",
            "no household field",
        ),
        (
            {"conditions": [CriterionInput("member", "age", "contains", "5")]},
            "criterion 1",
            "takes the operators",
        ),
        ({"conditions": [CriterionInput("member", "age", "lt", "five")]}, "criterion 1", "five"),
        ({"base_amount": "0", "top_ups": []}, "amount.base", "gives nothing"),
        ({"base_amount": "-5"}, "amount.base", "more than zero"),
        ({"base_amount": "10.005"}, "amount.base", "more decimals"),
        ({"end": date(2025, 1, 1)}, "end", "ends before it starts"),
        ({"currency": "USD"}, "currency", "pays in MWK"),
        ({"code": "a b"}, "code", "letters, digits"),
        ({"frequency": "weekly"}, "frequency", "monthly"),
    ],
)
def test_a_bad_plan_is_refused_naming_the_field(
    sue: Desk, changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message) as refused:
        sue.run(save_plan, flat_plan(**changes))
    assert refused.value.field == field
    assert sue.run(list_plans) == []


def test_only_supervisors_define_plans(desk_for: Any) -> None:
    for name in ("olive", "carl"):
        with pytest.raises(PermissionDenied, match="supervisors"):
            desk_for(name).run(save_plan, flat_plan())


def test_a_plan_file_in_yaml_or_json(sue: Desk, tmp_path: Path) -> None:
    yaml_file = tmp_path / "child-grant.yaml"
    yaml_file.write_text(
        "code: CG\nname: Child grant\nstart: 2026-01-01\nfrequency: monthly\nbudget_per_cycle: 2,000,000\n"
        "criteria:\n  match: any\n  conditions:\n    - {scope: member, field: age, operator: lt, value: 5}\n"
        "    - {scope: member, field: disability, operator: eq, value: yes}\n"
        "amount:\n  base: 5000\n  per: household\n  cap: 12000\n  top_ups:\n"
        "    - {scope: member, field: age, operator: lt, value: 5, amount: 1500, max_count: 3}\n",
        encoding="utf-8",
    )
    plan = sue.run(save_plan, read_plan_file(yaml_file))
    assert (plan.code, plan.match, plan.budget_per_cycle, plan.cap) == (
        "CG",
        "any",
        "2,000,000.00 MWK",
        "12,000.00 MWK",
    )
    assert plan.top_ups == ("+1,500.00 MWK if a member: age < 5 (at most 3)",)
    json_file = tmp_path / "bad.json"
    json_file.write_text(
        json.dumps({"code": "X", "name": "X", "start": "2026-01-01", "amount": {"base": 5}, "colour": 1})
    )
    with pytest.raises(ValidationError, match=r"bad.json: unknown key\(s\) colour"):
        read_plan_file(json_file)
    json_file.write_text('{"code": "X", ')
    with pytest.raises(ValidationError, match=r"bad\.json is not a valid plan file"):
        read_plan_file(json_file)


def test_enrolment_counts_per_village_then_enrols_the_new_ones(sue: Desk, caseload: list[str]) -> None:
    sue.run(save_plan, child_grant())
    preview = sue.run(preview_enrolment, "CG", on=ON)
    assert [(c.village_code, c.qualifying, c.new, c.cost_minor) for c in preview.by_location] == [
        ("V001", 1, 1, 650_000),
        ("V002", 1, 1, 650_000),
    ]
    assert (preview.new, preview.cost_per_cycle_minor, preview.enrolled) == (2, 1_300_000, False)
    done = sue.run(enrol, "CG", on=ON)
    assert (done.new, done.enrolled) == (2, True)
    again = sue.run(preview_enrolment, "CG", on=ON)
    assert (again.qualifying, again.already_enrolled, again.new) == (2, 2, 0)
    assert sue.run(list_plans)[0].active_beneficiaries == 2


def test_the_maximum_number_of_beneficiaries_is_kept(sue: Desk, caseload: list[str]) -> None:
    sue.run(save_plan, flat_plan(max_beneficiaries=4))
    with pytest.raises(ValidationError, match="4"):
        sue.run(enrol, "ALL", on=ON)
    assert sue.run(list_plans)[0].active_beneficiaries == 0


def test_enrolment_by_hand_and_status_changes_keep_their_history(sue: Desk, caseload: list[str]) -> None:
    sue.run(save_plan, child_grant())
    chosen = caseload[1]  # no young child: the criteria would leave it out
    with pytest.raises(ValidationError, match="Say why"):
        sue.run(enrol_households, "CG", [chosen], reason="")
    assert sue.run(enrol_households, "CG", [chosen], reason="orphans in care", on=ON) == 1
    with pytest.raises(ValidationError, match="already enrolled"):
        sue.run(enrol_households, "CG", [chosen], reason="again")
    sue.run(change_status, "CG", chosen, to="suspended", reason="moved away", effective_on=date(2026, 4, 1))
    sue.run(change_status, "CG", chosen, to="active", reason="came back")
    sue.run(change_status, "CG", chosen, to="exited", reason="children grown")
    with pytest.raises(ValidationError, match="cannot become"):
        sue.run(change_status, "CG", chosen, to="active", reason="by mistake")
    history = sue.run(status_history, "CG", chosen)
    assert [(h.to_status, h.reason) for h in history][-3:] == [
        ("suspended", "moved away"),
        ("active", "came back"),
        ("exited", "children grown"),
    ]
    assert history[-3].effective_on == date(2026, 4, 1)
    assert {h.changed_by for h in history} == {"sue"}


def test_the_example_of_docs_plans_md_imports_as_written(sue: Desk, tmp_path: Path) -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "plans.md"
    example = docs.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "example.yaml").write_text(example, encoding="utf-8")
    plan = sue.run(save_plan, read_plan_file(tmp_path / "example.yaml"))
    assert (plan.code, plan.match, plan.max_beneficiaries, plan.budget_per_cycle) == (
        "CG",
        "all",
        50000,
        "250,000,000.00 MWK",
    )
    assert len(plan.conditions) == 3 and len(plan.top_ups) == 2


def test_a_child_known_only_by_the_year_of_birth_counts_by_that_year(
    sue: Desk, admin: Desk, desk_for: Any
) -> None:
    # "age < 5" once left out every member without a date of birth: NOT of a NULL comparison stays NULL.
    # A year of birth counts from 1 January of that year (docs/plans.md).
    add_pay_points(admin)
    otto = district_officer(admin, desk_for)
    for family, year in (("Banda", ON.year - 4), ("Phiri", ON.year - 5), ("Mwale", ON.year - 6)):
        mother = member("Chisomo" if family == "Banda" else "Tiyamike", family)
        child = member("Mphatso", family, born=None, year=year, relation="child", recipient=None)
        otto.run(create_household, household(mother, child))
    under_five = [CriterionInput("member", "age", "lt", "5")]
    assert _qualifying(sue, flat_plan(conditions=under_five)) == 1  # born in ON.year - 4 only
    under_six = [CriterionInput("member", "age", "lt", "6")]
    assert _qualifying(sue, flat_plan(code="U6", conditions=under_six)) == 2
    exactly_five = [CriterionInput("member", "age", "eq", "5")]
    assert _qualifying(sue, flat_plan(code="E5", conditions=exactly_five)) == 1
