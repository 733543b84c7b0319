"""What `cashdesk import households` checks before it starts and prints when it ends."""

from __future__ import annotations

import os
from pathlib import Path

from cashdesk.cli.terminal import CommandError, check_writable
from cashdesk.core.i18n import _
from cashdesk.core.tabular import check_table_path
from cashdesk.registry.importing.errors_file import column_name
from cashdesk.registry.importing.run import ImportReport

SHOWN_PROBLEMS = 20  # the rest are in the errors file


def check_errors_path(source: Path, errors: Path | None) -> None:
    """Refuse an errors file that would overwrite the input or cannot be written, before a long import."""
    if errors is None:
        return
    check_table_path(errors, field="errors")
    if errors.exists() and source.exists() and os.path.samefile(errors, source):
        raise CommandError(
            _(
                "--errors {path} is the file being imported: give another name, or it would be overwritten."
            ).format(path=errors)
        )
    check_writable(errors)


def print_report(
    report: ImportReport, *, dry_run: bool, errors_path: Path | None, where: dict[int, str] | None = None
) -> None:
    """`where` names each row's origin when the table was made from another file (a FHIR bundle)."""
    for warning in report.table_warnings:
        print(_("note: {w}").format(w=warning))
    print(_("{file}: {rows:,} rows read").format(file=report.file_name, rows=report.rows))
    if dry_run:
        print(_("  dry run: nothing was written (nor the mapping saved). A real import would do this:"))
    print(
        _("  households created: {h:,} ({m:,} members)").format(
            h=report.households_created, m=report.members_created
        )
    )
    print(
        _("  households updated: {h:,} ({m:,} members changed, {a:,} added)").format(
            h=report.households_updated, m=report.members_updated, a=report.members_added
        )
    )
    if report.households_unchanged:
        print(_("  already up to date (not changed): {h:,} households").format(h=report.households_unchanged))
    print(
        _("  rejected: {h:,} households, {r:,} rows").format(
            h=report.households_rejected, r=report.rows_rejected
        )
    )
    if report.rows_already_present:
        print(
            _("  already registered (reported, not changed): {r:,} rows").format(
                r=report.rows_already_present
            )
        )
    if dry_run:
        print(_("  duplicate candidates: checked by the real import only"))
    else:
        print(_("  duplicate candidates raised: {n:,}").format(n=report.duplicate_candidates))
    if report.locations_created:
        print(_("  villages created: {n:,}").format(n=report.locations_created))
    _print_problems(report, where or {})
    if errors_path and report.rows_rejected:
        print(_("Rejected rows were written to {path}").format(path=errors_path))
    elif errors_path and report.rows_already_present:
        print(_("The rows already registered were written to {path}").format(path=errors_path))


def _print_problems(report: ImportReport, where: dict[int, str]) -> None:
    """The first errors, then the first warnings (a date read as DD/MM/YYYY, ...), each by row and column."""
    for errors in (True, False):
        problems = sorted((p for p in report.problems if p.is_error == errors), key=lambda p: p.row or 0)
        for problem in problems[:SHOWN_PROBLEMS]:
            line = _("  {row}, {field}: {message}") if errors else _("  {row}, {field} (warning): {message}")
            row = where.get(problem.row or 0) or _("row {row}").format(row=problem.row)
            print(line.format(row=row, field=column_name(problem.field), message=problem.message))
        if len(problems) > SHOWN_PROBLEMS:
            more = len(problems) - SHOWN_PROBLEMS
            print(
                _("  ... and {n:,} more errors (see the errors file)").format(n=more)
                if errors
                else _("  ... and {n:,} more warnings").format(n=more)
            )
