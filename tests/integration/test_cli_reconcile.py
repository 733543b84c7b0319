"""`cashdesk reconcile` as each role would try it, as real processes on a real encrypted scheme database:
the project's own payment file filled in and sent back, a bad file refused whole, the report read back, and
closing by a second supervisor."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

from openpyxl import load_workbook

from tests.integration.test_cli_payments import PP1, approved  # noqa: F401 - the fixture
from tests.integration.test_cli_payroll import _plan_file, ok, registry  # noqa: F401 - the fixture
from tests.integration.test_cli_review import cashdesk, one_line


def _filled_in(data: Path, folder: Path) -> Path:
    """The payment file as the provider exported it from CashDesk and sent it back, paid columns filled."""
    exported = folder / "pay.csv"
    ok(cashdesk("sue", "payroll", "export", PP1, "--out", str(exported), data=data))
    with exported.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and rows[0]["paid"] == ""  # the columns to fill in are there, empty
    for row in rows:
        row |= {
            "paid": "yes",
            "amount_paid": "6 500,00",
            "receipt_number": "RC-1",
            "paid_on": "14/03/2026 09:30",
        }
    back = folder / "pay-back.csv"
    with back.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return back


def test_the_payment_file_filled_in_reconciles_and_a_second_supervisor_closes(
    approved: Path,  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    data = approved
    back = _filled_in(data, tmp_path)
    refused = one_line(cashdesk("carl", "reconcile", PP1, str(back), data=data))
    assert "administrators or supervisors may reconcile payrolls" in refused
    assert "supervisors" in one_line(cashdesk("olive", "reconcile", PP1, str(back), data=data))

    said = ok(cashdesk("sue", "reconcile", PP1, str(back), data=data))
    assert "1 rows read with profile cashdesk" in said
    assert "matched" in said and "Every line has an outcome" in said
    again = ok(cashdesk("sue", "reconcile", PP1, str(back), data=data))
    assert "importing it again changes nothing" in again
    with back.open(encoding="utf-8", newline="") as f:
        number = next(csv.DictReader(f))["transaction_number"]
    told = ok(cashdesk("sue", "reconcile", PP1, "--history", number, data=data))
    assert "pay-back.csv" in told and "row 2: paid (the answer in force)" in told

    xlsx, pdf = tmp_path / "rec.xlsx", tmp_path / "rec.pdf"
    ok(cashdesk("sue", "reconcile", PP1, "--report", str(xlsx), data=data))
    summary = load_workbook(xlsx)["summary"]
    rows = {r[0]: r[1:] for r in summary.iter_rows(min_row=2, values_only=True)}
    assert rows["Paid"] == (1, "6,500.00 MWK") and rows["Due"] == (1, "6,500.00 MWK")

    assert "another supervisor closes it" in one_line(cashdesk("sue", "reconcile", PP1, "--close", data=data))
    closed = ok(cashdesk("admin", "reconcile", PP1, "--close", "--report", str(pdf), data=data))
    assert "closed as reconciled" in closed
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Reconciliation of payroll {PP1} (reconciled)" in text
    assert "Paid" in text and "6,500.00 MWK" in text
    assert "reconciled" in ok(cashdesk("sue", "payroll", "status", PP1, data=data))


def test_bad_input_is_refused_with_exit_code_1_and_nothing_written(
    approved: Path,  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    data = approved
    back = _filled_in(data, tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(back.read_text(encoding="utf-8").replace(",yes,", ",perhaps,"), encoding="utf-8")
    result = cashdesk("sue", "reconcile", PP1, str(bad), data=data)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "bad.csv: 1 row(s) cannot be read; nothing was imported" in result.stderr
    assert "row 2, status: \u201cperhaps\u201d" in result.stderr
    listed = ok(cashdesk("sue", "reconcile", PP1, "--list", data=data))
    assert "0 line(s)" in listed  # nothing was imported

    assert "none.csv does not exist" in one_line(
        cashdesk("sue", "reconcile", PP1, str(tmp_path / "none.csv"), data=data)
    )
    assert "not a result-file field" in one_line(
        cashdesk("sue", "reconcile", PP1, str(back), "--map", "paid=wages", data=data)
    )
    assert "no result-file profile called" in one_line(
        cashdesk("sue", "reconcile", PP1, str(back), "--profile", "airtel", data=data)
    )
    assert "Do one thing at a time" in one_line(
        cashdesk("sue", "reconcile", PP1, str(back), "--close", data=data)
    )
    assert "Import the provider's result file" in one_line(
        cashdesk("admin", "reconcile", PP1, "--close", data=data)
    )
    assert "a .pdf or .xlsx" in one_line(
        cashdesk("sue", "reconcile", PP1, "--report", str(tmp_path / "r.txt"), data=data)
    )
    assert "There is no payroll NOPE" in one_line(cashdesk("sue", "reconcile", "NOPE", "--list", data=data))
