"""Answers that outlive their widget: a service call's result arrives on the UI thread later, and the
screen that asked may have been closed meanwhile (logging out, a test ending) and its C++ side deleted.
Calling into it then raises "Internal C++ object already deleted" in whatever runs next."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtWidgets import QMessageBox, QWidget

from cashdesk.core.errors import Cancelled
from cashdesk.ui.ops import error_text


def while_alive(widget: QWidget, fn: Callable[..., Any]) -> Callable[..., None]:
    """`fn`, dropped quietly once `widget` is gone."""

    def call(*args: Any) -> None:
        if shiboken6.isValid(widget):
            fn(*args)

    return call


def guarded(
    widget: QWidget,
    on_done: Callable[[Any], Any] | None = None,
    on_error: Callable[[BaseException], Any] | None = None,
) -> dict[str, Any]:
    """The on_done/on_error/parent keywords of OpsHub.call, run() or job(), each skipped once `widget` is
    gone; without on_error a refusal is shown as the hub would (a message over the widget)."""

    def warn(exc: BaseException) -> None:
        if not isinstance(exc, Cancelled):
            QMessageBox.warning(widget, widget.tr("CashDesk"), error_text(exc))

    return {
        "on_done": while_alive(widget, on_done or (lambda _result: None)),
        "on_error": while_alive(widget, on_error or warn),
        "parent": widget,
    }
