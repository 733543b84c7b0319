"""`cashdesk init`, `cashdesk demo`, `cashdesk recover`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cashdesk.cli.session import data_dir, logged_in
from cashdesk.cli.terminal import ProgressBar, cancellable, read_password
from cashdesk.core.i18n import _
from cashdesk.demo.district import load_demo_district
from cashdesk.scheme.create import create_scheme, recover_access


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser("init", help=_("create the scheme database and its first administrator"))
    init.add_argument("--scheme", required=True, help=_("the scheme's name"))
    init.add_argument("--country", required=True, help=_("ISO 3166 country code (any country), e.g. MW"))
    init.add_argument("--currency", required=True, help=_("ISO 4217 currency code, e.g. MWK"))
    init.add_argument("--admin", required=True, help=_("the first administrator's user name"))
    init.add_argument("--admin-name", default="", help=_("the administrator's full name"))
    init.set_defaults(run=run_init)

    join = commands.add_parser(
        "join",
        help=_("set up this laptop from the scheme's central server (server password from "
               "CASHDESK_SERVER_PASSWORD, this laptop's from CASHDESK_PASSWORD, or asked)"),
    )  # fmt: skip
    join.add_argument("url", help=_("the server's address, e.g. https://sync.example.org"))
    join.add_argument(
        "--as", dest="server_user", required=True, metavar="NAME", help=_("your user on the server")
    )
    join.add_argument(
        "--device",
        required=True,
        metavar="CODE",
        help=_("the device code the server's administrator gave you"),
    )
    join.set_defaults(run=run_join)

    demo = commands.add_parser("demo", help=_("fill a new database with a realistic demo district"))
    demo.add_argument("--households", type=int, default=2000, help=_("how many households (default 2,000)"))
    demo.add_argument(
        "--seed", type=int, default=None, help=_("random seed, for the same district every time")
    )
    demo.set_defaults(run=run_demo)

    fields = commands.add_parser("fields", help=_("show or set the scheme's custom household/member fields"))
    fields.add_argument(
        "--set",
        type=Path,
        metavar="FILE.json",
        help=_('{"household": <JSON Schema>, "member": <JSON Schema>}'),
    )
    fields.set_defaults(run=run_fields)

    recover = commands.add_parser("recover", help=_("set an administrator's password with the recovery key"))
    recover.add_argument("--admin", required=True, help=_("the administrator's user name"))
    recover.set_defaults(run=run_recover)


def run_init(args: argparse.Namespace) -> int:
    password = read_password(
        "CASHDESK_PASSWORD", _("Password for {user}: ").format(user=args.admin), confirm=True
    )
    created = create_scheme(
        data_dir(args),
        name=args.scheme,
        country=args.country,
        currency=args.currency,
        admin_username=args.admin,
        admin_password=password,
        admin_full_name=args.admin_name,
    )
    print(_("Created {path}").format(path=created.database))
    print(_("Recovery key (write it down and keep it in a safe place; it opens the database):"))
    print(f"  {created.recovery_key}")
    return 0


def run_join(args: argparse.Namespace) -> int:
    from cashdesk.sync.join import join_scheme

    server_password = read_password(
        "CASHDESK_SERVER_PASSWORD", _("Password for {user} on the server: ").format(user=args.server_user)
    )
    password = read_password(
        "CASHDESK_PASSWORD",
        _("A password for {user} on this laptop: ").format(user=args.server_user),
        confirm=True,
    )
    bar = ProgressBar()
    with cancellable() as abort:
        try:
            joined = join_scheme(
                data_dir(args),
                url=args.url,
                username=args.server_user,
                server_password=server_password,
                device=args.device,
                password=password,
                progress=bar,
                abort=abort,
            )
        finally:
            bar.finish()
    places = ", ".join(joined.places) or _("the whole scheme")
    print(
        _("Joined {scheme} as {user} ({role}, {places}): {n:,} records received into {path}").format(
            scheme=joined.scheme_name, user=joined.username, role=joined.role.value.replace("_", " "),
            places=places, n=joined.report.pulled, path=joined.database)
    )  # fmt: skip
    print(_("Log in with: cashdesk --user {user}").format(user=joined.username))
    print(_("Recovery key (write it down and keep it in a safe place; it opens the database):"))
    print(f"  {joined.recovery_key}")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        bar = ProgressBar()
        with cancellable() as abort:
            summary = desk.run(
                load_demo_district, households=args.households, seed=args.seed, progress=bar, abort=abort
            )
        bar.finish()
    print(
        _("Demo district loaded: {v} villages, {p} pay points, {h:,} households, {m:,} members.").format(
            v=summary.villages, p=summary.pay_points, h=summary.households, m=summary.members
        )
    )
    if summary.payrolls:
        print(
            _(
                "Child grant (plan CG): {n:,} households enrolled, {p} payrolls for this month; {code} is "
                "approved, the others wait for approval."
            ).format(n=summary.enrolled, p=len(summary.payrolls), code=summary.approved_payroll)
        )
    return 0


def run_recover(args: argparse.Namespace) -> int:
    key = read_password("CASHDESK_RECOVERY_KEY", _("Recovery key: "))
    password = read_password(
        "CASHDESK_NEW_PASSWORD", _("New password for {user}: ").format(user=args.admin), confirm=True
    )
    recover_access(data_dir(args), recovery_key=key, username=args.admin, new_password=password)
    print(_("{user} can log in with the new password.").format(user=args.admin), file=sys.stdout)
    return 0


def run_fields(args: argparse.Namespace) -> int:
    from cashdesk.core.errors import ValidationError
    from cashdesk.scheme.settings import scheme_info, set_custom_fields

    with logged_in(args) as desk:
        if args.set:
            try:
                schema = json.loads(args.set.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ValidationError(
                    _("{file} is not readable JSON: {error}").format(file=args.set, error=exc)
                ) from exc
            info = desk.run(set_custom_fields, schema=schema)
        else:
            info = desk.run(scheme_info)
    print(json.dumps(info.custom_fields_schema, indent=2, ensure_ascii=False))
    return 0
