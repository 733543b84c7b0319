"""Payroll generation and maker-checker approval, through the services on a real scheme database."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cashdesk.core.errors import NotFound, PermissionDenied, ValidationError
from cashdesk.desk import Desk
from cashdesk.models import PaymentLine, Payroll
from cashdesk.payroll import numbers
from cashdesk.payroll.approval import approve_payroll, reject_payroll, verify_fingerprint
from cashdesk.payroll.generation import UP_TO_BUDGET, generate_payroll
from cashdesk.payroll.providers import ProviderInput, save_provider
from cashdesk.payroll.queries import list_payrolls, payroll_lines
from cashdesk.security.audit import verify_chain
from tests.unit.payroll_helpers import child_grant, flat_plan, ready_to_generate

MARCH = "2026-03"


@pytest.fixture
def sue(desk_for: Any) -> Desk:
    desk: Desk = desk_for("sue")
    return desk


def _generate(desk: Desk, plan: str = "ALL", period: str = MARCH, **options: Any) -> Any:
    return desk.run(generate_payroll, plan_code=plan, period=period, **options)


def _count(desk: Desk, statement: str) -> int:
    return int(desk.run(lambda session, actor: session.execute(text(statement)).scalar_one()))


def test_one_payroll_per_pay_point_with_the_amount_of_the_rule(sue: Desk, admin: Desk, desk_for: Any) -> None:
    ready_to_generate(sue, admin, desk_for)
    result = _generate(sue)
    assert [(p.code, p.line_count, p.total_minor, p.status) for p in result.payrolls] == [
        ("ALL-202603-PP1", 3, 3 * 1_000_000, "pending_approval"),
        ("ALL-202603-PP2", 3, 3 * 1_000_000, "pending_approval"),
    ]
    assert (result.period_start, result.period_end) == (date(2026, 3, 1), date(2026, 3, 31))
    lines = sue.run(payroll_lines, "ALL-202603-PP1")
    assert [line.position for line in lines] == [1, 2, 3]
    assert all(numbers.is_valid(line.transaction_number) for line in lines)
    assert len({line.transaction_number for line in lines}) == 3


def test_top_ups_per_matching_member_are_capped_by_their_count(sue: Desk, admin: Desk, desk_for: Any) -> None:
    ready_to_generate(sue, admin, desk_for, child_grant())
    result = _generate(sue, "CG")
    # One household a village has a child under 5: 5,000 + 1,500.
    assert [(p.line_count, p.total_minor) for p in result.payrolls] == [(1, 650_000), (1, 650_000)]


def test_a_household_is_never_twice_in_a_cycle(sue: Desk, admin: Desk, desk_for: Any) -> None:
    ready_to_generate(sue, admin, desk_for)
    _generate(sue)
    with pytest.raises(ValidationError, match="on a payroll of this cycle already"):
        _generate(sue)
    assert _count(sue, "SELECT count(*) FROM payment_lines") == 6

    def second_line(session: Session, actor: object) -> None:  # the database refuses it too
        line = session.execute(select(PaymentLine).limit(1)).scalar_one()
        session.execute(
            text(
                "INSERT INTO payment_lines (id, payroll_id, cycle_id, transaction_number, enrolment_id, "
                "household_id, payment_method, amount_minor, currency, household_code, recipient_name, "
                "recipient_id_number, position, status, created_at, updated_at, dirty, version) "
                "SELECT :id, payroll_id, cycle_id, 'X', enrolment_id, household_id, payment_method, 1, currency, "
                "'', '', '', 9, 'pending', created_at, updated_at, 1, 1 FROM payment_lines WHERE id = :line"
            ),
            {"id": "0" * 32, "line": line.id.hex},
        )

    with pytest.raises(IntegrityError):
        sue.run(second_line)


def test_a_pay_point_alone_then_the_rest(sue: Desk, admin: Desk, desk_for: Any) -> None:
    ready_to_generate(sue, admin, desk_for)
    first = _generate(sue, pay_point_code="pp2")
    assert [p.code for p in first.payrolls] == ["ALL-202603-PP2"]
    rest = _generate(sue)
    assert [p.code for p in rest.payrolls] == ["ALL-202603-PP1"]


def test_the_budget_stops_generation_or_fills_it_in_household_order(
    sue: Desk, admin: Desk, desk_for: Any
) -> None:
    codes = ready_to_generate(sue, admin, desk_for, flat_plan(budget_per_cycle="45,000"))
    with pytest.raises(ValidationError, match=r"60,000.00 MWK .* 15,000.00 MWK more than the plan's budget"):
        _generate(sue)
    assert _count(sue, "SELECT count(*) FROM payrolls") == 0
    result = _generate(sue, over_budget=UP_TO_BUDGET)
    assert sum(p.line_count for p in result.payrolls) == 4
    assert result.skipped == {"over the budget": 2}
    paid = {line.household_code for p in result.payrolls for line in sue.run(payroll_lines, p.code)}
    assert paid == set(sorted(codes)[:4])


def test_overlapping_and_outside_periods_are_refused(sue: Desk, admin: Desk, desk_for: Any) -> None:
    ready_to_generate(sue, admin, desk_for, flat_plan(frequency="quarterly"))
    _generate(sue, period="2026-01")
    with pytest.raises(ValidationError, match="overlaps cycle ALL-202601"):
        _generate(sue, period="2026-02")
    with pytest.raises(ValidationError, match="outside"):
        _generate(sue, period="2025-12")
    with pytest.raises(ValidationError, match="YYYY-MM"):
        _generate(sue, period="2026-13")


def test_a_provider_whose_contract_ended_gets_no_new_payroll(sue: Desk, admin: Desk, desk_for: Any) -> None:
    ready_to_generate(sue, admin, desk_for)
    admin.run(
        save_provider,
        ProviderInput(code="KMM", name="KMM Payments", kind="mobile_money", contract_to=date(2026, 2, 28)),
    )
    with pytest.raises(ValidationError, match=r"contract that ended on 2026-02-28.*Nothing was generated"):
        _generate(sue)
    assert _count(sue, "SELECT count(*) FROM payment_lines") == 0


def test_maker_checker(sue: Desk, admin: Desk, desk_for: Any) -> None:
    ready_to_generate(sue, admin, desk_for)
    code = _generate(sue).payrolls[0].code
    with pytest.raises(PermissionDenied, match="another supervisor must approve"):
        sue.run(approve_payroll, code)
    with pytest.raises(PermissionDenied, match="supervisors"):
        desk_for("carl").run(approve_payroll, code)
    approved = admin.run(approve_payroll, code)
    assert (approved.status, approved.approved_by, len(approved.fingerprint)) == ("approved", "Ada Admin", 64)
    assert sue.run(verify_fingerprint, code).intact
    with pytest.raises(ValidationError, match="only a payroll pending approval"):
        admin.run(reject_payroll, code, reason="late")
    assert admin.run(verify_chain).intact


def test_an_approved_payroll_cannot_change(sue: Desk, admin: Desk, desk_for: Any) -> None:
    ready_to_generate(sue, admin, desk_for)
    code = _generate(sue).payrolls[0].code
    admin.run(approve_payroll, code)

    def raise_amount(session: Session, actor: object) -> None:
        session.execute(update(PaymentLine).values(amount_minor=PaymentLine.amount_minor + 1))

    with pytest.raises(Exception, match="an approved payroll cannot change"):
        sue.run(raise_amount)
    assert sue.run(verify_fingerprint, code).intact

    # Whoever edits the file behind CashDesk's back (triggers dropped) is caught by the fingerprint.
    def tamper(session: Session, actor: object) -> None:
        session.execute(text("DROP TRIGGER payment_lines_frozen_when_approved"))
        session.execute(text("UPDATE payment_lines SET amount_minor = amount_minor + 1 WHERE position = 1"))

    sue.run(tamper)
    assert not sue.run(verify_fingerprint, code).intact


def test_a_rejected_payroll_frees_its_households_for_a_corrected_one(
    sue: Desk, admin: Desk, desk_for: Any
) -> None:
    ready_to_generate(sue, admin, desk_for)
    codes = [p.code for p in _generate(sue).payrolls]
    with pytest.raises(ValidationError, match="Say why"):
        admin.run(reject_payroll, codes[0], reason="  ")
    rejected = admin.run(reject_payroll, codes[0], reason="wrong amounts")
    assert (rejected.status, rejected.status_note) == ("rejected", "wrong amounts")
    again = _generate(sue)
    assert [(p.code, p.line_count) for p in again.payrolls] == [("ALL-202603-PP1-2", 3)]
    statuses = {p.code: p.status for p in sue.run(list_payrolls)}
    assert statuses == {
        "ALL-202603-PP1": "rejected",
        "ALL-202603-PP2": "pending_approval",
        "ALL-202603-PP1-2": "pending_approval",
    }


def test_only_supervisors_generate_and_a_refused_generation_leaves_nothing(
    sue: Desk, admin: Desk, desk_for: Any
) -> None:
    ready_to_generate(sue, admin, desk_for)
    for name in ("olive", "carl"):
        with pytest.raises(PermissionDenied, match="supervisors"):
            _generate(desk_for(name))
    with pytest.raises(NotFound, match="There is no benefit plan NOPE"):
        _generate(sue, plan="NOPE")
    counts = sue.run(
        lambda session, actor: (
            session.execute(select(func.count()).select_from(Payroll)).scalar_one(),
            session.execute(text("SELECT next_value FROM code_sequences WHERE kind = 'T'")).scalar(),
        )
    )
    assert counts == (0, None)


def test_transaction_numbers_catch_a_typo_and_a_swap() -> None:
    number = numbers.format_number("K7QX", 1234)
    assert numbers.is_valid(number) and numbers.is_valid(number.lower().replace("-", " "))
    body = number.replace("-", "")
    for i in range(len(body)):
        for wrong in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            if wrong != body[i]:
                assert not numbers.is_valid(body[:i] + wrong + body[i + 1 :]), (i, wrong)
    for i in range(len(body) - 1):
        if body[i] != body[i + 1]:
            swapped = body[:i] + body[i + 1] + body[i] + body[i + 2 :]
            assert not numbers.is_valid(swapped), i


def test_the_fingerprint_is_the_documented_hash_of_the_lines(sue: Desk, admin: Desk, desk_for: Any) -> None:
    # Computed here the straightforward way, from the ORM objects, to pin down what approval hashes (the
    # service has SQLite write each line's text, for speed).
    import hashlib

    from cashdesk.models import PaymentCycle

    ready_to_generate(sue, admin, desk_for)
    code = _generate(sue).payrolls[0].code
    approved = admin.run(approve_payroll, code)

    def expected(session: Session, actor: object) -> str:
        payroll = session.execute(select(Payroll).where(Payroll.code == code)).scalar_one()
        cycle = session.get_one(PaymentCycle, payroll.cycle_id)
        header = ["cashdesk-payroll-1", payroll.code, cycle.code, str(payroll.pay_point_id or "")]
        digest = hashlib.sha256(
            "|".join([*header, str(payroll.provider_id or ""), payroll.currency]).encode()
        )
        lines = session.execute(
            select(PaymentLine).where(PaymentLine.payroll_id == payroll.id).order_by(PaymentLine.position)
        ).scalars()
        count = total = 0
        for n in lines:
            digest.update(
                f"\n{n.position}|{n.transaction_number}|{n.household_code}|{n.recipient_name}|"
                f"{n.recipient_id_number}|{n.payment_method.value}|{n.payment_account or ''}|"
                f"{n.amount_minor}|{n.currency}".encode()
            )
            count, total = count + 1, total + n.amount_minor
        digest.update(f"\n{count}|{total}".encode())
        return digest.hexdigest()

    assert approved.fingerprint == sue.run(expected)
