"""`cashdesk user add|list|reset-password|deactivate|activate|passwd`."""

from __future__ import annotations

import argparse

from cashdesk.cli.session import logged_in
from cashdesk.cli.terminal import read_password
from cashdesk.core.i18n import _
from cashdesk.models.security import Role
from cashdesk.security import users
from cashdesk.security.permissions import role_label

ROLE_NAMES = [r.value for r in Role]


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = commands.add_parser("user", help=_("manage user accounts"))
    sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")

    add = sub.add_parser(
        "add", help=_("create a user (first password from CASHDESK_NEW_PASSWORD or a prompt)")
    )
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLE_NAMES)
    add.add_argument("--full-name", default="", help=_("defaults to the user name"))
    add.add_argument(
        "--location",
        action="append",
        default=[],
        metavar="CODE",
        help=_("a location the user works in (repeatable)"),
    )
    add.set_defaults(run=run_add)

    listing = sub.add_parser("list", help=_("list users"))
    listing.set_defaults(run=run_list)

    reset = sub.add_parser("reset-password", help=_("give a user a temporary password"))
    reset.add_argument("name")
    reset.set_defaults(run=run_reset)

    deactivate = sub.add_parser("deactivate", help=_("stop a user from logging in"))
    deactivate.add_argument("name")
    deactivate.set_defaults(run=run_deactivate)

    activate = sub.add_parser("activate", help=_("let a deactivated user log in again, with a new password"))
    activate.add_argument("name")
    activate.set_defaults(run=run_activate)

    passwd = sub.add_parser("passwd", help=_("change your own password"))
    passwd.set_defaults(run=run_passwd)


def _new_password(name: str) -> str:
    return read_password(
        "CASHDESK_NEW_PASSWORD", _("New password for {user}: ").format(user=name), confirm=True
    )


def run_add(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        password = _new_password(args.name)
        info = desk.run(
            users.create_user,
            desk.vault,
            username=args.name,
            full_name=args.full_name or args.name,
            role=Role(args.role),
            password=password,
            location_codes=args.location,
        )
    print(
        _("Created {user} ({role}); they must change the password at first login.").format(
            user=info.username, role=role_label(info.role)
        )
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        rows = desk.run(users.list_users)
    print(f"{'USER':<20} {'ROLE':<18} {'ACTIVE':<7} {'LOCATIONS':<20} FULL NAME")
    for u in rows:
        active = _("yes") if u.active else _("no")
        print(
            f"{u.username:<20} {u.role.value:<18} {active:<7} {','.join(u.location_codes) or '-':<20} {u.full_name}"
        )
    return 0


def run_reset(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        desk.run(users.reset_password, desk.vault, username=args.name, new_password=_new_password(args.name))
    print(_("{user} has a temporary password and must change it at next login.").format(user=args.name))
    return 0


def run_deactivate(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        desk.run(users.set_active, desk.vault, username=args.name, active=False)
    print(_("{user} is deactivated.").format(user=args.name))
    return 0


def run_activate(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        desk.run(
            users.set_active,
            desk.vault,
            username=args.name,
            active=True,
            new_password=_new_password(args.name),
        )
    print(_("{user} is active again and must change the password at next login.").format(user=args.name))
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    with logged_in(args) as desk:
        current = read_password("CASHDESK_PASSWORD", _("Current password: "))
        desk.run(
            users.change_own_password,
            desk.vault,
            current_password=current,
            new_password=_new_password(desk.actor.username),
        )
    print(_("Password changed."))
    return 0
