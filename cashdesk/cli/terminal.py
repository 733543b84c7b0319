"""Talking to a person at a terminal: passwords, progress bars, Ctrl+C, checks of what they typed."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _


class CommandError(Exception):
    """Stops the command with a one-line reason and a non-zero exit code."""


def percentage(text: str) -> float:
    """An argparse type: a number from 0 to 100 (argparse shows the error with the usage line)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{value} is not a number").format(value=text)) from None
    if not 0 <= value <= 100:  # also refuses nan
        raise argparse.ArgumentTypeError(_("{value} is not between 0 and 100").format(value=text))
    return value


def cannot_write(path: Path, exc: OSError) -> CommandError:
    return CommandError(_("cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc))


def check_writable(path: Path) -> None:
    """Fail before a long job, not after it, when its result could not be written to `path`.

    Opening the file is the only sure test (permissions, read-only disks, a folder of that name, even
    for root); opening to append leaves an existing file as it is, and a file made by the test is removed.
    """
    existed = path.exists()
    try:
        with path.open("a"):
            pass
    except OSError as exc:
        raise cannot_write(path, exc) from exc
    if not existed:
        path.unlink()


def read_password(env_var: str, prompt: str, *, confirm: bool = False) -> str:
    value = os.environ.get(env_var)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CommandError(_("No password: set {var} or run the command in a terminal.").format(var=env_var))
    first = getpass.getpass(prompt)
    if confirm and getpass.getpass(_("Type it again: ")) != first:
        raise ValidationError(_("The two passwords are different."), field="password")
    return first


class ProgressBar:
    """A bar on a terminal; occasional plain lines when the output is a log file."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_step = -1
        self._last_draw = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        fraction = min(1.0, max(0.0, fraction))
        if self.tty:
            now = time.monotonic()
            if now - self._last_draw < 0.1 and fraction < 1.0:
                return
            self._last_draw = now
            filled = int(fraction * 30)
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {fraction:6.1%} {message[:60]:<60}")
            self.stream.flush()
        else:
            step = int(fraction * 10)
            if step != self._last_step:
                self._last_step = step
                self.stream.write(f"{fraction:6.1%} {message}\n")
                self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


@contextmanager
def cancellable() -> Iterator[threading.Event]:
    """The first Ctrl+C asks the running job to stop cleanly; a second one interrupts at once."""
    abort = threading.Event()

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        if abort.is_set():
            raise KeyboardInterrupt
        abort.set()
        sys.stderr.write("\n" + _("Cancelling... (press Ctrl+C again to stop at once)") + "\n")

    previous: Callable[..., Any] | int | None = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield abort
    finally:
        signal.signal(signal.SIGINT, previous)


def column_mapping(pairs: list[str]) -> dict[str, str]:
    """--map "Surname=family_name" options as {column: field}."""
    mapping = {}
    for pair in pairs:
        if "=" not in pair:
            raise CommandError(_('--map takes SOURCE=FIELD, e.g. --map "Surname=family_name".'))
        source, target = pair.split("=", 1)
        mapping[source.strip()] = target.strip()
    return mapping
