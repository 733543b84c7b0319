"""Removing a provider, a pay point or a plan entered by mistake: only what nothing depends on goes, a
refusal says what holds it, and the same code saved again brings the record back."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cashdesk.core.errors import NotFound, PermissionDenied, ValidationError
from cashdesk.desk import Desk
from cashdesk.payroll.enrolment import enrol
from cashdesk.payroll.plans import list_plans, save_plan
from cashdesk.payroll.providers import PayPointInput, list_pay_points, list_providers, save_pay_point
from cashdesk.payroll.removal import remove_pay_point, remove_plan, remove_provider
from cashdesk.security.audit import verify_chain
from tests.unit.payroll_helpers import (
    add_pay_points,
    add_provider,
    district_officer,
    flat_plan,
    register_caseload,
)


def test_what_nothing_depends_on_goes_and_comes_back_when_saved_again(admin: Desk) -> None:
    add_provider(admin, "ZZZ", kind="bank")
    admin.run(save_pay_point, PayPointInput(code="PPX", name="Typo agent", provider="ZZZ", village="V001"))
    with pytest.raises(ValidationError, match=r"ZZZ has pay points \(PPX\): remove them first"):
        admin.run(remove_provider, "ZZZ")
    assert admin.run(remove_pay_point, "ppx") == "PPX"
    assert admin.run(remove_provider, "ZZZ") == "ZZZ"
    assert "ZZZ" not in [p.code for p in admin.run(list_providers)]
    assert "PPX" not in [p.code for p in admin.run(list_pay_points)]
    with pytest.raises(NotFound):
        admin.run(remove_provider, "ZZZ")
    add_provider(admin, "ZZZ", kind="bank")  # saved again: back in the list
    assert "ZZZ" in [p.code for p in admin.run(list_providers)]
    assert admin.run(verify_chain).first_broken_seq is None


def test_what_is_in_use_is_refused_with_what_holds_it(admin: Desk, desk_for: Any) -> None:
    sue = desk_for("sue")
    add_pay_points(admin)
    register_caseload(district_officer(admin, desk_for))
    with pytest.raises(ValidationError, match=r"3 household.s. are paid at PP1: move them"):
        admin.run(remove_pay_point, "PP1")
    sue.run(save_plan, flat_plan())
    sue.run(save_plan, flat_plan("TYPO"))
    sue.run(enrol, "ALL", on=date(2026, 3, 1))
    with pytest.raises(ValidationError, match=r"ALL has 6 enrolment.s. and 0 payment cycle.s.: .* end date"):
        sue.run(remove_plan, "ALL")
    with pytest.raises(PermissionDenied, match="supervisors"):
        desk_for("olive").run(remove_plan, "TYPO")
    assert sue.run(remove_plan, "TYPO") == "TYPO"
    assert [p.code for p in sue.run(list_plans)] == ["ALL"]
    with pytest.raises(PermissionDenied, match="Only administrators"):
        sue.run(remove_provider, "KMM")
