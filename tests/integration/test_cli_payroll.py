"""The money path on the command line as each role would try it: `cashdesk provider|paypoint|plan|enrol|
payroll` as a real process (the installed console script) on a real encrypted scheme database."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from cashdesk.desk import Desk
from tests.integration.test_cli_review import cashdesk, one_line
from tests.unit.payroll_helpers import district_officer, register_caseload

PLAN = {
    "code": "CG",
    "name": "Child grant",
    "start": "2026-01-01",
    "currency": "MWK",
    "criteria": {
        "match": "all",
        "conditions": [{"scope": "member", "field": "age", "operator": "lt", "value": "5"}],
    },
    "amount": {
        "base": "5000",
        "top_ups": [
            {
                "scope": "member",
                "field": "age",
                "operator": "lt",
                "value": "5",
                "amount": "1500",
                "max_count": 2,
            }
        ],
    },
}


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout


def _plan_file(folder: Path, plan: dict[str, Any] = PLAN, name: str = "plan.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


@pytest.fixture
def registry(data_dir: Path, admin: Desk, desk_for: Any, tmp_path: Path) -> Path:
    """Provider KMM with pay points PP1 (its clerk carl) and PP2 from the command line, then the district's
    six households (one child under 5 in each village) registered in the window."""
    _providers(data_dir, tmp_path)
    register_caseload(district_officer(admin, desk_for))
    return data_dir


def _providers(data: Path, tmp_path: Path) -> None:
    ok(
        cashdesk(
            "admin",
            "provider",
            "add",
            "KMM",
            "--name",
            "Kwacha Money",
            "--kind",
            "cash_agent",
            "--contract-to",
            "2027-12-31",
            data=data,
        )
    )
    ok(
        cashdesk(
            "admin",
            "paypoint",
            "add",
            "PP1",
            "--name",
            "Chikwawa agent",
            "--provider",
            "KMM",
            "--village",
            "V001",
            "--clerk",
            "carl",
            data=data,
        )
    )
    points = tmp_path / "points.csv"
    points.write_text(
        'code,name,provider,village,opening_days\nPP2,Mbewe agent,KMM,V002,"mon,thu"\n', encoding="utf-8"
    )
    assert "Pay points created: 1, changed: 0." in ok(
        cashdesk("admin", "paypoint", "import", str(points), data=data)
    )


def test_a_cycle_from_providers_to_printed_sheet(registry: Path, tmp_path: Path) -> None:
    data = registry
    assert "Kwacha Money" in ok(cashdesk("admin", "provider", "list", data=data))
    listing = ok(cashdesk("admin", "paypoint", "list", data=data))
    assert "PP1" in listing and "PP2" in listing and "carl" in listing

    assert "CG" in ok(cashdesk("sue", "plan", "import", str(_plan_file(tmp_path)), data=data))
    assert "Child grant" in ok(cashdesk("sue", "plan", "list", data=data))
    preview = ok(cashdesk("sue", "enrol", "--plan", "CG", "--dry-run", "--on", "2026-03-01", data=data))
    assert "V001" in preview and "V002" in preview and "13,000.00" in preview  # 2 x (5,000 + 1,500)
    assert "2" in ok(cashdesk("sue", "enrol", "--plan", "CG", "--on", "2026-03-01", data=data))

    generated = ok(cashdesk("sue", "payroll", "generate", "--plan", "CG", "--period", "2026-03", data=data))
    assert "CG-202603-PP1" in generated and "CG-202603-PP2" in generated
    refused = one_line(cashdesk("sue", "payroll", "approve", "CG-202603-PP1", data=data))
    assert "another supervisor must approve" in refused
    assert "approved" in ok(cashdesk("admin", "payroll", "approve", "CG-202603-PP1", data=data))
    ok(cashdesk("admin", "payroll", "reject", "CG-202603-PP2", "--reason", "wrong pay point", data=data))
    listing = ok(cashdesk("carl", "payroll", "list", data=data))  # the clerk sees his pay point's payroll
    assert "CG-202603-PP1" in listing and "approved" in listing and "CG-202603-PP2" not in listing

    sheet = tmp_path / "sheet.pdf"
    assert "2 pages" in ok(
        cashdesk("sue", "payroll", "sheet", "CG-202603-PP1", "--out", str(sheet), data=data)
    )
    pages = subprocess.run(
        ["pdftotext", "-layout", str(sheet), "-"], capture_output=True, text=True, check=True
    )
    assert "6,500.00" in pages.stdout and "Page 1 of 2" in pages.stdout
    ok(
        cashdesk(
            "sue",
            "payroll",
            "sheet",
            "CG-202603-PP1",
            "--slips",
            "--out",
            str(tmp_path / "slips.pdf"),
            data=data,
        )
    )
    paid = tmp_path / "pay.csv"
    ok(cashdesk("sue", "payroll", "export", "CG-202603-PP1", "--out", str(paid), data=data))
    assert "CG-202603-PP1" in paid.read_text(encoding="utf-8-sig")


REFUSALS = [
    # (user, command, who may)
    (
        "sue",
        ["provider", "add", "X", "--name", "X", "--kind", "bank"],
        "Only administrators may manage providers",
    ),
    (
        "carl",
        ["paypoint", "add", "P", "--name", "P", "--provider", "K", "--village", "V001"],
        "Only administrators may manage providers",
    ),
    ("olive", ["paypoint", "list"], "may view payrolls; you are logged in as enrolment officer"),
    ("carl", ["plan", "import", "PLAN"], "may manage plans; you are logged in as pay point clerk"),
    ("olive", ["enrol", "--plan", "CG"], "may manage plans; you are logged in as enrolment officer"),
    ("olive", ["payroll", "generate", "--plan", "CG", "--period", "2026-03"], "may generate payroll"),
    (
        "carl",
        ["payroll", "approve", "CG-202603-PP1"],
        "may approve payroll; you are logged in as pay point clerk",
    ),
    ("carl", ["payroll", "sheet", "CG-202603-PP1", "--out", "OUT.pdf"], "may print or export payrolls"),
    ("olive", ["payroll", "list"], "may view payrolls; you are logged in as enrolment officer"),
]


@pytest.mark.parametrize(
    ("user", "args", "message"), REFUSALS, ids=[f"{u}-{'-'.join(a[:2])}" for u, a, _m in REFUSALS]
)
def test_each_command_names_the_role_that_may_run_it(
    data_dir: Path, tmp_path: Path, user: str, args: list[str], message: str
) -> None:
    args = [
        str(_plan_file(tmp_path)) if a == "PLAN" else str(tmp_path / a) if a == "OUT.pdf" else a for a in args
    ]
    line = one_line(cashdesk(user, *args, data=data_dir))
    assert message in line
    assert not (tmp_path / "OUT.pdf").exists()


def test_bad_input_is_one_clear_line_and_saves_nothing(registry: Path, tmp_path: Path) -> None:
    data = registry
    unknown_field = dict(
        PLAN,
        criteria={
            "conditions": [{"scope": "household", "field": "poverty", "operator": "le", "value": "30"}]
        },
    )
    line = one_line(
        cashdesk("sue", "plan", "import", str(_plan_file(tmp_path, unknown_field, "bad.json")), data=data)
    )
    assert "bad.json" in line and "poverty" in line
    zero = dict(PLAN, amount={"base": "0"})
    assert "amount" in one_line(
        cashdesk("sue", "plan", "import", str(_plan_file(tmp_path, zero, "zero.json")), data=data)
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("code: [unclosed\n", encoding="utf-8")
    assert "broken.yaml" in one_line(cashdesk("sue", "plan", "import", str(broken), data=data))
    assert "CG" not in ok(cashdesk("sue", "plan", "list", data=data))

    assert "CG" in one_line(cashdesk("sue", "enrol", "--plan", "CG", data=data))  # no such plan yet
    ok(cashdesk("sue", "plan", "import", str(_plan_file(tmp_path)), data=data))
    ok(cashdesk("sue", "enrol", "--plan", "CG", "--on", "2026-03-01", data=data))
    assert "2026-13" in one_line(
        cashdesk("sue", "payroll", "generate", "--plan", "CG", "--period", "2026-13", data=data)
    )
    assert "2025-12" in one_line(
        cashdesk("sue", "payroll", "generate", "--plan", "CG", "--period", "2025-12", data=data)
    )
    assert "PP9" in one_line(
        cashdesk(
            "sue",
            "payroll",
            "generate",
            "--plan",
            "CG",
            "--period",
            "2026-03",
            "--pay-point",
            "PP9",
            data=data,
        )
    )
    assert "No payrolls" in ok(cashdesk("sue", "payroll", "list", data=data))

    bad_points = tmp_path / "bad-points.csv"
    bad_points.write_text(
        "code,name,provider,village\nPP3,Good,KMM,V001\nPP4,Bad village,KMM,V999\n", encoding="utf-8"
    )
    line = one_line(cashdesk("admin", "paypoint", "import", str(bad_points), data=data))
    assert "bad-points.csv, row 3, column village" in line and "Nothing from the file was saved" in line
    assert "PP3" not in ok(cashdesk("admin", "paypoint", "list", data=data))
    assert "kind" in one_line(
        cashdesk("admin", "provider", "add", "B1", "--name", "Bank", "--kind", "banque", data=data)
    )
    assert "B1" not in ok(cashdesk("admin", "provider", "list", data=data))


def test_households_enrolled_by_hand_suspended_and_their_history_on_the_command_line(
    registry: Path, tmp_path: Path, desk_for: Any
) -> None:
    data = registry
    ok(cashdesk("sue", "plan", "import", str(_plan_file(tmp_path)), data=data))
    codes = desk_for("sue").run(
        lambda s, _a: list(s.scalars(text("SELECT code FROM households ORDER BY created_at, code")))
    )
    ok(cashdesk("sue", "enrol", "--plan", "CG", "--on", "2026-03-01", data=data))  # the two with a child
    chosen = codes[1]  # no child under 5: the criteria leave it out
    said = ok(cashdesk("sue", "enrol", "--plan", "CG", "--household", chosen, "--reason", "a committee's decision",
                       data=data))  # fmt: skip
    assert "1 household(s) enrolled in CG by hand" in said
    assert "already enrolled" in one_line(
        cashdesk("sue", "enrol", "--plan", "CG", "--household", chosen, "--reason", "again", data=data)
    )
    assert "Say why" in one_line(cashdesk("sue", "enrol", "--plan", "CG", "--household", codes[2], data=data))
    assert "supervisors" in one_line(
        cashdesk("olive", "enrol", "--plan", "CG", "--household", codes[2], "--reason", "x", data=data)
    )
    assert "is now suspended" in ok(cashdesk("sue", "enrolment", "status", "--plan", "CG", "--household", chosen,
                                             "--to", "suspended", "--reason", "moved for a season", data=data))  # fmt: skip
    history = ok(cashdesk("carl", "enrolment", "history", "--plan", "CG", "--household", chosen, data=data))
    assert "potential -> active" in history or "- -> active" in history
    assert "active -> suspended  (moved for a season; sue" in history
    assert "cannot become" in one_line(cashdesk("sue", "enrolment", "status", "--plan", "CG", "--household", chosen,
                                                "--to", "suspended", "--reason", "again", data=data))  # fmt: skip


def test_remove_on_the_command_line_by_role(registry: Path, tmp_path: Path) -> None:
    data = registry
    ok(cashdesk("admin", "provider", "add", "TYP", "--name", "Typo", "--kind", "bank", data=data))
    assert "Only administrators" in one_line(cashdesk("sue", "provider", "remove", "TYP", data=data))
    assert "TYP removed." in ok(cashdesk("admin", "provider", "remove", "TYP", data=data))
    assert "household(s) are paid at PP1" in one_line(
        cashdesk("admin", "paypoint", "remove", "PP1", data=data)
    )
    ok(cashdesk("sue", "plan", "import", str(_plan_file(tmp_path)), data=data))
    assert "supervisors" in one_line(cashdesk("carl", "plan", "remove", "CG", data=data))
    assert "CG removed." in ok(cashdesk("sue", "plan", "remove", "CG", data=data))
    assert "There is no benefit plan CG" in one_line(cashdesk("sue", "plan", "remove", "CG", data=data))
