"""`cashdesk server login|status|lift-freeze` and `cashdesk sync`: this device and the central server."""

from __future__ import annotations

import argparse

from cashdesk.cli.session import logged_in
from cashdesk.cli.terminal import CommandError, ProgressBar, cancellable, read_password
from cashdesk.core.i18n import _
from cashdesk.security.permissions import Permission


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    server = commands.add_parser("server", help=_("this device's central server"))
    sub = server.add_subparsers(dest="server_command", required=True, metavar="ACTION")
    login = sub.add_parser(
        "login", help=_("log in to the server (password from CASHDESK_SERVER_PASSWORD or asked)")
    )
    login.add_argument("url", help=_("the server's address, e.g. https://sync.example.org"))
    login.add_argument(
        "--as", dest="server_user", required=True, metavar="NAME", help=_("your user on the server")
    )
    login.set_defaults(run=run_login)
    status = sub.add_parser("status", help=_("what waits to be sent, what was refused, the last sync"))
    status.set_defaults(run=run_status)
    lift = sub.add_parser(
        "lift-freeze", help=_("let this device record payments for 24 hours without syncing")
    )
    lift.add_argument("--reason", required=True)
    lift.set_defaults(run=run_lift)

    sync = commands.add_parser("sync", help=_("exchange changes with the central server now"))
    sync.add_argument("--server", metavar="URL", help=_("the server to use (must be the one logged in to)"))
    sync.set_defaults(run=run_sync)


def run_login(args: argparse.Namespace) -> int:
    from cashdesk.sync.login import log_in_to_server

    password = read_password(
        "CASHDESK_SERVER_PASSWORD", _("Password for {user} on the server: ").format(user=args.server_user)
    )
    with logged_in(args) as desk:
        done = log_in_to_server(desk, url=args.url, username=args.server_user, password=password)
    where = _("the system keyring") if done.in_keyring else _("the encrypted database")
    print(
        _("Logged in to {url} as {user} from device {device}; the login lasts until {until} (kept in {where}).").format(
            url=done.url, user=done.username, device=done.device,
            until=done.expires_at.astimezone().strftime("%Y-%m-%d %H:%M"), where=where)
    )  # fmt: skip
    return 0


def run_sync(args: argparse.Namespace) -> int:
    from cashdesk.sync.run import moved_away_text, server_connection, sync_now

    with logged_in(args) as desk:
        desk.actor.require(Permission.SYNC)
        if args.server:
            _connection, config = server_connection(desk)
            if config.url != args.server.rstrip("/"):
                raise CommandError(
                    _("This device syncs with {url}; log in to {other} first: cashdesk server login {other} --as NAME").format(
                        url=config.url, other=args.server)
                )  # fmt: skip
        bar = ProgressBar()
        with cancellable() as abort:
            try:
                report = sync_now(desk, progress=bar, abort=abort)
            finally:
                bar.finish()
    print(_("Pushed {pushed}, pulled {pulled}, merged {merged}, conflicts {conflicts}.").format(
        pushed=report.pushed, pulled=report.pulled, merged=report.merged, conflicts=report.conflicts))  # fmt: skip
    if report.withdrawn:
        print(moved_away_text(report.withdrawn))
    for refused in report.refused:
        print(_("Refused by the server: {what}").format(what=refused))
    if report.conflicts:
        print(_("Resolve the conflicts in the Conflicts screen (or: cashdesk conflicts)."))
    if report.clock_off is not None:
        hours = report.clock_off.total_seconds() / 3600
        print(
            _("Warning: this laptop's clock is {h:+.1f} hours off the server's: set the right time.").format(
                h=hours
            )
        )
    return 2 if report.refused else 0


def run_status(args: argparse.Namespace) -> int:
    from cashdesk.sync.status import outbox, sync_status

    with logged_in(args) as desk:
        status = desk.run(sync_status)
        rows, refusals, pending = desk.run(outbox)
    print(status.text)
    if status.freeze.level:
        print(_("Freeze: {level}: {reason}").format(level=status.freeze.level, reason=status.freeze.reason))
    for row in rows:
        note = "" if row.sent_by_this_version else _(" (not sent by this version of CashDesk)")
        held = _(", {n} held back").format(n=row.held) if row.held else ""
        print(f"  {row.kind}: {row.waiting:,}{held}{note}")
    for refusal in refusals:
        print(
            _("  refused: {kind} {id}: {reason}").format(
                kind=refusal.kind, id=refusal.record_id, reason=refusal.reason
            )
        )
    for bundle_id, attempts, error in pending:
        print(
            _("  sent, no answer yet: {id} ({n} tries) {error}").format(id=bundle_id, n=attempts, error=error)
        )
    return 0


def run_lift(args: argparse.Namespace) -> int:
    from cashdesk.payroll.sync_freeze import lift_freeze

    with logged_in(args) as desk:
        until = desk.run(lift_freeze, reason=args.reason)
    print(_("Payments may be recorded without syncing until {until}.").format(
        until=until.astimezone().strftime("%Y-%m-%d %H:%M")))  # fmt: skip
    return 0
