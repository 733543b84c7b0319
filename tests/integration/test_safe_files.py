"""Files CashDesk writes for people to open never carry a live formula, and control characters are refused
at import (the `cashdesk` command, a real encrypted database, the files read back)."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from cashdesk.core.tabular import FORMULA_STARTS
from tests.conftest import USER_PASSWORD
from tests.integration.test_cli import cashdesk

OFFICER = {"CASHDESK_USER": "olive", "CASHDESK_PASSWORD": USER_PASSWORD}  # works in village V001
HEADER = [
    "household_ref",
    "member_ref",
    "relationship",
    "recipient",
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "location",
    "address",
    "phone",
]
FORMULAS = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1+cmd|calc"]


def _starts_formula(cell: str) -> bool:
    return cell[:1] in FORMULA_STARTS  # ("" is in no frozenset)


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _import(path: Path, data: Path, *more: str) -> str:
    result = cashdesk("import", "households", str(path), *more, data=data, password=None, **OFFICER)
    return f"exit {result.returncode}\n{result.stdout}{result.stderr}"


def test_formulas_typed_as_names_are_stored_as_typed_and_written_as_text(
    data_dir: Path, tmp_path: Path
) -> None:
    given, family, address = FORMULAS
    source = _csv(
        tmp_path / "in.csv",
        [
            ["F1", "F1-1", "head", "primary", given, family, "F", "1980-02-03", "V001", address, ""],
            ["F1", "F1-2", "child", "", "-Chikondi", "O'Brien-Ñañez", "M", "2015", "V001", address, ""],
            # Rejected (no head): its formula cells go to the errors file.
            ["F2", "F2-1", "child", "primary", "=1+1", "@cmd", "F", "2001", "V001", "+x", ""],
        ],
    )
    errors = tmp_path / "errors.csv"
    assert "households created: 1 (2 members)" in _import(source, data_dir, "--errors", str(errors))

    # The errors file: every text cell that would start a formula carries the apostrophe.
    rejected = _rows(errors)
    assert rejected[1][4:6] == ["'=1+1", "'@cmd"] and rejected[1][9] == "'+x"
    assert not any(_starts_formula(cell) for row in rejected for cell in row)

    out_csv, out_xlsx = tmp_path / "out.csv", tmp_path / "out.xlsx"
    for out in (out_csv, out_xlsx):
        result = cashdesk("export", "households", "--out", str(out), data=data_dir, password=None, **OFFICER)
        assert result.returncode == 0, result.stderr
    exported = _rows(out_csv)
    head = exported[1]
    assert head[4:6] == ["'" + given, "'" + family] and head[13] == "'" + address
    assert exported[2][4:6] == ["'-Chikondi", "O'Brien-Ñañez"]  # real names as written
    assert not any(_starts_formula(cell) for row in exported for cell in row)
    raw = out_csv.read_text(encoding="utf-8-sig").splitlines()[1]
    assert ',"1980-02-03",' in raw  # text quoted: a ";" spreadsheet cannot split a cell into a formula

    sheet_xml = zipfile.ZipFile(out_xlsx).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    sheet = load_workbook(out_xlsx)["households"]
    cells = {cell.value: cell for row in sheet.iter_rows(min_row=2) for cell in row}
    assert all(cells[text].data_type == "s" for text in FORMULAS)
    assert cells[2015].data_type == "n"  # a year of birth stays a number, a date a date
    assert any(getattr(c, "is_date", False) for c in cells.values())

    # Both exports re-import as the same households, unchanged: the apostrophes are CashDesk's own.
    for out in (out_csv, out_xlsx):
        again = _import(out, data_dir)
        assert "already up to date (not changed): 1 households" in again, again
        assert "households updated: 0" in again


def test_control_characters_are_refused_naming_the_row_and_field(data_dir: Path, tmp_path: Path) -> None:
    source = _csv(
        tmp_path / "ctl.csv",
        [
            ["C1", "C1-1", "head", "primary", "Agnes", "Bell\x07Banda", "F", "1980", "V001", "", ""],
            ["C2", "C2-1", "head", "primary", "Ruth", "Phiri", "F", "1981", "V001", "Plot 4\u202e21", ""],
            ["C3", "C3-1", "head", "primary", "Mary\nJane", "Zulu", "F", "1982", "V001", "", ""],
            ["C4", "C4-1", "head", "primary", "Ζωή", "Nguyễn Thị", "F", "1983", "V001", "Ngwenya's", ""],
        ],
    )
    report = _import(source, data_dir)
    assert "exit 1" in report and "households created: 1 (1 members)" in report, report
    assert "row 2, family_name: Contains an invisible control character (U+0007)" in report
    assert "row 3, address: Contains an invisible control character (U+202E)" in report
    assert "row 4, given_name: Contains a line break" in report
    # Nothing of the refused households was written.
    out = tmp_path / "out.csv"
    cashdesk("export", "households", "--out", str(out), data=data_dir, password=None, **OFFICER)
    assert [row[0] for row in _rows(out)[1:]] == ["C4"]
