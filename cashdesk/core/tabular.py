"""The one writer of tabular files that people open (CSV and XLSX), safe against formula injection.

Field staff open every export, errors file and report in Excel or LibreOffice, where a cell that begins
with "=" (and, in CSV, "+", "-", "@", a tab or a line break) runs as a formula: a name typed as
`=HYPERLINK("http://x","y")` would become a live link, `+1+cmd|calc` a command (CSV injection, OWASP).
So:

- XLSX cells are written with their type: text as text (openpyxl would make any string beginning
  with "=" a formula cell), numbers as numbers, dates as dates.
- CSV has no types. Every text cell is quoted (a spreadsheet whose list separator is ";" then cannot
  split `a;=1+1` into a formula), and a text cell that begins with a formula character gets a leading
  apostrophe, as OWASP describes. Numbers are written bare and stay numbers.
- CashDesk's own CSV reading undoes the apostrophe (`restore`), so an export re-imports unchanged. For
  that to hold for every text, one that already begins with apostrophes before a formula character gets
  one more: `neutralise` and `restore` are exact inverses.

A file is written under a temporary name and renamed when complete: a cancelled or failed export
leaves no half file under the name the user chose.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _

# What a spreadsheet program reads as the start of a formula (OWASP's list, plus a line feed).
FORMULA_STARTS = frozenset("=+-@\t\r\n")
SUFFIXES = (".csv", ".xlsx")

Cell = str | int | Decimal | date | None  # datetime is a date; bool and float are refused (say what you mean)

# Characters XML 1.0 cannot carry: openpyxl refuses them in a cell (CSV can carry them).
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def neutralise(text: str) -> str:
    """The CSV form of a text cell: a leading apostrophe when a spreadsheet would read it as a formula."""
    if text and (text[0] in FORMULA_STARTS or (text[0] == "'" and text.lstrip("'")[:1] in FORMULA_STARTS)):
        return "'" + text
    return text


def restore(text: str) -> str:
    """A text cell of a CSV file as it was before `neutralise` (text that was not neutralised is kept)."""
    if text[:1] == "'" and text.lstrip("'")[:1] in FORMULA_STARTS:
        return text[1:]
    return text


def check_table_path(path: Path, *, field: str = "out") -> None:
    """Refuse a file name the writer cannot write, before a long job rather than after it."""
    if path.suffix.lower() not in SUFFIXES:
        raise ValidationError(_("{file}: write to a .csv or .xlsx file.").format(file=path.name), field=field)


def _csv_cell(value: Cell) -> str | int | Decimal:
    if isinstance(value, str):
        return neutralise(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        raise TypeError("write a yes/no value as text")
    if isinstance(value, int | Decimal):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to a table")


class TableWriter:
    """Rows to a .csv or .xlsx file (chosen by the file's suffix), every cell safe to open.

        with TableWriter(path, header) as table:
            for row in rows:
                table.write(row)

    The file appears under `path` only when the block ends without an exception. Raises
    ValidationError (naming `field`) for another suffix or when the file cannot be written.
    """

    def __init__(self, path: Path, header: Sequence[str], *, sheet: str = "data", field: str = "out") -> None:
        self.path = path
        self.field = field  # the option or field that named the file, for messages
        check_table_path(path, field=field)
        self.kind = path.suffix.lower()
        self.header = list(header)
        self.sheet_name = sheet
        self.rows = 0
        self._tmp = path.with_name(path.name + ".part")
        self._handle: TextIO | None = None
        self._csv: Any = None
        self._book: Any = None
        self._sheet: Any = None
        self._sheets: list[Any] = []

    def __enter__(self) -> TableWriter:
        try:
            if self.kind == ".csv":
                # UTF-8 with a byte order mark: Excel reads the accents right only with it.
                self._handle = self._tmp.open("w", encoding="utf-8-sig", newline="")
                self._csv = csv.writer(self._handle, quoting=csv.QUOTE_NONNUMERIC)
            else:
                from openpyxl import Workbook

                self._book = Workbook(write_only=True)
                self._sheet = self._book.create_sheet(self.sheet_name)
                self._sheets.append(self._sheet)
        except OSError as exc:
            raise self._cannot_write(exc) from exc
        self._write(self.header)
        return self

    def write(self, row: Sequence[Cell]) -> None:
        self._write(row)
        self.rows += 1

    def new_sheet(self, name: str, header: Sequence[str]) -> None:
        """Go on in a new sheet of the workbook, with its own header (XLSX only: a CSV file has one table)."""
        if self._book is None:
            raise TypeError("a CSV file has a single table")
        self._sheet = self._book.create_sheet(name)
        self._sheets.append(self._sheet)
        self._write(header)

    def write_all(self, rows: Iterable[Sequence[Cell]]) -> None:
        for row in rows:
            self.write(row)

    def _write(self, row: Sequence[Cell]) -> None:
        try:
            if self._csv is not None:
                self._csv.writerow([_csv_cell(value) for value in row])
            else:
                self._sheet.append([self._xlsx_cell(value) for value in row])
        except OSError as exc:
            raise self._cannot_write(exc) from exc

    def _xlsx_cell(self, value: Cell) -> Any:
        if isinstance(value, str):
            if _NOT_IN_XML.search(value):
                value = _NOT_IN_XML.sub("\ufffd", value)
            if value[:1] == "=":  # openpyxl makes such a string a formula: force it to stay text
                from openpyxl.cell import WriteOnlyCell

                cell = WriteOnlyCell(self._sheet, value=value)
                cell.data_type = "s"
                return cell
            return value
        if isinstance(value, bool) or not isinstance(value, int | Decimal | date | None):
            raise TypeError(f"cannot write {type(value).__name__} to a table")
        return value

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._handle is not None:
                self._handle.close()
            if exc_type is None:
                if self._book is not None:
                    self._book.save(self._tmp)
                self._tmp.replace(self.path)
        except OSError as error:
            raise self._cannot_write(error) from error
        finally:
            self._tmp.unlink(missing_ok=True)
            for sheet in self._sheets:
                self._remove_sheet_spool(sheet)

    @staticmethod
    def _remove_sheet_spool(sheet: Any) -> None:
        """openpyxl spools a write-only sheet's XML (every person's row, in plain text) to a file of the
        system's temporary folder and removes it only when the process exits: for the window, hours
        later, and never after a power cut. Remove it as soon as the workbook is saved or abandoned."""
        if not sheet.closed:  # abandoned: finish the spool, so that its file is closed
            sheet.close()
        spool = getattr(getattr(sheet, "_writer", None), "out", None)
        if isinstance(spool, str):
            Path(spool).unlink(missing_ok=True)

    def _cannot_write(self, exc: OSError) -> ValidationError:
        return ValidationError(
            _("{path} cannot be written: {reason}.").format(path=self.path, reason=exc.strerror or exc),
            field=self.field,
        )
