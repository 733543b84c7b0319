"""`cashdesk pay` and `cashdesk payroll status` as each role would try them, as a real process on a real
encrypted scheme database; and a payment recorded by a process killed (SIGKILL) the moment it said so."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cashdesk.desk import Desk
from cashdesk.payroll.queries import payroll_lines
from cashdesk.security.audit import verify_chain
from tests.integration.test_cli_payroll import _plan_file, ok, registry  # noqa: F401 - the fixture
from tests.integration.test_cli_review import cashdesk, command, environment, one_line

PP1 = "CG-202603-PP1"


@pytest.fixture
def approved(registry: Path, tmp_path: Path) -> Path:  # noqa: F811 - the imported fixture
    """The child grant's March payroll of PP1 (one household, 6,500), approved; carl is PP1's clerk."""
    ok(cashdesk("sue", "plan", "import", str(_plan_file(tmp_path)), data=registry))
    ok(cashdesk("sue", "enrol", "--plan", "CG", "--on", "2026-03-01", data=registry))
    ok(cashdesk("sue", "payroll", "generate", "--plan", "CG", "--period", "2026-03", data=registry))
    ok(cashdesk("admin", "payroll", "approve", PP1, data=registry))
    return registry


def _number(desk_for: Any) -> str:
    sue: Desk = desk_for("sue")
    return sue.run(payroll_lines, PP1)[0].transaction_number


def test_a_clerk_pays_not_pays_and_reverses_and_the_status_counts_follow(
    approved: Path, desk_for: Any
) -> None:
    data, number = approved, _number(desk_for)
    said = ok(cashdesk("carl", "pay", number.replace("-", "").lower(), "--paid", data=data))
    assert said.startswith("Paid: " + number) and "6,500.00 MWK" in said
    second = one_line(cashdesk("carl", "pay", number, "--paid", "--verified-by", "known", data=data))
    assert "Already paid" in second and "Carl" in second
    assert "now pending" in ok(
        cashdesk("carl", "pay", number, "--reverse", "--reason", "wrong person", data=data)
    )
    assert "Not paid (Recipient absent)" in ok(
        cashdesk("carl", "pay", number, "--not-paid", "--reason", "recipient_absent", data=data)
    )
    status = ok(cashdesk("sue", "payroll", "status", PP1, data=data))
    assert "not paid" in status and "6,500.00" in status and "approved" in status
    assert "10,000.00 MWK" in ok(cashdesk("carl", "payroll", "cash", PP1, "10,000", data=data))
    said = ok(cashdesk("carl", "payroll", "day", PP1, "--out", str(data.parent / "day.pdf"), data=data))
    assert (
        "not paid 1" in said and "cash remaining 10,000.00 MWK" in said and (data.parent / "day.pdf").exists()
    )
    assert "pay point clerks" in one_line(cashdesk("sue", "payroll", "cash", PP1, "5", data=data))


REFUSED = [("sue", "pay point clerks"), ("olive", "pay point clerks"), ("admin", "pay point clerks")]


@pytest.mark.parametrize(("user", "message"), REFUSED)
def test_only_a_clerk_may_record(approved: Path, desk_for: Any, user: str, message: str) -> None:
    line = one_line(cashdesk(user, "pay", _number(desk_for), "--paid", data=approved))
    assert message in line
    assert "pending" in ok(cashdesk("sue", "payroll", "status", PP1, data=approved))


def test_bad_input_is_one_line_and_records_nothing(approved: Path, desk_for: Any) -> None:
    data, number = approved, _number(desk_for)
    typo = number[:-1] + ("A" if number[-1] != "A" else "B")
    assert "check character" in one_line(cashdesk("carl", "pay", typo, "--paid", data=data))
    assert "--reason" in one_line(cashdesk("carl", "pay", number, "--not-paid", data=data))
    assert "asleep" in one_line(
        cashdesk("carl", "pay", number, "--not-paid", "--reason", "asleep", data=data)
    )
    assert "name and ID" in one_line(
        cashdesk("carl", "pay", number, "--paid", "--verified-by", "alternate", data=data)
    )
    assert "nothing recorded" in one_line(
        cashdesk("carl", "pay", number, "--reverse", "--reason", "x", data=data)
    )
    status = ok(cashdesk("sue", "payroll", "status", PP1, data=data))
    assert "paid" in status and " 1 " in status.split("pending")[1][:20]


def test_a_payment_survives_its_process_killed_the_moment_it_was_saved(
    approved: Path, desk_for: Any, admin: Desk
) -> None:
    number = _number(desk_for)
    process = subprocess.Popen(
        command("carl", "pay", number, "--paid", data=approved),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment("carl") | {"PYTHONUNBUFFERED": "1"},  # its line leaves the moment it is printed
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert process.stdout is not None
    said = process.stdout.readline()  # printed after the commit, before the database is closed
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert said.startswith("Paid:"), (said, process.stderr.read() if process.stderr else "")
    assert process.returncode == -signal.SIGKILL
    lines = desk_for("sue").run(payroll_lines, PP1)
    assert lines[0].status == "paid"
    assert admin.run(verify_chain).first_broken_seq is None
    assert "Already paid" in one_line(cashdesk("carl", "pay", number, "--paid", data=approved))


def test_an_administrator_sets_the_reasons_and_a_clerk_records_with_the_new_one(
    approved: Path, desk_for: Any
) -> None:
    data, number = approved, _number(desk_for)
    said = ok(cashdesk("admin", "reason", "set", "flooded_road", "--label", "Road flooded", data=data))
    assert "Reason flooded_road: Road flooded" in said
    assert "flooded_road" in ok(cashdesk("admin", "reason", "list", data=data))
    assert "Only administrators may manage settings" in one_line(
        cashdesk("sue", "reason", "set", "late", "--label", "Late", data=data)
    )
    assert "2 to 32 small letters" in one_line(
        cashdesk("admin", "reason", "set", "X Y", "--label", "x", data=data)
    )
    assert "Not paid (Road flooded)" in ok(
        cashdesk("carl", "pay", number, "--not-paid", "--reason", "flooded_road", data=data)
    )
    ok(cashdesk("admin", "reason", "set", "flooded_road", "--label", "Road flooded", "--retired", data=data))
    assert "(retired)" in ok(cashdesk("admin", "reason", "list", data=data))
