"""The one contract for long work (imports, duplicate scans, payrolls, PDFs, sync, demo data).

A long job is a plain function that takes `progress` and `abort` keyword arguments:

    def job(..., *, progress: Progress, abort: threading.Event) -> Result

It calls `progress(fraction, message)` now and then (fraction in 0..1) and `check_abort(abort)`
between units of work. When the user cancels, `check_abort` raises `Cancelled`; the job's database
transaction is rolled back, so a cancelled job leaves nothing half-written. The window shows the
progress in a dialog with a Cancel button; the command line shows a bar and cancels on Ctrl+C.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from cashdesk.core.errors import Cancelled
from cashdesk.core.i18n import _

Progress = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:
    """For callers that do not display progress."""


def check_abort(abort: threading.Event) -> None:
    if abort.is_set():
        raise Cancelled(_("Cancelled. Nothing was saved."))


def never_abort() -> threading.Event:
    return threading.Event()
