"""`cashdesk export bundle`, `cashdesk import bundle` and `cashdesk central import-bundle`: the offline
transfer file (a USB stick from a place with no network), and `cashdesk import fhir`."""

from __future__ import annotations

import argparse
from pathlib import Path

from cashdesk.cli.session import logged_in
from cashdesk.cli.terminal import ProgressBar, cancellable, read_password
from cashdesk.core.i18n import _

PASSPHRASE = "CASHDESK_BUNDLE_PASSPHRASE"  # noqa: S105 (the name of the variable, not a secret)


def add_export(export_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bundle = export_sub.add_parser(
        "bundle", help=_("everything on this device, unsynced changes included, as one encrypted file")
    )
    bundle.add_argument("--out", type=Path, required=True, metavar="FILE")
    bundle.set_defaults(run=run_export_bundle)


def add_import(import_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bundle = import_sub.add_parser("bundle", help=_("a transfer file written by cashdesk export bundle"))
    bundle.add_argument("file", type=Path)
    bundle.set_defaults(run=run_import_bundle)
    fhir = import_sub.add_parser(
        "fhir", help=_("Patients and Groups from another registry's FHIR Bundle, checked like a spreadsheet")
    )
    fhir.add_argument("file", type=Path)
    fhir.add_argument("--dry-run", action="store_true", help=_("check every entry, write nothing"))
    fhir.add_argument("--create-locations", action="store_true", help=_("create unknown villages"))
    fhir.set_defaults(run=run_import_fhir)


def add_central_import(
    central_sub: argparse._SubParsersAction[argparse.ArgumentParser], db_option: object
) -> None:
    bundle = central_sub.add_parser("import-bundle", help=_("apply a device's transfer file on the server"))
    db_option(bundle)  # type: ignore[operator]
    bundle.add_argument("file", type=Path)
    bundle.add_argument(
        "--as", dest="server_user", required=True, metavar="NAME", help=_("the server user it acts as")
    )
    bundle.add_argument("--device", required=True, metavar="CODE", help=_("the device that wrote it"))
    bundle.set_defaults(run=run_central_import)


def _passphrase(*, confirm: bool) -> str:
    return read_password(PASSPHRASE, _("Passphrase for the transfer file: "), confirm=confirm)


def run_export_bundle(args: argparse.Namespace) -> int:
    from cashdesk.sync.transfer import export_bundle

    passphrase = _passphrase(confirm=True)
    with logged_in(args) as desk:
        bar = ProgressBar()
        with cancellable() as abort:
            try:
                report = export_bundle(desk, out=args.out, passphrase=passphrase, progress=bar, abort=abort)
            finally:
                bar.finish()
    print(_("{n} records written to {path} (encrypted; bundle {id}).").format(
        n=report.records, path=report.path, id=report.bundle_id))  # fmt: skip
    return 0


def run_import_bundle(args: argparse.Namespace) -> int:
    from cashdesk.sync.transfer import import_bundle

    passphrase = _passphrase(confirm=False)
    with logged_in(args) as desk:
        bar = ProgressBar()
        with cancellable() as abort:
            try:
                report = import_bundle(desk, path=args.file, passphrase=passphrase, progress=bar, abort=abort)
            finally:
                bar.finish()
    print(_("Added {added}, updated {updated}, unchanged {unchanged}, conflicts {conflicts}.").format(
        added=report.added, updated=report.updated, unchanged=report.unchanged, conflicts=report.conflicts))  # fmt: skip
    if report.conflicts:
        print(_("Resolve the conflicts in the Conflicts screen, then sync."))
    return 0


def run_central_import(args: argparse.Namespace) -> int:
    from cashdesk.central.imports import import_transfer
    from cashdesk.cli.central_commands import engine_for

    passphrase = _passphrase(confirm=False)
    with engine_for(args).begin() as conn:
        answer = import_transfer(conn, path=args.file, passphrase=passphrase, username=args.server_user,
                                 device=args.device)  # fmt: skip
    print(_("{n} records applied on the server.").format(n=len(answer.get("entry") or [])))
    return 0


def run_import_fhir(args: argparse.Namespace) -> int:
    from cashdesk.cli.import_report import print_report
    from cashdesk.sync.fhir_import import import_fhir

    with logged_in(args) as desk:
        bar = ProgressBar()
        with cancellable() as abort:
            try:
                found = desk.run(import_fhir, args.file, dry_run=args.dry_run, create_locations=args.create_locations,
                                 progress=bar, abort=abort)  # fmt: skip
            finally:
                bar.finish()
    for skipped in found.skipped:
        print(_("note: {what} is not a Patient or a Group: skipped").format(what=skipped))
    print_report(found.report, dry_run=args.dry_run, errors_path=None, where=found.where)
    return 1 if found.report.rows_rejected else 0
