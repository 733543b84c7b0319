"""Talking to a person at a terminal: passwords, progress bars, Ctrl+C."""

from __future__ import annotations

import getpass
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _


class CommandError(Exception):
    """Stops the command with a one-line reason and a non-zero exit code."""


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
