"""Reading a user's spreadsheet (CSV or XLSX) as a header and rows, whatever state it is in.

Files come from old registries and Excel on district laptops: semicolons instead of commas, Windows-1252
or UTF-16 instead of UTF-8, a byte order mark, ragged rows, a renamed file, several sheets, merged
header cells. Each problem gets a message naming the file (and row or column); rows are streamed, so a
200 MB file never sits in memory.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree.ElementTree import ParseError

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.core.tabular import restore

SAMPLE_BYTES = 1 << 20
HEADER_SEARCH_ROWS = 10  # rows with data looked at for a sheet's header (titles and notes come above it)
DELIMITERS = ",;\t|"
csv.field_size_limit(1 << 24)  # a long free-text cell must not abort the import


class TableError(ValidationError):
    """The file cannot be read as a table; the message says why and what to do."""


# Whether a row's cells are the header the caller needs (e.g. they name the required columns).
HeaderTest = Callable[[Sequence[str]], bool]


class TableRow(NamedTuple):  # a tuple, not a frozen dataclass: one is made for every row of the file
    number: int  # as the user's spreadsheet program numbers it (the header is row 1 in a plain CSV)
    values: tuple[str, ...]  # stripped, one per header (missing cells are "")


@dataclass(frozen=True)
class TableInfo:
    path: Path
    kind: str  # "csv" or "xlsx"
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    headers: tuple[str, ...]
    warnings: tuple[str, ...]
    size_bytes: int
    header_row: int = 1


def normalise_header(text: str) -> str:
    """'Date of Birth ' / 'DATE_OF_BIRTH' / 'Date de naissance' -> comparable lower-case words, no accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _clean_headers(path: Path, raw: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """Strip, drop empty trailing columns, name merged/empty middle ones, refuse duplicates."""
    headers = [h.strip() for h in raw]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise TableError(
            _("{file} has no header row: the first row must name the columns.").format(file=path.name)
        )
    warnings = []
    for i, header in enumerate(headers):
        if not header:
            # An empty header cell between named ones is usually the second half of a merged cell.
            previous = next((h for h in reversed(headers[:i]) if h), "column")
            name = f"{previous} ({_column_letter(i)})"
            headers[i] = name
            warnings.append(
                _("Column {col} has no name (merged header cell?); it is called \u201c{name}\u201d.").format(
                    col=_column_letter(i), name=name
                )
            )
    seen: dict[str, int] = {}
    duplicates = []
    for i, header in enumerate(headers):
        key = header.lower()
        if key in seen:
            duplicates.append(
                _("\u201c{name}\u201d (columns {a} and {b})").format(
                    name=header, a=_column_letter(seen[key]), b=_column_letter(i)
                )
            )
        seen.setdefault(key, i)
    if duplicates:
        raise TableError(
            _("{file}: two columns have the same name: {names}. Rename one of them.").format(
                file=path.name, names="; ".join(duplicates)
            )
        )
    return tuple(headers), warnings


# --- CSV ---------------------------------------------------------------------------------------------


def _detect_encoding(path: Path, head: bytes) -> tuple[str, list[str]]:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", []
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", []
    sample = head[: head.rfind(b"\n") + 1] or head  # never cut a multi-byte letter in two
    try:
        sample.decode("utf-8")
        return "utf-8", []
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        encoding, label = "cp1252", "Windows-1252"
    except UnicodeDecodeError:
        encoding, label = "latin-1", "Latin-1"
    return encoding, [
        _("{file} is not UTF-8; it was read as {enc}. Check that accented letters look right.").format(
            file=path.name, enc=label
        )
    ]


def _detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    counts = {d: lines[0].count(d) for d in DELIMITERS}  # in the first line with data: the header
    try:
        sniffed: str | None = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    # The sniffer can be misled by a cell's text (a row ending in `, 'Mama'`, a long cell full of commas):
    # a delimiter the header line does not hold, when it holds another, cannot be the file's.
    if sniffed is not None and (counts.get(sniffed) or not any(counts.values())):
        return sniffed
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class CsvReader:
    """csv.reader over a byte stream, giving each record's first line number and the bytes consumed."""

    def __init__(self, path: Path, encoding: str, delimiter: str) -> None:
        self.raw = path.open("rb")
        self.text = io.TextIOWrapper(self.raw, encoding=encoding, newline="", errors="replace")
        self.reader = csv.reader(self.text, delimiter=delimiter)
        self._last_line = 0

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        try:
            for record in self.reader:
                start = self._last_line + 1
                self._last_line = self.reader.line_num
                yield start, record
        except csv.Error as exc:
            raise TableError(
                _("Line {n} cannot be read: {reason}.").format(n=self.reader.line_num, reason=exc)
            ) from exc

    def position(self) -> int:
        return self.raw.tell()

    def close(self) -> None:
        self.text.close()


def _open_csv(path: Path, head: bytes, size: int, warnings: list[str]) -> TableInfo:
    encoding, notes = _detect_encoding(path, head)
    warnings.extend(notes)
    try:
        text = head.decode(encoding, errors="replace")
    except LookupError:  # pragma: no cover - the encodings above all exist
        text = head.decode("latin-1")
    delimiter = _detect_delimiter(text)
    reader = CsvReader(path, encoding, delimiter)
    try:
        for line, record in reader:
            if any(cell.strip() for cell in record):
                headers, header_notes = _clean_headers(path, [restore(cell.strip()) for cell in record])
                warnings.extend(header_notes)
                return TableInfo(path, "csv", encoding, delimiter, None, headers, tuple(warnings), size, line)
    finally:
        reader.close()
    raise TableError(_("{file} is empty: it has no header and no rows.").format(file=path.name))


def _iter_csv(
    info: TableInfo, progress: Progress, abort: threading.Event, late: list[str], extra_cells: bool
) -> Iterator[TableRow]:
    assert info.encoding is not None and info.delimiter is not None
    reader = CsvReader(info.path, info.encoding, info.delimiter)
    width = len(info.headers)
    longer = 0
    first_longer = 0
    header_row, size = info.header_row, max(1, info.size_bytes)
    try:
        for count, (line, record) in enumerate(reader):
            if count % 5000 == 0:
                check_abort(abort)
                progress(reader.position() / size, _("Reading line {n:,}").format(n=line))
            if line <= header_row:
                continue
            cells = tuple(map(str.strip, record))  # one pass in C: this runs for every row of the file
            if not any(cells):
                continue
            # A cell CashDesk's writer neutralised begins with an apostrophe (cashdesk.core.tabular).
            # One join and find in C per row tell whether any cell does; only then is each looked at.
            if "\n'" in "\n".join(cells) or cells[0][:1] == "'":
                cells = tuple(map(restore, cells))
            if len(cells) != width:  # ragged: pad to the header's width, cut empty cells beyond it
                if any(cells[width:]):
                    longer += 1
                    first_longer = first_longer or line
                    if not extra_cells:
                        cells = cells[:width]
                else:
                    cells = cells[:width] + ("",) * (width - len(cells))
            yield TableRow(line, cells)
    finally:
        reader.close()
    if longer and not extra_cells:
        late.append(
            _(
                "{n:,} row(s) had more cells than there are columns; the extra cells were ignored (first: row {row})."
            ).format(n=longer, row=first_longer)
        )


# --- XLSX --------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # Given an open file, not its name: openpyxl refuses a name that does not end in .xlsx, and an Excel
    # file renamed .csv is read by its content.
    with path.open("rb") as handle:
        try:
            book = load_workbook(handle, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, InvalidFileException, ParseError) as exc:
            raise _unreadable_workbook(path) from exc
        try:
            yield book
        except ParseError as exc:  # a sheet's XML is broken: found only when its rows are read
            raise _unreadable_workbook(path) from exc
        finally:
            book.close()


def _unreadable_workbook(path: Path) -> TableError:
    return TableError(
        _(
            "{file} is not a readable Excel (.xlsx) file. Open it in Excel or LibreOffice and save "
            "it again as .xlsx or .csv."
        ).format(file=path.name)
    )


def list_sheets(path: Path) -> list[str]:
    with _workbook(path) as book:
        return list(book.sheetnames)


def _plausible_header(cells: Sequence[str]) -> bool:
    # A title above the header ("Registry export March 2026", merged across the columns) fills one cell.
    return sum(1 for cell in cells if cell) >= 2


def _find_header(sheet: Any, is_header: HeaderTest) -> tuple[bool, int, list[str]] | None:
    """(whether is_header passed, row number, cells): the first of the sheet's first rows with data that
    passes is_header; failing that the first that names two columns or more; failing that the first with
    data. None for a sheet with no data in its first 50 rows."""
    seen: list[tuple[int, list[str]]] = []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_cell_text(v) for v in row]
        if any(cells):
            if is_header(cells):
                return True, number, cells
            seen.append((number, cells))
            if len(seen) == HEADER_SEARCH_ROWS:
                break
        if number >= 50:
            break
    if not seen:
        return None
    number, cells = next((found for found in seen if _plausible_header(found[1])), seen[0])
    return False, number, cells


def _open_xlsx(
    path: Path, sheet_name: str | None, size: int, warnings: list[str], is_header: HeaderTest | None
) -> TableInfo:
    with _workbook(path) as book:
        names = list(book.sheetnames)
        if sheet_name is not None and sheet_name not in names:
            raise TableError(
                _("{file} has no sheet \u201c{sheet}\u201d. Its sheets are: {names}.").format(
                    file=path.name, sheet=sheet_name, names=", ".join(names)
                )
            )
        candidates = [sheet_name] if sheet_name else names
        looked: list[str] = []
        chosen: tuple[str, int, list[str]] | None = None  # sheet, header row, its cells
        for name in candidates:
            found = _find_header(book[name], is_header or _plausible_header)
            if found is None:
                continue
            looked.append(name)
            passed, header_row, cells = found
            if passed:
                chosen = name, header_row, cells
                break
            chosen = chosen or (name, header_row, cells)  # the first sheet with data, if none passes
        else:
            if chosen is None:
                raise TableError(_("{file} is empty: no sheet has a header row.").format(file=path.name))
            if is_header is not None and sheet_name is None and len(looked) > 1:
                raise TableError(
                    _(
                        "{file}: none of its sheets ({sheets}) has a header row with the columns needed in "
                        "its first {n} rows. Choose the sheet to read (--sheet) and check its header."
                    ).format(
                        file=path.name,
                        sheets=", ".join(f"\u201c{n}\u201d" for n in looked),
                        n=HEADER_SEARCH_ROWS,
                    )
                )
    assert chosen is not None  # the loop found a sheet, or its else raised
    name, header_row, cells = chosen
    headers, notes = _clean_headers(path, cells)
    warnings.extend(notes)
    if header_row > 1:
        warnings.append(
            _("The header of sheet \u201c{sheet}\u201d is row {row}; the rows above it were skipped.").format(
                sheet=name, row=header_row
            )
        )
    others = [n for n in names if n != name]
    if sheet_name is None and others:
        warnings.append(
            _("Read the sheet \u201c{sheet}\u201d; the file also has {others}.").format(
                sheet=name, others=", ".join(f"\u201c{n}\u201d" for n in others)
            )
        )
    return TableInfo(path, "xlsx", None, None, name, headers, tuple(warnings), size, header_row)


def _iter_xlsx(
    info: TableInfo, progress: Progress, abort: threading.Event, late: list[str]
) -> Iterator[TableRow]:
    beyond: list[int] = []  # rows with something right of the header's last column (not read)
    with _workbook(info.path) as book:
        sheet = book[info.sheet]
        total = sheet.max_row or 0
        width = len(info.headers)
        for number, row in enumerate(
            sheet.iter_rows(min_row=info.header_row + 1, values_only=True), start=info.header_row + 1
        ):
            if number % 2000 == 0:
                check_abort(abort)
                progress(number / max(1, total), _("Reading row {n:,}").format(n=number))
            cells = [_cell_text(v) for v in row[:width]]
            if len(row) > width and any(v is not None and _cell_text(v) for v in row[width:]):
                beyond.append(number)
            if not any(cells):
                continue
            cells.extend([""] * (width - len(cells)))
            yield TableRow(number, tuple(cells))
    if beyond:
        late.append(
            _(
                "Cells right of the header's last column were not read (rows {rows}): give their column a "
                "header to import them."
            ).format(rows=", ".join(map(str, beyond[:5])) + (", ..." if len(beyond) > 5 else ""))
        )


# --- entry points ------------------------------------------------------------------------------------


def open_table(path: Path, *, sheet: str | None = None, is_header: HeaderTest | None = None) -> TableInfo:
    """Look at the file and its header without reading it all.

    In an XLSX file the header is looked for in each sheet's first rows with data (a title or notes may
    come above it): the first row that passes `is_header`, in the first sheet that has one (of `sheet` only
    when given). Without `is_header`, or when no row passes it in a given sheet or a one-sheet file, the
    first row naming two columns or more is taken. When several sheets were looked at and none passes, the
    error names them."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(SAMPLE_BYTES)
    except FileNotFoundError as exc:
        raise TableError(_("{path} does not exist.").format(path=path)) from exc
    except IsADirectoryError as exc:
        raise TableError(_("{path} is a folder, not a file.").format(path=path)) from exc
    except PermissionError as exc:
        raise TableError(_("{path} cannot be read: permission denied.").format(path=path)) from exc
    if not head.strip():
        raise TableError(_("{file} is empty.").format(file=path.name))
    warnings: list[str] = []
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        if suffix != ".xlsx":
            warnings.append(_("{file} is really an Excel file; it was read as one.").format(file=path.name))
        return _open_xlsx(path, sheet, size, warnings, is_header)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError(
            _("{file} is an old Excel (.xls) file. Save it as .xlsx or .csv and import that.").format(
                file=path.name
            )
        )
    if suffix == ".xlsx":
        warnings.append(
            _("{file} is named .xlsx but is a text file; it was read as CSV.").format(file=path.name)
        )
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and b"\x00" in head[:4096]:
        raise TableError(
            _("{file} is not a spreadsheet (it contains binary data). Choose a .csv or .xlsx file.").format(
                file=path.name
            )
        )
    return _open_csv(path, head, size, warnings)


def iter_rows(
    info: TableInfo,
    *,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
    warnings: list[str] | None = None,
    extra_cells: bool = False,
) -> Iterator[TableRow]:
    """Data rows after the header, blank rows skipped. Warnings found while reading go to `warnings`.
    A CSV row with cells beyond the header that are not empty keeps them with `extra_cells` (the caller
    reports the row: a comma in a value that is not in quotes shifts its cells); otherwise they are cut
    and a warning says so. (The reader's own generator, not one around it: each level costs every row.)"""
    late = warnings if warnings is not None else []
    if info.kind == "xlsx":
        return _iter_xlsx(info, progress, abort or never_abort(), late)
    return _iter_csv(info, progress, abort or never_abort(), late, extra_cells)
