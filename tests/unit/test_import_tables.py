"""Reading spreadsheets as users produce them."""

from __future__ import annotations

import codecs
import datetime as dt
import tracemalloc
from pathlib import Path

import pytest
from openpyxl import Workbook

from cashdesk.core.tables import TableError, iter_rows, list_sheets, open_table


def rows_of(path: Path, **kwargs: object) -> tuple[object, list[tuple[int, tuple[str, ...]]], list[str]]:
    info = open_table(path, **kwargs)  # type: ignore[arg-type]
    late: list[str] = []
    return info, [(r.number, r.values) for r in iter_rows(info, warnings=late)], late


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter"),
    [("utf-8", b"", ","), ("utf-8", codecs.BOM_UTF8, ";"), ("utf-16", b"", "\t"), ("cp1252", b"", "|")],
)
def test_encodings_and_delimiters(tmp_path: Path, encoding: str, bom: bytes, delimiter: str) -> None:
    text = delimiter.join(["name", "village"]) + "\n" + delimiter.join(["Mércy Phiri", "Chikwawa"]) + "\n"
    path = tmp_path / "people.csv"
    path.write_bytes(bom + text.encode(encoding))
    info, rows, _late = rows_of(path)
    assert info.headers == ("name", "village")  # type: ignore[attr-defined]
    assert rows == [(2, ("Mércy Phiri", "Chikwawa"))]
    assert bool(info.warnings) == (encoding == "cp1252")  # type: ignore[attr-defined]


def test_ragged_rows_blank_lines_and_multiline_cells(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text('a,b,c\n1,2\n\n"line one\nline two",5,6,7\n8,9,10\n', encoding="utf-8")
    _info, rows, late = rows_of(path)
    assert rows == [(2, ("1", "2", "")), (4, ("line one\nline two", "5", "6")), (6, ("8", "9", "10"))]
    assert late and "row 4" in late[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\n\n  \n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a spreadsheet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old Excel"),
        (b"name,Name,\nx,y,\n", "same name"),
    ],
)
def test_files_that_are_not_tables_say_why(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(TableError, match=message) as caught:
        open_table(path)
    assert "bad.csv" in caught.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="does not exist"):
        open_table(tmp_path / "nope.csv")


def test_renamed_files_are_read_by_their_content(tmp_path: Path) -> None:
    text_as_xlsx = tmp_path / "t.xlsx"
    text_as_xlsx.write_text("a,b\n1,2\n")
    info, rows, _late = rows_of(text_as_xlsx)
    assert info.kind == "csv" and rows == [(2, ("1", "2"))]  # type: ignore[attr-defined]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(TableError, match="not a readable Excel"):
        open_table(broken)


def test_xlsx_sheets_merged_headers_and_cell_types(tmp_path: Path) -> None:
    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    data = book.create_sheet("Data")
    data.append(["Name", "Phone", None, "ID", "Born", "Disabled"])
    data.merge_cells("B1:C1")
    data.append(["Ruth", "0881", "0999", "00123", dt.date(1970, 1, 2), True])
    data.append([None, None, None, None, None, None])
    data.append([12.0, 0.5, None, 123, dt.datetime(1980, 3, 4), False])
    path = tmp_path / "book.xlsx"
    book.save(path)
    assert list_sheets(path) == ["Notes", "Data"]
    info, rows, _late = rows_of(path)
    assert info.sheet == "Data"  # type: ignore[attr-defined]
    assert info.headers == ("Name", "Phone", "Phone (C)", "ID", "Born", "Disabled")  # type: ignore[attr-defined]
    assert any("merged" in w for w in info.warnings) and any("Notes" in w for w in info.warnings)  # type: ignore[attr-defined]
    assert rows == [
        (2, ("Ruth", "0881", "0999", "00123", "1970-01-02", "TRUE")),
        (4, ("12", "0.5", "", "123", "1980-03-04", "FALSE")),
    ]
    with pytest.raises(TableError, match="Notes, Data"):
        open_table(path, sheet="Beneficiaries")


def test_a_large_file_is_streamed(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    line = "HH{0},M{0},head,primary,Chikondi,Banda,F,1980-05-17,national_id,{0:08d},,V001,cash,,PP1\n"
    with path.open("w", encoding="utf-8") as handle:
        handle.write(
            "household_ref,member_ref,relationship,recipient,given_name,family_name,sex,date_of_birth,"
            "id_type,id_number,phone,location,payment_method,account_number,pay_point\n"
        )
        for i in range(200_000):
            handle.write(line.format(i))
    assert path.stat().st_size > 18_000_000
    tracemalloc.start()
    info = open_table(path)
    count = sum(1 for _row in iter_rows(info))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 200_000
    assert peak < 8_000_000  # an 18 MB file read in under 8 MB


def test_fields_the_file_lacks_read_empty_whatever_else_the_row_holds() -> None:
    from cashdesk.registry.importing.rows import RowParser

    parser = RowParser({"household_ref": 0, "member_ref": 1, "given_name": 2, "family_name": 3})
    # A fifth cell from a column nobody mapped, and a short row: neither lends a value to another field.
    full = parser.parse(2, ("H1", "M1", "Mercy", "Phiri", "a note nobody mapped"))
    short = parser.parse(3, ("H1", "M2", "Tionge"))
    assert (full.member.given_name, full.member.family_name, full.member.other_names) == (
        "Mercy",
        "Phiri",
        "",
    )
    assert (full.member.phone, full.member.sex, full.member.identifiers) == ("", "", [])
    assert (short.member.given_name, short.member.family_name, short.household_ref) == ("Tionge", "", "H1")
