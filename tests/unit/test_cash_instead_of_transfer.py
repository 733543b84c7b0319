"""A household whose mobile-money transfer did not arrive is paid in cash at its own pay point; the
provider's file then says it paid too, and reconciliation flags the payment as paid twice."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cashdesk.core.errors import NotFound, PermissionDenied, ValidationError
from cashdesk.desk import Desk
from cashdesk.payroll.approval import approve_payroll
from cashdesk.payroll.day_summary import day_summary, print_day_summary, record_cash_received
from cashdesk.payroll.disbursement import find_payments, record_not_paid, record_paid, reverse
from cashdesk.payroll.enrolment import enrol
from cashdesk.payroll.generation import generate_payroll
from cashdesk.payroll.numbers import format_number
from cashdesk.payroll.plans import save_plan
from cashdesk.payroll.providers import PayPointInput, save_pay_point
from cashdesk.payroll.queries import payroll_lines
from cashdesk.payroll.reconciliation import import_result_file, outcomes
from cashdesk.registry.households import create_household
from cashdesk.registry.review import merge, review_queue
from tests.unit.payroll_helpers import add_pay_points, district_officer, flat_plan
from tests.unit.registry_helpers import household, member
from tests.unit.test_reconciliation import _write

CASH = "ALL-202603-PP1"
MOBILE = "ALL-202603-KMM"


@pytest.fixture
def desks(admin: Desk, desk_for: Any) -> dict[str, Desk]:
    """Two households of pay point PP1: one paid in cash there, one by KMM mobile money; a third household
    by mobile money belongs to PP2. Both payrolls approved; carl is PP1's clerk, pat PP2's."""
    sue = desk_for("sue")
    add_pay_points(admin)
    officer = district_officer(admin, desk_for)
    officer.run(create_household, household(member("Alinafe", "Gondwe", born=date(1960, 6, 1))))
    for given, point, village in (("Chimwemwe", "PP1", "V001"), ("Dumisani", "PP2", "V002")):
        officer.run(
            create_household,
            household(
                member(given, "Kachale", born=date(1971, 2, 3), phone="+265991234567"),
                village=village,
                pay_point_code=point,
                payment_method="mobile_money",
                payment_account="+265991234567",
            ),
        )
    admin.run(
        save_pay_point,
        PayPointInput(code="PP1", name="Chikwawa agent", provider="KMM", village="V001", clerks=["carl"]),
    )
    sue.run(save_plan, flat_plan())
    sue.run(enrol, "ALL", on=date(2026, 3, 1))
    sue.run(generate_payroll, plan_code="ALL", period="2026-03")
    admin.run(approve_payroll, CASH)
    admin.run(approve_payroll, MOBILE)
    return {"sue": sue, "admin": admin, "carl": desk_for("carl")}


def _mobile_numbers(desk: Desk) -> dict[str, str]:
    return {
        line.recipient_name.split()[0]: line.transaction_number for line in desk.run(payroll_lines, MOBILE)
    }


def test_the_clerk_finds_the_transfer_by_its_number_and_pays_it_in_cash_counted_in_his_day(
    desks: dict[str, Desk], tmp_path: Path
) -> None:
    carl = desks["carl"]
    numbers = _mobile_numbers(desks["sue"])
    [card] = carl.run(find_payments, payroll_code=CASH, text=numbers["Chimwemwe"])
    assert card.payroll_code == MOBILE and card.cash_instead_of == "mobile money" and card.current is None

    with pytest.raises(ValidationError, match="never record it not paid"):
        carl.run(record_not_paid, transaction_number=numbers["Chimwemwe"], reason="recipient_absent")
    with pytest.raises(PermissionDenied, match="whose pay point is not yours"):
        carl.run(find_payments, payroll_code=CASH, text=numbers["Dumisani"])
    with pytest.raises(PermissionDenied, match="only its own pay point"):
        carl.run(record_paid, transaction_number=numbers["Dumisani"], verification="id_document")

    paid = carl.run(record_paid, transaction_number=numbers["Chimwemwe"], verification="id_document")
    assert paid.status == "paid" and paid.current is not None
    carl.run(record_cash_received, payroll_code=CASH, amount="30,000")
    carl.run(record_paid, transaction_number=desks["sue"].run(payroll_lines, CASH)[0].transaction_number,
             verification="id_document")  # fmt: skip
    summary = carl.run(day_summary, payroll_code=CASH)
    assert summary.paid == (1, 1_000_000) and summary.paid_instead == (1, 1_000_000)
    assert summary.remaining == 1_000_000  # 30,000 in, 10,000 on the cash payroll, 10,000 instead of transfer

    out = tmp_path / "day.pdf"
    carl.run(print_day_summary, payroll_code=CASH, out=out)
    page = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True)
    assert "Paid in cash instead of mobile money or bank" in page.stdout
    assert "20,000.00 MWK" in page.stdout  # cash disbursed, both kinds

    carl.run(reverse, transaction_number=numbers["Chimwemwe"], reason="typed the wrong slip")
    assert carl.run(day_summary, payroll_code=CASH).paid_instead == (0, 0)


def test_the_provider_paid_it_too_and_reconciliation_says_paid_twice(
    desks: dict[str, Desk], tmp_path: Path
) -> None:
    carl, sue = desks["carl"], desks["sue"]
    numbers = _mobile_numbers(desks["sue"])
    carl.run(record_paid, transaction_number=numbers["Chimwemwe"], verification="known_to_clerk")
    result = sue.run(
        import_result_file,
        payroll_code=MOBILE,
        path=_write(
            tmp_path / "kmm.csv",
            [
                [n, "SUCCESS", "10000", f"MP{i}", "", "2026-03-14 10:00:00"]
                for i, n in enumerate(numbers.values())
            ],
        ),
    )
    assert result.counts == {"paid_twice": 1, "matched": 1}
    [twice] = sue.run(outcomes, payroll_code=MOBILE, category="paid_twice")
    assert twice.transaction_number == numbers["Chimwemwe"]


def test_a_number_of_another_cycle_or_unknown_is_not_found(desks: dict[str, Desk]) -> None:
    with pytest.raises(NotFound, match="is not on payroll"):
        desks["carl"].run(find_payments, payroll_code=CASH, text=format_number("ZZZZ", 1))


def test_one_person_registered_twice_and_merged_after_generation_is_paid_once(
    admin: Desk, desk_for: Any
) -> None:
    """Esther heads two households (a second form); both get a line, then the review merges her: the
    second line's payment is refused with the first's details, though its household is another."""
    sue = desk_for("sue")
    add_pay_points(admin)
    officer = district_officer(admin, desk_for)
    officer.run(create_household, household(member("Esther", "Nkhoma", born=date(1969, 7, 1))))
    officer.run(
        create_household,
        household(member("Esther", "Nkoma", born=date(1969, 1, 7))),
        duplicate_note="entered from a second form",
    )
    admin.run(
        save_pay_point,
        PayPointInput(code="PP1", name="Chikwawa agent", provider="KMM", village="V001", clerks=["carl"]),
    )
    sue.run(save_plan, flat_plan())
    sue.run(enrol, "ALL", on=date(2026, 3, 1))
    sue.run(generate_payroll, plan_code="ALL", period="2026-03")
    admin.run(approve_payroll, CASH)
    first, second = (line.transaction_number for line in sue.run(payroll_lines, CASH))
    [pair] = sue.run(review_queue)
    sue.run(merge, pair.id, keep=pair.left.member_id)

    carl = desk_for("carl")
    carl.run(record_paid, transaction_number=first, verification="id_document")
    [card] = carl.run(find_payments, payroll_code=CASH, text=second)
    assert card.other_paid is not None and card.other_paid.transaction_number == first
    with pytest.raises(ValidationError, match="already paid in this cycle"):
        carl.run(record_paid, transaction_number=second, verification="id_document")
