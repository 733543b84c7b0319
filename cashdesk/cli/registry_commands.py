"""`cashdesk import households|locations`, `cashdesk export households`, `cashdesk dedup`."""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from pathlib import Path

from cashdesk.cli import transfer_commands
from cashdesk.cli.import_report import check_errors_path, print_report
from cashdesk.cli.session import logged_in
from cashdesk.cli.terminal import ProgressBar, cancellable, column_mapping
from cashdesk.core.i18n import _
from cashdesk.core.tabular import TableWriter, check_table_path
from cashdesk.registry.importing.run import REPORT, UPDATE, ImportOptions, import_households
from cashdesk.registry.locations import import_locations


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imports = commands.add_parser("import", help=_("import households or locations from CSV/XLSX"))
    sub = imports.add_subparsers(dest="import_command", required=True, metavar="WHAT")
    hh = sub.add_parser("households", help=_("one row per member; see the README for the columns"))
    hh.add_argument("file", type=Path)
    hh.add_argument("--dry-run", action="store_true", help=_("check every row, write nothing"))
    hh.add_argument(
        "--errors", type=Path, metavar="OUT.csv", help=_("write the rejected rows with the reason")
    )
    hh.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="SRC=FIELD",
        help=_("use column SRC for FIELD (repeatable); FIELD empty to ignore SRC"),
    )
    hh.add_argument("--profile", help=_("start from a saved column mapping"))
    hh.add_argument("--save-profile", metavar="NAME", help=_("save the mapping used under this name"))
    hh.add_argument(
        "--existing",
        choices=[UPDATE, REPORT],
        default=UPDATE,
        help=_("rows whose member_ref is already registered: update them (default) or report them"),
    )
    hh.add_argument(
        "--create-locations",
        action="store_true",
        help=_("create unknown villages (in the scheme's only district)"),
    )
    hh.add_argument(
        "--sheet",
        help=_("the XLSX sheet to read (default: the first whose header names the required columns)"),
    )
    hh.set_defaults(run=run_import_households)
    loc = sub.add_parser("locations", help=_("columns code, name, level, parent_code"))
    loc.add_argument("file", type=Path)
    loc.set_defaults(run=run_import_locations)
    transfer_commands.add_import(sub)

    export = commands.add_parser("export", help=_("export the registry"))
    export_sub = export.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    ex = export_sub.add_parser("households", help=_("in the import format (CSV or XLSX)"))
    ex.add_argument("--out", type=Path, required=True, metavar="FILE.csv|.xlsx")
    ex.set_defaults(run=run_export)
    transfer_commands.add_export(export_sub)

    from cashdesk.cli.terminal import percentage

    dedup = commands.add_parser("dedup", help=_("scan the whole registry for people registered twice"))
    dedup.add_argument("--output", type=Path, metavar="PAIRS.csv", help=_("also write the pairs found"))
    dedup.add_argument("--min-score", type=percentage, default=75.0, help=_("0-100 (default 75)"))
    dedup.set_defaults(run=run_dedup)


def run_import_households(args: argparse.Namespace) -> int:
    options = ImportOptions(
        mapping=column_mapping(args.map),
        profile=args.profile,
        save_profile=args.save_profile,
        on_existing=args.existing,
        create_locations=args.create_locations,
        sheet=args.sheet,
    )
    check_errors_path(args.file, args.errors)
    with logged_in(args) as desk:
        bar = ProgressBar()
        with cancellable() as abort:
            report = desk.run(
                import_households,
                args.file,
                options=options,
                dry_run=args.dry_run,
                errors_path=args.errors,
                progress=bar,
                abort=abort,
            )
        bar.finish()
    print_report(report, dry_run=args.dry_run, errors_path=args.errors)
    if abort.is_set() and not args.dry_run:
        print(_("Ctrl+C came after the import had finished: it was saved."), file=sys.stderr)
    return 1 if report.rows_rejected else 0


def run_import_locations(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        result = desk.run(import_locations, args.file)
    print(_("{n} locations created, {p} already present.").format(n=result.created, p=result.already_present))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from cashdesk.registry.export import export_households

    with logged_in(args) as desk:
        bar = ProgressBar()
        with cancellable() as abort:
            count = desk.run(export_households, args.out, progress=bar, abort=abort)
        bar.finish()
    print(_("{n:,} people written to {path}").format(n=count, path=args.out))
    return 0


def run_dedup(args: argparse.Namespace) -> int:
    from cashdesk.cli.terminal import check_writable
    from cashdesk.registry.review import scan_registry

    if args.output:
        check_table_path(args.output, field="output")
        check_writable(args.output)  # now, rather than after a scan that can take minutes
    with logged_in(args) as desk:
        bar = ProgressBar()
        with cancellable() as abort:
            result = desk.run(scan_registry, min_score=args.min_score, progress=bar, abort=abort)
        bar.finish()
    print(
        _("{people:,} people compared; {pairs:,} likely duplicate pairs, {new:,} new for review.").format(
            people=result.people, pairs=len(result.pairs), new=result.new_candidates
        )
    )
    if args.output:
        with TableWriter(
            args.output,
            ["left_member_ref", "right_member_ref", "left_id", "right_id", "score", "reasons"],
            sheet="pairs",
            field="output",
        ) as table:
            for pair in result.pairs:
                table.write(
                    [
                        pair.left_ref,
                        pair.right_ref,
                        str(pair.left_id),
                        str(pair.right_id),
                        Decimal(f"{pair.score:.1f}"),
                        "; ".join(pair.reasons),
                    ]
                )
        print(_("Pairs written to {path}").format(path=args.output))
    return 0
