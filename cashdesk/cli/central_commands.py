"""`cashdesk central serve|user|device`: run the central FHIR server and manage who may use it.

These act on the server's own database (--db), which only its operator holds; they need no desktop
login. The first administrator is added with `central user add NAME --role administrator`.
"""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING

from cashdesk.cli.session import data_dir
from cashdesk.cli.terminal import CommandError, read_password
from cashdesk.core.i18n import _

if TYPE_CHECKING:
    from sqlalchemy import Engine


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("central", help=_("the central sync server (FHIR R4)"))
    sub = parser.add_subparsers(dest="central_command", required=True, metavar="ACTION")

    serve = sub.add_parser("serve", help=_("run the server (stop it with Ctrl+C)"))
    _db_option(serve)
    serve.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default 127.0.0.1)"))
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(run=run_serve)

    user = sub.add_parser("user", help=_("the server's users")).add_subparsers(
        dest="user_command", required=True, metavar="ACTION"
    )
    add = user.add_parser("add", help=_("add a user (password from CASHDESK_CENTRAL_PASSWORD or asked)"))
    _db_option(add)
    add.add_argument("username")
    add.add_argument("--role", required=True, help=_("administrator, supervisor, enrolment_officer, "
                                                     "pay_point_clerk or reader"))  # fmt: skip
    add.add_argument("--location", action="append", default=[], metavar="PATH",
                     help=_("a location path the user works in, e.g. MW.S.CK (repeat for several)"))  # fmt: skip
    add.add_argument("--full-name", default="")
    add.set_defaults(run=run_user_add)

    device = sub.add_parser("device", help=_("the laptops that may sync")).add_subparsers(
        dest="device_command", required=True, metavar="ACTION"
    )
    register = device.add_parser(
        "add", help=_("register a device by its code, or draw a code for a laptop that will join the scheme")
    )
    _db_option(register)
    register.add_argument("code", nargs="?", help=_("the laptop's device code (none: a new one is drawn)"))
    register.add_argument("--name", default="")
    register.set_defaults(run=run_device_add)
    retire = device.add_parser("retire", help=_("a lost or stolen device: refuse it from now on"))
    _db_option(retire)
    retire.add_argument("code")
    retire.set_defaults(run=run_device_retire)

    from cashdesk.cli.transfer_commands import add_central_import

    add_central_import(sub, _db_option)


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help=_(
            "sqlite:///FILE or postgresql://user:password@host/name (default: central.sqlite in the data folder)"
        ),
    )


def _database_url(args: argparse.Namespace) -> str:
    if args.db:
        if not args.db.startswith(("sqlite:///", "postgresql://", "postgresql+psycopg://")):
            raise CommandError(
                _("--db takes sqlite:///FILE or postgresql://..., not {url}").format(url=args.db)
            )
        return str(args.db)
    folder: Path = data_dir(args)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'central.sqlite'}"


def engine_for(args: argparse.Namespace) -> Engine:
    from sqlalchemy.exc import OperationalError

    from cashdesk.central.app import open_database

    try:
        return open_database(_database_url(args))
    except OperationalError as exc:
        raise CommandError(_("Cannot open the server's database: {reason}").format(reason=exc.orig)) from None


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from cashdesk.central.app import create_app

    app = create_app(engine_for(args))
    print(_("CashDesk central server on http://{host}:{port}/ (Ctrl+C stops it)").format(
        host=args.host, port=args.port), flush=True)  # fmt: skip
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


def run_user_add(args: argparse.Namespace) -> int:
    from cashdesk.central import accounts

    password = read_password(
        "CASHDESK_CENTRAL_PASSWORD", _("Password for {user}: ").format(user=args.username), confirm=True
    )
    with engine_for(args).begin() as conn:
        accounts.add_user(
            conn, username=args.username, password=password, role=args.role, locations=args.location,
            full_name=args.full_name,
        )  # fmt: skip
    where = ", ".join(args.location) or _("every location")
    print(
        _("User {name} added: {role}, {where}.").format(
            name=args.username.lower(), role=args.role, where=where
        )
    )
    return 0


def run_device_add(args: argparse.Namespace) -> int:
    from cashdesk.central import accounts

    with engine_for(args).begin() as conn:
        code = accounts.add_device(conn, code=args.code, name=args.name, registered_by=_operator())
    print(_("Device {code} registered.").format(code=code))
    return 0


def run_device_retire(args: argparse.Namespace) -> int:
    from cashdesk.central import accounts

    with engine_for(args).begin() as conn:
        accounts.retire_device(conn, args.code)
    print(_("Device {code} retired: its logins stopped working.").format(code=args.code.upper()))
    return 0


def _operator() -> str:
    try:
        return getpass.getuser()
    except OSError:
        return os.environ.get("USER", "operator")
