"""Entry point of the `cashdesk` command. With no arguments it opens the window.

This module imports almost nothing at load time: the console script imports it before main() runs, and
a Ctrl+C during the heavy imports (SQLAlchemy, the services: most of a second) must end with one line,
not a traceback. The commands are imported inside main()'s try instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cashdesk.core.i18n import _

if TYPE_CHECKING:
    import argparse


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from cashdesk import __version__
    from cashdesk.cli import (
        audit_commands,
        central_commands,
        payment_commands,
        payroll_commands,
        reconcile_commands,
        registry_commands,
        review_commands,
        setup_commands,
        sync_commands,
        user_commands,
    )

    parser = argparse.ArgumentParser(
        prog="cashdesk",
        description=_("Run a cash transfer scheme offline. With no command, opens the window."),
    )
    parser.add_argument("--version", action="version", version=f"CashDesk {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=_("where the database lives (also CASHDESK_HOME; default: your data folder)"),
    )
    parser.add_argument("--user", metavar="NAME", help=_("who is acting (also CASHDESK_USER)"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    setup_commands.add_parsers(commands)
    user_commands.add_parsers(commands)
    registry_commands.add_parsers(commands)
    review_commands.add_parsers(commands)
    audit_commands.add_parsers(commands)
    payroll_commands.add_parsers(commands)
    payment_commands.add_parsers(commands)
    reconcile_commands.add_parsers(commands)
    central_commands.add_parsers(commands)
    sync_commands.add_parsers(commands)
    return parser


def display_missing() -> bool:
    """On Linux without a display, Qt aborts the process with an unhelpful message: say it first."""
    return (
        sys.platform.startswith("linux")
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; whatever goes wrong ends with a one-line reason on stderr, never a traceback."""
    try:
        try:
            return _run(argv)
        finally:
            # Output still buffered for a reader that went away (`cashdesk audit list | head`) fails
            # here, inside the try, rather than in the interpreter's last flush at exit. `finally`, for
            # argparse's --help leaves through SystemExit.
            sys.stdout.flush()
    except KeyboardInterrupt:
        print(_("cashdesk: interrupted; nothing was saved."), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # As the Python documentation advises: point stdout at devnull so that the flush at exit
        # does not fail a second time. 141 = 128 + SIGPIPE, what a shell shows for a cut-off pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # a last resort: a file or folder a command could not read or write
        reason = exc.strerror or str(exc)
        where = f": {exc.filename}" if exc.filename else ""
        print(_("cashdesk: {reason}{where}").format(reason=reason, where=where), file=sys.stderr)
        return 1


def _run(argv: Sequence[str] | None) -> int:
    from cashdesk.cli.terminal import CommandError
    from cashdesk.core.errors import CashDeskError, ValidationError

    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from cashdesk.cli.session import data_dir

        if display_missing():
            print(
                _(
                    "cashdesk: no display to open the window on (DISPLAY is not set). Run it on a desktop, "
                    "or use the commands: cashdesk --help"
                ),
                file=sys.stderr,
            )
            return 2
        try:
            from cashdesk.ui.app import run_app
        except ImportError as exc:  # Qt's system libraries missing: say which, do not dump a trace
            print(_("cashdesk: cannot open the window: {reason}").format(reason=exc), file=sys.stderr)
            return 2
        return run_app(data_dir(args))
    try:
        return int(args.run(args))
    except ValidationError as exc:
        field = f" [{exc.field}]" if exc.field else ""
        print(f"cashdesk: {exc.message}{field}", file=sys.stderr)
    except CashDeskError as exc:
        print(f"cashdesk: {exc.message}", file=sys.stderr)
    except CommandError as exc:
        print(f"cashdesk: {exc}", file=sys.stderr)
    return 1
