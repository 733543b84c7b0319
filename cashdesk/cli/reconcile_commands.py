"""`cashdesk reconcile`: match a payroll against the provider's result file, decide the exceptions, write the
report, and close the payroll as reconciled (a second supervisor).

    cashdesk reconcile CODE FILE [--profile NAME] [--map "Col=field"] [--save-profile NAME] [--report OUT]
    cashdesk reconcile CODE --list [--category C] [--open]
    cashdesk reconcile CODE --decide accept|mark-unpaid|flag (--txn T ... | --category C) [--note TEXT]
    cashdesk reconcile CODE --history TXN
    cashdesk reconcile CODE --report OUT.pdf|OUT.xlsx
    cashdesk reconcile CODE --close
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cashdesk.cli.session import logged_in
from cashdesk.cli.terminal import CommandError, ProgressBar, cancellable, column_mapping
from cashdesk.core.i18n import _
from cashdesk.desk import Desk
from cashdesk.payroll.money import format_amount
from cashdesk.payroll.reconciliation import (
    CATEGORY_LABELS,
    Category,
    OutcomeRow,
    ReconciliationState,
    close,
    decide,
    history,
    import_result_file,
    outcomes,
    state,
)
from cashdesk.payroll.reconciliation_report import write_report

if TYPE_CHECKING:  # subscriptable for the type checker only
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

CATEGORIES = tuple(c.value.replace("_", "-") for c in Category)


def add_parsers(commands: Commands) -> None:
    rec = commands.add_parser(
        "reconcile", help=_("match a payroll against the provider's result file, decide, close (supervisor)")
    )
    rec.add_argument("code", help=_("the payroll's code"))
    rec.add_argument("file", nargs="?", type=Path, help=_("the provider's result file (CSV or XLSX)"))
    rec.add_argument(
        "--profile", help=_("cashdesk, generic, mobile-money or a saved profile (default: by the columns)")
    )
    rec.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help=_("use COLUMN for FIELD (repeatable); FIELD empty to ignore COLUMN"),
    )
    rec.add_argument("--save-profile", metavar="NAME", help=_("save the mapping used under this name"))
    rec.add_argument(
        "--report", type=Path, metavar="OUT.pdf|OUT.xlsx", help=_("write the reconciliation report")
    )
    rec.add_argument("--list", action="store_true", help=_("list the exceptions"))
    rec.add_argument(
        "--open", action="store_true", help=_("with --list: only lines still needing a decision")
    )
    rec.add_argument("--category", choices=CATEGORIES, help=_("with --list or --decide: only this category"))
    rec.add_argument("--decide", choices=("accept", "mark-unpaid", "flag"), help=_("decide the chosen lines"))
    rec.add_argument(
        "--txn", action="append", default=[], metavar="TXN", help=_("a line to decide (repeatable)")
    )
    rec.add_argument("--note", default="", help=_("why (needed with flag)"))
    rec.add_argument("--close", action="store_true", help=_("close the payroll as reconciled"))
    rec.add_argument("--history", metavar="TXN", help=_("every answer the provider gave for one payment"))
    rec.set_defaults(run=run_reconcile)  # fmt: skip


def _category(args: argparse.Namespace) -> str | None:
    return args.category.replace("-", "_") if args.category else None


def run_reconcile(args: argparse.Namespace) -> int:
    actions = sum(bool(a) for a in (args.file, args.decide, args.close, args.list, args.history))
    if actions > 1:
        raise CommandError(
            _("Do one thing at a time: import a FILE, --list, --history, --decide or --close.")
        )
    if actions == 0 and not args.report:
        raise CommandError(_("Give the provider's result FILE, or --list, --decide, --report or --close."))
    with logged_in(args) as desk:
        if args.file:
            _import(desk, args)
        elif args.decide:
            n = desk.run(
                decide, payroll_code=args.code, transaction_numbers=args.txn, category=_category(args),
                decision=args.decide, note=args.note,
            )  # fmt: skip
            print(_("{n:,} line(s) decided: {decision}.").format(n=n, decision=args.decide))
        elif args.close:
            desk.run(close, payroll_code=args.code)
            print(_("Payroll {code} is closed as reconciled.").format(code=args.code))
        elif args.history:
            _print_history(desk.run(history, transaction_number=args.history.strip().upper()), args.history)
        elif args.list:
            rows = desk.run(outcomes, payroll_code=args.code, category=_category(args), open_only=args.open,
                            exceptions_only=not args.category, limit=None)  # fmt: skip
            _print_list(rows, desk.run(state, payroll_code=args.code).minor_units)
        now = desk.run(state, payroll_code=args.code)
        if args.report:
            desk.run(write_report, payroll_code=args.code, out=args.report)
        _print_state(now)
        if args.report:
            print(_("Report written to {path}").format(path=args.report))
    return 0


def _import(desk: Desk, args: argparse.Namespace) -> None:
    bar = ProgressBar()
    with cancellable() as abort:
        result = desk.run(
            import_result_file, payroll_code=args.code, path=args.file, profile=args.profile,
            mapping=column_mapping(args.map), save_profile_as=args.save_profile, progress=bar, abort=abort,
        )  # fmt: skip
    bar.finish()
    for warning in result.warnings:
        print(_("Warning: {w}").format(w=warning))
    if not result.already_imported:
        print(
            _("{file}: {n:,} rows read with profile {profile}; {replaced:,} earlier answers replaced.").format(
                file=result.file_name, n=result.rows, profile=result.profile, replaced=result.replaced)
        )  # fmt: skip


def _print_history(answers: list[tuple[str, datetime, int, str, bool]], txn: str) -> None:
    if not answers:
        print(_("The provider has not answered for {txn} yet.").format(txn=txn))
    for file_name, at, row, status, current in answers:
        print(_("{file} (imported {at}), row {row}: {status}{current}").format(
            file=file_name, at=at.astimezone().strftime("%Y-%m-%d %H:%M"), row=row, status=status,
            current=_(" (the answer in force)") if current else _(" (replaced)")))  # fmt: skip


def _print_state(now: ReconciliationState) -> None:
    print(_("Payroll {code} ({status}):").format(code=now.payroll_code, status=now.status.replace("_", " ")))
    for category in Category:
        count = now.counts.get(category.value, 0)
        print(f"  {category.value.replace('_', '-'):<22} {count:>8,}  {CATEGORY_LABELS[category]}")
    if now.status == "reconciled":
        print(_("Closed by {who} on {when}.").format(
            who=now.reconciled_by, when=now.reconciled_at.astimezone().strftime("%Y-%m-%d %H:%M") if now.reconciled_at else ""))  # fmt: skip
    elif now.open:
        print(
            _("{n:,} line(s) still need a decision ({flagged:,} flagged).").format(
                n=now.open, flagged=now.flagged
            )
        )
    elif now.batches:
        print(_("Every line has an outcome: another supervisor may close it (--close)."))


def _print_list(rows: list[OutcomeRow], units: int) -> None:
    print(_("{n:,} line(s)").format(n=len(rows)))
    for row in rows:
        due = "" if row.due_minor is None else format_amount(row.due_minor, minor_units=units)
        given = (
            ""
            if row.provider_amount_minor is None
            else format_amount(row.provider_amount_minor, minor_units=units)
        )
        decision = (
            row.decision.replace("_", " ") if row.decision else (_("to decide") if not row.resolved else "")
        )
        print(f"{row.transaction_number:<16} {row.category:<22} {row.household_code:<12} {due:>12} {given:>12} "
              f"{row.provider_reason[:30]:<30} {decision}")  # fmt: skip
