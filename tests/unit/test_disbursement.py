"""Recording payments at the pay point: paid, not paid with the scheme's reasons, reversals, refusals of a
second payment, the clerk's pay points, and the append-only events, on a real database file."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from cashdesk.core.errors import NotFound, PermissionDenied, ValidationError
from cashdesk.desk import Desk
from cashdesk.payroll.approval import approve_payroll
from cashdesk.payroll.day_summary import day_summary, print_day_summary, record_cash_received
from cashdesk.payroll.disbursement import (
    find_payments,
    my_payrolls,
    reasons,
    record_not_paid,
    record_paid,
    reverse,
)
from cashdesk.payroll.generation import generate_payroll
from cashdesk.payroll.numbers import format_number
from cashdesk.payroll.providers import PayPointInput, save_pay_point
from cashdesk.payroll.queries import payroll_lines, status_counts
from cashdesk.payroll.reasons import all_reasons, save_reason
from cashdesk.security.audit import verify_chain
from tests.unit.payroll_helpers import ready_to_generate

PP1 = "ALL-202603-PP1"
PP2 = "ALL-202603-PP2"


@pytest.fixture
def carl(admin: Desk, desk_for: Any) -> Desk:
    """Clerk of PP1, with PP1's and PP2's payrolls (three households each, 10,000) approved."""
    sue = desk_for("sue")
    ready_to_generate(sue, admin, desk_for)
    admin.run(
        save_pay_point,
        PayPointInput(code="PP1", name="Chikwawa agent", provider="KMM", village="V001", clerks=["carl"]),
    )
    sue.run(generate_payroll, plan_code="ALL", period="2026-03")
    admin.run(approve_payroll, PP1)
    admin.run(approve_payroll, PP2)
    desk: Desk = desk_for("carl")
    return desk


def _numbers(desk: Desk, code: str) -> list[str]:
    return [line.transaction_number for line in desk.run(payroll_lines, code)]


def test_a_clerk_sees_only_his_pay_points_payrolls_and_finds_a_payment_every_way(carl: Desk) -> None:
    assert [code for code, _name in carl.run(my_payrolls)] == [PP1]
    first = carl.run(payroll_lines, PP1)[0]
    typed = first.transaction_number.replace("-", "").lower()  # a scanner or a person, no hyphen
    assert [c.transaction_number for c in carl.run(find_payments, payroll_code=PP1, text=typed)] == [
        first.transaction_number
    ]
    assert carl.run(find_payments, payroll_code=PP1, text=first.household_code)[0].recipient_name == (
        first.recipient_name
    )
    assert (
        carl.run(find_payments, payroll_code=PP1, text=first.id_number)[0].household_code
        == first.household_code
    )
    by_name = carl.run(find_payments, payroll_code=PP1, text=first.recipient_name.split()[0].lower())
    assert first.household_code in [c.household_code for c in by_name]
    card = by_name[0]
    assert card.status == "pending" and card.current is None and card.amount_text == "10,000.00 MWK"

    typo = first.transaction_number[:-1] + ("A" if first.transaction_number[-1] != "A" else "B")
    with pytest.raises(ValidationError, match="check character"):
        carl.run(find_payments, payroll_code=PP1, text=typo)
    with pytest.raises(PermissionDenied, match="not one of your pay points"):
        carl.run(find_payments, payroll_code=PP2, text="x")


def test_paid_then_a_second_payment_is_refused_with_the_details_of_the_first(carl: Desk) -> None:
    number = _numbers(carl, PP1)[0]
    card = carl.run(record_paid, transaction_number=number, verification="id_document")
    assert card.status == "paid" and card.current is not None and card.current.recorded_by
    with pytest.raises(ValidationError, match=r"Already paid: .* recorded paid on .* by Carl"):
        carl.run(record_paid, transaction_number=number, verification="known_to_clerk")
    with pytest.raises(ValidationError, match="reverse that payment first"):
        carl.run(record_not_paid, transaction_number=number, reason="recipient_absent")
    assert carl.run(status_counts, PP1) == {"paid": (1, 1_000_000), "pending": (2, 2_000_000)}


def test_a_reversal_undoes_the_record_and_the_line_can_be_recorded_again(carl: Desk) -> None:
    number = _numbers(carl, PP1)[1]
    carl.run(record_not_paid, transaction_number=number, reason="recipient_absent")
    carl.run(record_paid, transaction_number=number, verification="known_to_clerk")  # came later that day
    with pytest.raises(ValidationError, match="Say why"):
        carl.run(reverse, transaction_number=number, reason=" ")
    after = carl.run(reverse, transaction_number=number, reason="wrong person ticked")
    assert (
        after.status == "not_paid"
        and after.current is not None
        and after.current.reason == "Recipient absent"
    )
    assert carl.run(reverse, transaction_number=number, reason="absent was wrong too").status == "pending"
    with pytest.raises(ValidationError, match="nothing recorded to reverse"):
        carl.run(reverse, transaction_number=number, reason="again")
    assert carl.run(record_paid, transaction_number=number, verification="id_document").status == "paid"


def test_events_are_append_only_in_the_database_itself(carl: Desk, admin: Desk) -> None:
    number = _numbers(carl, PP1)[0]
    carl.run(record_paid, transaction_number=number, verification="id_document")
    for statement in ("UPDATE payment_events SET amount_minor = 1", "DELETE FROM payment_events"):
        with pytest.raises(IntegrityError, match="append-only"):
            carl.run(lambda session, _actor, sql=statement: session.execute(text(sql)))
    device = carl.run(
        lambda session, _actor: session.execute(
            text("SELECT e.device_code = s.device_code FROM payment_events e, scheme s")
        ).scalar_one()
    )
    assert device == 1
    assert admin.run(verify_chain).first_broken_seq is None


def test_not_paid_takes_one_of_the_schemes_reasons_and_other_needs_a_note(carl: Desk) -> None:
    number = _numbers(carl, PP1)[2]
    codes = [r.code for r in carl.run(reasons)]
    assert codes[:2] == ["recipient_absent", "recipient_deceased"] and "out_of_cash" in codes
    with pytest.raises(ValidationError, match=r"not one of the scheme.s reasons.*recipient_absent"):
        carl.run(record_not_paid, transaction_number=number, reason="asleep")
    with pytest.raises(ValidationError, match="Say what happened"):
        carl.run(record_not_paid, transaction_number=number, reason="other")
    card = carl.run(record_not_paid, transaction_number=number, reason="OTHER", note="flooded road")
    assert card.status == "not_paid" and card.current is not None and card.current.note == "flooded road"


def test_paid_needs_how_the_recipient_was_verified_and_an_alternates_name_and_id(carl: Desk) -> None:
    number = _numbers(carl, PP1)[0]
    with pytest.raises(ValidationError, match="verified"):
        carl.run(record_paid, transaction_number=number, verification="looked honest")
    with pytest.raises(ValidationError, match="name and ID"):
        carl.run(record_paid, transaction_number=number, verification="alternate", alternate_name="Mary")
    with pytest.raises(ValidationError, match="future"):
        carl.run(
            record_paid,
            transaction_number=number,
            verification="known_to_clerk",
            occurred_at=datetime.now(UTC) + timedelta(hours=2),
        )
    card = carl.run(
        record_paid,
        transaction_number=number,
        verification="alternate",
        alternate_name="Mary Banda",
        alternate_id_number="MW999",
    )
    assert card.status == "paid"


def test_only_a_clerk_records_and_only_on_approved_payrolls(carl: Desk, admin: Desk, desk_for: Any) -> None:
    number = _numbers(carl, PP1)[0]
    for user in ("sue", "olive"):
        with pytest.raises(PermissionDenied, match="pay point clerks"):
            desk_for(user).run(record_paid, transaction_number=number, verification="id_document")
    with pytest.raises(NotFound, match="no payment"):
        carl.run(
            record_paid, transaction_number=format_number(number[:4], 9_999_999), verification="id_document"
        )
    sue = desk_for("sue")
    sue.run(generate_payroll, plan_code="ALL", period="2026-04")  # pending approval: not yet payable
    april = _numbers(sue, "ALL-202604-PP1")[0]
    with pytest.raises(ValidationError, match="pending approval: payments are recorded only on an approved"):
        carl.run(record_paid, transaction_number=april, verification="id_document")


def test_the_end_of_day_sets_cash_received_against_paid_and_prints_a_signed_page(
    carl: Desk, admin: Desk, tmp_path: Path
) -> None:
    numbers = _numbers(carl, PP1)
    assert carl.run(record_cash_received, payroll_code=PP1, amount="25,000") == 2_500_000
    with pytest.raises(ValidationError, match="amount"):
        carl.run(record_cash_received, payroll_code=PP1, amount="lots")
    carl.run(record_paid, transaction_number=numbers[0], verification="id_document")
    carl.run(record_not_paid, transaction_number=numbers[1], reason="out_of_cash")
    carl.run(record_not_paid, transaction_number=numbers[2], reason="recipient_absent")
    carl.run(reverse, transaction_number=numbers[2], reason="she came after all")
    carl.run(record_paid, transaction_number=numbers[2], verification="known_to_clerk")
    summary = carl.run(day_summary, payroll_code=PP1)
    assert summary.paid == (2, 2_000_000) and summary.paid_today == (2, 2_000_000)
    assert summary.not_paid == [("Pay point ran out of cash", 1, 1_000_000)] and summary.pending == (0, 0)
    assert summary.received == 2_500_000 and summary.remaining == 500_000

    out = tmp_path / "day.pdf"
    carl.run(print_day_summary, payroll_code=PP1, out=out)
    page = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True)
    for text_seen in (
        "Pay point ran out of cash",
        "25,000.00 MWK",
        "5,000.00 MWK",
        "Clerk's signature",
        "Carl",
    ):
        assert text_seen in page.stdout
    assert admin.run(verify_chain).first_broken_seq is None


def test_an_administrator_adds_renames_and_retires_reasons_and_clerks_see_the_list(
    carl: Desk, admin: Desk, desk_for: Any
) -> None:
    admin.run(save_reason, code="flooded_road", label="Road flooded", needs_note=False)
    assert [r.code for r in carl.run(reasons)][-1] == "flooded_road"
    admin.run(save_reason, code="moved_away", label="Moved away", active=False)
    assert "moved_away" not in [r.code for r in carl.run(reasons)]
    assert "moved_away" in [r.code for r in admin.run(all_reasons)]  # retired, never deleted
    with pytest.raises(ValidationError, match=r"not one of the scheme.s reasons"):
        carl.run(record_not_paid, transaction_number=_numbers(carl, PP1)[0], reason="moved_away")  # retired
    with pytest.raises(ValidationError, match="reconciliation only"):
        admin.run(save_reason, code="failed_at_provider", label="x")
    with pytest.raises(ValidationError, match="2 to 32 small letters"):
        admin.run(save_reason, code="Road Flooded!", label="x")
    with pytest.raises(PermissionDenied, match="Only administrators may manage settings"):
        desk_for("sue").run(save_reason, code="late", label="Late")
    assert "failed_at_provider" not in [r.code for r in admin.run(all_reasons)]
