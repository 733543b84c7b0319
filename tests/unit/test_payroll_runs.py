"""A generation that fails for a reason other than its input is recorded, with its error and parameters,
and re-run from them; a refusal of the input is only shown. The failure is a real one: a trigger in the
database refuses the payment lines, as a full disk or a broken file would refuse the write."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from cashdesk.core.errors import NotFound, PermissionDenied, ValidationError
from cashdesk.desk import Desk
from cashdesk.payroll import runs
from cashdesk.payroll.generation import parameters
from cashdesk.payroll.queries import list_payrolls
from cashdesk.security.audit import verify_chain
from tests.unit.payroll_helpers import ready_to_generate

MARCH = parameters("ALL", "2026-03")


@pytest.fixture
def sue(desk_for: Any) -> Desk:
    desk: Desk = desk_for("sue")
    return desk


def _sql(desk: Desk, statement: str) -> Any:
    def run(session: Any, actor: Any) -> Any:
        result = session.execute(text(statement))
        return result.all() if result.returns_rows else None

    return desk.run(run)


def _break_the_lines_table(desk: Desk) -> None:
    _sql(
        desk,
        "CREATE TRIGGER no_lines BEFORE INSERT ON payment_lines "
        "BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END",
    )


def test_a_failed_generation_is_recorded_and_run_again_from_its_parameters(
    sue: Desk, admin: Desk, desk_for: Any
) -> None:
    ready_to_generate(sue, admin, desk_for)
    _break_the_lines_table(sue)
    with pytest.raises(runs.GenerationFailed, match="simulated storage failure") as failed:
        runs.generate(sue, MARCH)
    code = failed.value.code
    assert code == "ALL-202603-FAILED-1"
    assert "cashdesk payroll rerun ALL-202603-FAILED-1" in failed.value.message
    assert _sql(sue, "SELECT count(*) FROM payment_lines") == [(0,)]  # nothing of the run was written
    [record] = sue.run(list_payrolls)
    assert (record.code, record.status, record.line_count) == (code, "failed", 0)
    assert "simulated storage failure" in record.status_note

    _sql(sue, "DROP TRIGGER no_lines")  # the cause fixed
    result = runs.rerun_generation(sue, code)
    assert [(p.code, p.line_count, p.status) for p in result.payrolls] == [
        ("ALL-202603-PP1", 3, "pending_approval"),
        ("ALL-202603-PP2", 3, "pending_approval"),
    ]
    by_code = {p.code: p for p in sue.run(list_payrolls)}
    assert (
        by_code[code].status == "failed"
        and "Run again as ALL-202603-PP1, ALL-202603-PP2" in by_code[code].status_note
    )
    with pytest.raises(ValidationError, match="run again already, as ALL-202603-PP1"):
        runs.rerun_generation(sue, code)
    with pytest.raises(ValidationError, match="Only a failed generation is run again"):
        runs.rerun_generation(sue, "ALL-202603-PP1")
    actions = [
        a for (a,) in _sql(sue, "SELECT action FROM audit_entries WHERE action LIKE 'payroll.%' ORDER BY seq")
    ]
    assert actions == ["payroll.generation_failed", "payroll.generated", "payroll.generation_rerun"]
    assert sue.run(verify_chain).intact


def test_a_refused_input_is_shown_and_not_recorded(sue: Desk, admin: Desk, desk_for: Any) -> None:
    ready_to_generate(sue, admin, desk_for)
    with pytest.raises(NotFound, match="no benefit plan NOPE"):
        runs.generate(sue, parameters("NOPE", "2026-03"))
    with pytest.raises(ValidationError, match="2025-12"):
        runs.generate(sue, parameters("ALL", "2025-12"))  # before the plan starts
    runs.generate(sue, MARCH)
    with pytest.raises(ValidationError, match="Nobody to pay"):
        runs.generate(sue, MARCH)  # everyone is on a payroll of the cycle already
    assert all(p.status == "pending_approval" for p in sue.run(list_payrolls))


def test_a_clerk_may_not_rerun(sue: Desk, admin: Desk, desk_for: Any) -> None:
    ready_to_generate(sue, admin, desk_for)
    _break_the_lines_table(sue)
    with pytest.raises(runs.GenerationFailed) as failed:
        runs.generate(sue, MARCH)
    _sql(sue, "DROP TRIGGER no_lines")
    with pytest.raises(PermissionDenied, match="may generate payroll"):
        runs.rerun_generation(desk_for("carl"), failed.value.code)
