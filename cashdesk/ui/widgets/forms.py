"""Small helpers for forms: an error line under the form, and the offending field marked red."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QWidget

from cashdesk.core.errors import ValidationError
from cashdesk.ui.ops import error_text


class ErrorLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorLabel")
        self.setWordWrap(True)
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def clear_error(self) -> None:
        self.setText("")
        self.hide()


def mark_invalid(widget: QWidget | None, invalid: bool) -> None:
    if widget is None:
        return
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def show_failure(exc: BaseException, label: ErrorLabel, fields: dict[str, QWidget]) -> None:
    """Show a service's refusal: message under the form, the named field marked and focused."""
    for widget in fields.values():
        mark_invalid(widget, False)
    label.show_error(error_text(exc))
    if isinstance(exc, ValidationError) and exc.field in fields:
        widget = fields[exc.field]
        mark_invalid(widget, True)
        widget.setFocus()


def ok_cancel_buttons(dialog: QDialog, ok_text: str, on_ok: Callable[[], None]) -> QDialogButtonBox:
    """OK (renamed to say what it does) runs `on_ok`, which closes the dialog itself on success."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    return buttons


def expand_choice(text: str, choices: tuple[str, ...]) -> str:
    """'sp' -> 'spouse': typing the start of a choice is enough (anything else is kept as typed)."""
    value = text.strip().lower()
    found = [c for c in choices if c.startswith(value)] if value else []
    return found[0] if len(found) == 1 else value
