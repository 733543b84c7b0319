"""The one writer of files people open: no cell of a CSV or XLSX file it writes can run as a formula."""

from __future__ import annotations

import csv
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from cashdesk.core.errors import ValidationError
from cashdesk.core.tabular import FORMULA_STARTS, TableWriter, neutralise, restore

ATTACKS = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1+cmd|calc", "-2+3", "\t=1", "\r=1", "'=1", "''+1"]


@given(st.text())
def test_restore_undoes_neutralise_and_neutralised_text_never_starts_a_formula(text: str) -> None:
    safe = neutralise(text)
    assert restore(safe) == text
    assert safe[:1] not in FORMULA_STARTS


@given(st.text())
def test_text_a_person_writes_is_left_alone(text: str) -> None:
    if text[:1] not in FORMULA_STARTS and text.lstrip("'")[:1] not in FORMULA_STARTS:
        assert neutralise(text) == text


def test_real_names_are_not_touched() -> None:
    for name in ("O'Brien", "Mary-Jane", "Nguyễn Thị", "Ζωή", "محمد", "'Ofa", "Ana Sofía"):
        assert neutralise(name) == name == restore(name)


def test_csv_cells_are_quoted_and_neutralised_numbers_and_dates_stay_bare(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    with TableWriter(path, ["name", "amount", "paid", "when", "blank"]) as table:
        for attack in ATTACKS:
            table.write([attack, Decimal("-12.50"), -3, date(2026, 1, 31), None])
        table.write(["a;=1+1", 1, 2, datetime(2026, 1, 31, 8, 30, tzinfo=UTC), ""])
    raw = path.read_text(encoding="utf-8-sig")
    lines = raw.splitlines()
    assert lines[0] == '"name","amount","paid","when","blank"'
    # Text is quoted (a ";" spreadsheet cannot split it) and a formula start gets an apostrophe.
    assert lines[1] == '"\'=HYPERLINK(""http://x"",""y"")",-12.50,-3,"2026-01-31",""'
    assert lines[3].startswith('"\'+1+cmd|calc",')
    assert '"a;=1+1",1,2,"2026-01-31 08:30:00+00:00"' in raw
    with path.open(encoding="utf-8-sig", newline="") as handle:
        cells = [row[0] for row in csv.reader(handle)][1:]
    assert all(cell[:1] not in FORMULA_STARTS for cell in cells)
    assert [restore(cell) for cell in cells[: len(ATTACKS)]] == ATTACKS


def test_xlsx_text_is_text_numbers_are_numbers_dates_are_dates(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    with TableWriter(path, ["name", "amount", "born"], sheet="people") as table:
        for attack in ATTACKS:
            table.write([attack, Decimal("1500.25"), date(1980, 5, 17)])
        table.write(["bell\x07 and \x1b escape", 7, None])
    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # not one formula cell
    sheet = load_workbook(path)["people"]
    rows = list(sheet.iter_rows(min_row=2))
    # (XML reads a carriage return as a line feed: registry text holds neither, they are refused.)
    assert [row[0].value for row in rows[: len(ATTACKS)]] == [a.replace("\r", "\n") for a in ATTACKS]
    assert {row[0].data_type for row in rows} == {"s"}
    assert rows[0][1].data_type == "n" and rows[0][1].value == 1500.25
    assert rows[0][2].is_date and rows[0][2].value.date() == date(1980, 5, 17)
    # XML cannot hold these characters: they are replaced, not a crash halfway through an export.
    assert rows[-1][0].value == "bell\ufffd and \ufffd escape"


def test_nothing_is_left_under_the_name_when_writing_fails(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("what was there before", encoding="utf-8")
    with pytest.raises(RuntimeError), TableWriter(path, ["a"]) as table:
        table.write(["one"])
        raise RuntimeError("cancelled")
    assert path.read_text(encoding="utf-8") == "what was there before"
    assert list(tmp_path.iterdir()) == [path]  # no .part left behind


def test_other_suffixes_and_unwritable_folders_are_refused_with_a_message(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"write to a \.csv or \.xlsx file"):
        TableWriter(tmp_path / "out.txt", ["a"], field="errors")
    with pytest.raises(ValidationError, match="cannot be written") as caught:
        TableWriter(tmp_path / "missing" / "out.csv", ["a"], field="output").__enter__()
    assert caught.value.field == "output"


def test_values_of_no_clear_type_are_refused(tmp_path: Path) -> None:
    for kind in (".csv", ".xlsx"):
        with pytest.raises(TypeError), TableWriter(tmp_path / f"x{kind}", ["a"]) as table:
            table.write([True])


def test_no_plain_copy_of_the_rows_is_left_in_the_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    with TableWriter(tmp_path / "ok.xlsx", ["name"]) as table:
        table.write(["Agnes Banda"])
    with pytest.raises(RuntimeError), TableWriter(tmp_path / "cancelled.xlsx", ["name"]) as table:
        table.write(["Agnes Banda"])
        raise RuntimeError("cancelled")
    assert list(spool.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.xlsx", "tmp"]
