"""Logging in from the command line, with the same rules as the window."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cashdesk.cli.terminal import CommandError, read_password
from cashdesk.core.i18n import _
from cashdesk.core.paths import default_data_dir
from cashdesk.desk import Desk, open_desk


def data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()


def login(args: argparse.Namespace) -> Desk:
    username = args.user or os.environ.get("CASHDESK_USER")
    if not username:
        raise CommandError(_("Say who you are: --user NAME (or set CASHDESK_USER)."))
    password = read_password("CASHDESK_PASSWORD", _("Password for {user}: ").format(user=username))
    desk = open_desk(data_dir(args), username, password)
    if desk.backup_written:
        print(_("The database was upgraded; the previous copy is {path}").format(path=desk.backup_written))
    return desk


@contextmanager
def logged_in(args: argparse.Namespace) -> Iterator[Desk]:
    """Log in for one command; the database is closed however the command ends."""
    desk = login(args)
    try:
        yield desk
    finally:
        desk.close()
