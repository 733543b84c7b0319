"""Reading import files as they reach us: renamed workbooks, notes sheets, titles, stray commas."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from cashdesk.core.errors import ValidationError
from cashdesk.core.tables import open_table
from cashdesk.desk import Desk
from cashdesk.registry.importing.rows import RowParser
from cashdesk.registry.importing.run import import_households
from tests.unit.test_import_households import BAD, GOOD, HEADER, admin_with_pay_point, write_csv
from tests.unit.test_import_tables import rows_of

__all__ = ["admin_with_pay_point"]  # the fixture, shared with the household import's tests


def write_book(path: Path, *sheets: tuple[str, list[list[object]]]) -> Path:
    """A workbook with the given sheets (name, rows) in order, saved under any name."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def read_errors(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_a_workbook_renamed_csv_is_read_as_a_workbook(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    source = write_book(tmp_path / "households.csv", ("Sheet1", [HEADER, *GOOD]))
    info, rows, _late = rows_of(source)
    assert info.kind == "xlsx" and [n for n, _v in rows] == [2, 3, 4]  # type: ignore[attr-defined]
    assert any("really an Excel file" in w for w in info.warnings)  # type: ignore[attr-defined]
    report = admin_with_pay_point.run(import_households, source, dry_run=True)
    assert (report.households_created, report.members_created) == (2, 3)


def test_the_sheet_read_is_the_first_whose_header_names_the_columns(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    notes = [["Column", "Meaning"], ["household_ref", "the registry's household number"]]
    source = write_book(tmp_path / "book.xlsx", ("Notes", notes), ("Households", [HEADER, *GOOD]))
    report = admin_with_pay_point.run(import_households, source, dry_run=True)
    assert report.households_created == 2
    assert any("Households" in w and "Notes" in w for w in report.table_warnings)

    neither = write_book(tmp_path / "neither.xlsx", ("Notes", notes), ("Other", [["a", "b"], ["1", "2"]]))
    with pytest.raises(ValidationError) as caught:
        admin_with_pay_point.run(import_households, neither, dry_run=True)
    assert all(part in caught.value.message for part in ("neither.xlsx", "Notes", "Other", "--sheet"))


def test_a_title_above_the_header_is_skipped_and_rows_keep_their_numbers(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Registry export March 2026"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append([])
    sheet.append(HEADER)
    for row in GOOD + BAD:
        sheet.append(row)
    source = tmp_path / "titled.xlsx"
    book.save(source)
    assert open_table(source).header_row == 3  # also without the import's own idea of a header
    errors = tmp_path / "errors.csv"
    report = admin_with_pay_point.run(import_households, source, dry_run=True, errors_path=errors)
    assert (report.households_created, report.rows_rejected) == (2, 2)
    assert {p.row for p in report.problems if p.is_error} == {7, 8}  # rows 4-6 good, 7-8 BAD
    assert [row[-2] for row in read_errors(errors)[1:]] == ["7", "8"]


def test_a_row_with_cells_beyond_the_header_is_an_error_of_that_row(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    header = [*HEADER, "address"]
    source = tmp_path / "ragged.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(header) + "\n")
        handle.write(",".join(GOOD[0]) + ",Plot 4, Chisaku\n")  # the comma in the address is not quoted
        csv.writer(handle).writerows([[*GOOD[1], "Plot 4, Chisaku"], [*GOOD[2], ""]])
    errors = tmp_path / "errors.csv"
    report = admin_with_pay_point.run(import_households, source, dry_run=True, errors_path=errors)
    assert (report.households_created, report.households_rejected, report.rows_rejected) == (1, 1, 2)
    # One problem, on the row itself: the shifted cells are not checked, nor blamed on the other row.
    [problem] = [p for p in report.problems if p.is_error]
    assert problem.row == 2
    assert "Row 2 has 17 cells, the header has 16" in problem.message and "quotes" in problem.message
    assert [p for p in report.problems if p.row in (2, 3)] == [problem]  # no warning from shifted cells
    written = read_errors(errors)
    assert written[1][-2:] == ["2", f"cells: {problem.message}"]
    assert written[2][-2] == "3" and "because of row 2" in written[2][-1]


def test_the_errors_file_keeps_every_cell_of_the_original_row(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    source = tmp_path / "ragged.csv"
    bad = [*BAD[0], "PP07"]  # a cell beyond the header, as an unquoted comma makes
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerows([HEADER, GOOD[0], bad, [f" {BAD[1][0]}", *BAD[1][1:]]])
    errors = tmp_path / "errors.csv"
    report = admin_with_pay_point.run(import_households, source, dry_run=True, errors_path=errors)
    assert report.rows_rejected == 2
    written = read_errors(errors)
    assert written[0] == [*HEADER, "extra cell 1", "row", "error"]
    assert written[1][:-2] == bad and written[1][-2] == "3"
    # A shorter row is padded so that its row number and reason stay in their columns; cells as written.
    assert written[2][:-2] == [f" {BAD[1][0]}", *BAD[1][1:], ""] and written[2][-2] == "4"


def test_a_short_row_names_the_required_fields_it_lacks(admin_with_pay_point: Desk, tmp_path: Path) -> None:
    short = GOOD[2][: HEADER.index("location")]  # ends before location, payment and pay point
    source = write_csv(tmp_path / "short.csv", [*GOOD[:2], short])
    report = admin_with_pay_point.run(import_households, source, dry_run=True)
    assert report.households_rejected == 1
    assert {p.field for p in report.problems if p.is_error and p.row == 4} == {"location"}


def test_the_parser_reports_a_row_longer_than_the_header_and_leaves_its_household_cells() -> None:
    parser = RowParser({"household_ref": 0, "member_ref": 1, "location": 2}, cells=3)
    well_formed = parser.parse(2, ("H1", "M1", "V001"))
    assert well_formed.household[0] == "V001"
    assert [p.field for p in well_formed.problems] == []
    long = parser.parse(3, ("H1", "M2", "V001", "stray"))
    assert long.household_ref == "H1" and long.member.source_ref == "M2"
    assert set(long.household) == {""}
    assert [(p.field, p.row) for p in long.problems] == [("cells", 3)]
    assert "Row 3 has 4 cells, the header has 3" in long.problems[0].message
    # Without the header's width (a caller that cuts rows itself) no row is too long.
    assert RowParser({"household_ref": 0, "member_ref": 1}).parse(4, ("H1", "M3", "x", "y")).problems == []


def test_cells_right_of_a_workbooks_header_are_named_not_dropped_in_silence(
    admin_with_pay_point: Desk, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(GOOD[0])
    sheet.append([*GOOD[1], "checked by the chief"])  # a note in a column with no header
    source = tmp_path / "noted.xlsx"
    book.save(source)
    report = admin_with_pay_point.run(import_households, source, dry_run=True)
    assert report.households_created == 1
    assert any("were not read (rows 3)" in warning for warning in report.table_warnings)
