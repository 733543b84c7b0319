"""The errors file: the original rows that were not imported, each with its row number and the reason."""

from __future__ import annotations

import csv
import threading
from collections.abc import Mapping
from pathlib import Path

from cashdesk.registry.importing.tables import TableInfo, iter_rows


def column_name(problem_field: str) -> str:
    """'members[2].date_of_birth' -> 'date_of_birth'; the errors file talks in the file's columns."""
    name = problem_field.rsplit(".", 1)[-1] if problem_field.startswith("members[") else problem_field
    return {
        "relation_to_head": "relationship",
        "recipient_role": "recipient",
        "payment_account": "account_number",
    }.get(name, name)


def write_errors_file(
    path: Path, info: TableInfo, reasons: Mapping[int, str], *, abort: threading.Event | None = None
) -> None:
    """The original rows, each followed by its row number and the reason; UTF-8 with BOM so Excel reads it.

    The rows are read again from the source file, which the import did not keep in memory.
    """
    headers = info.headers
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*headers, "row", "error"])
        if not reasons:
            return
        for row in iter_rows(info, abort=abort):
            reason = reasons.get(row.number)
            if reason is not None:
                cells = list(row.values) + [""] * (len(headers) - len(row.values))
                writer.writerow([*cells[: len(headers)], row.number, reason])
