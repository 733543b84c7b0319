"""The errors file: the original rows that were not imported, each with its row number and the reason."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

from cashdesk.core.i18n import _
from cashdesk.core.jobs import check_abort
from cashdesk.core.tables import CsvReader, TableInfo, iter_rows
from cashdesk.core.tabular import TableWriter, restore


def column_name(problem_field: str) -> str:
    """'members[2].date_of_birth' -> 'date_of_birth', 'custom.rooms' -> 'rooms': the errors file talks in
    the file's columns."""
    member = problem_field.startswith("members[")
    name = (
        problem_field.rsplit(".", 1)[-1] if member or problem_field.startswith("custom.") else problem_field
    )
    if name == "source_ref":
        return "member_ref" if member else "household_ref"
    return {
        "relation_to_head": "relationship",
        "recipient_role": "recipient",
        "payment_account": "account_number",
    }.get(name, name)


def write_errors_file(
    path: Path, info: TableInfo, reasons: Mapping[int, str], *, abort: threading.Event | None = None
) -> None:
    """The original rows, each followed by its row number and the reason, written by the safe writer (a
    rejected row is as likely as any to hold a formula someone typed).

    The rows are read again from the source file, which the import did not keep in memory. A CSV row is
    written as the file has it, every cell, also those beyond the header (a comma that is not in quotes
    makes one): the row and error columns come after the widest rejected row, so they stay in one column.
    """
    headers = list(info.headers)
    if reasons and info.kind == "csv":
        width = max((len(cells) for _n, cells in _csv_rows(info, reasons, abort)), default=0)
        width = max(width, len(headers))
        rows = _csv_rows(info, reasons, abort)
    else:
        width = len(headers)
        rows = (
            (row.number, list(row.values)) for row in iter_rows(info, abort=abort) if row.number in reasons
        )
    # The cells beyond the header get a name, so that the file can be corrected and imported again.
    headers += [_("extra cell {n}").format(n=n) for n in range(1, width - len(headers) + 1)]
    with TableWriter(path, [*headers, "row", "error"], sheet="errors", field="errors") as table:
        if not reasons:
            return
        for number, cells in rows:
            table.write([*cells, *[""] * (width - len(cells)), number, reasons[number]])


def _csv_rows(
    info: TableInfo, reasons: Mapping[int, str], abort: threading.Event | None
) -> Iterator[tuple[int, list[str]]]:
    """The rejected CSV rows as the import read them (a cell CashDesk's writer neutralised is restored,
    to be neutralised again on the way out), numbered as the import numbered them (a row by its first
    line); empty cells beyond the header (a trailing separator) are left out."""
    assert info.encoding is not None and info.delimiter is not None
    reader = CsvReader(info.path, info.encoding, info.delimiter)
    header_width, left = len(info.headers), len(reasons)
    try:
        for count, (line, record) in enumerate(reader):
            if abort is not None and count % 5000 == 0:
                check_abort(abort)
            if line > info.header_row and line in reasons:
                while len(record) > header_width and not record[-1].strip():
                    record.pop()
                yield line, [restore(cell) for cell in record]
                left -= 1
                if not left:  # the rest of the file holds none of them
                    return
    finally:
        reader.close()
