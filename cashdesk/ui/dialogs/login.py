"""Logging in, and changing a password (forced after a temporary one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from cashdesk.core.errors import ValidationError
from cashdesk.desk import open_desk
from cashdesk.security import users
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.widgets.forms import ErrorLabel, ok_cancel_buttons, show_failure


class LoginDialog(QDialog):
    """Logs in on the worker thread (the password check takes ~0.1 s on purpose)."""

    def __init__(
        self, hub: OpsHub, data_dir: Path, username: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.data_dir = data_dir
        self.desk: Any = None
        self.setWindowTitle(self.tr("CashDesk: log in"))
        self.setMinimumWidth(420)
        title = QLabel(self.tr("<h2>CashDesk</h2><p>Log in to continue. No connection is needed.</p>"))
        self.username = QLineEdit(username)
        self.username.setPlaceholderText(self.tr("user name"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        self.error = ErrorLabel()
        where = QLabel(self.tr("Database: {path}").format(path=data_dir / "cashdesk.db"))
        where.setObjectName("hint")
        where.setWordWrap(True)
        self.buttons = ok_cancel_buttons(self, self.tr("Log in"), self._login)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(where)
        layout.addWidget(self.buttons)
        (self.password if username else self.username).setFocus()

    def _login(self) -> None:
        if not self.username.text().strip():
            self.error.show_error(self.tr("Type your user name."))
            self.username.setFocus()
            return
        self.buttons.setEnabled(False)
        self.error.clear_error()
        self.hub.run(
            open_desk,
            self.data_dir,
            self.username.text(),
            self.password.text(),
            on_done=self._opened,
            on_error=self._failed,
            parent=self,
        )

    def _opened(self, desk: Any) -> None:
        self.buttons.setEnabled(True)
        self.desk = desk
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.password.clear()
        show_failure(exc, self.error, {})
        self.password.setFocus()


class ChangePasswordDialog(QDialog):
    def __init__(self, hub: OpsHub, *, forced: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.setWindowTitle(self.tr("Change your password"))
        self.setMinimumWidth(420)
        intro = QLabel(
            self.tr("Your password was set by an administrator. Choose your own before you continue.")
            if forced
            else self.tr("Choose a new password of at least 8 characters.")
        )
        intro.setWordWrap(True)
        self.current = QLineEdit()
        self.new = QLineEdit()
        self.confirm = QLineEdit()
        for field in (self.current, self.new, self.confirm):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("Current password"), self.current)
        form.addRow(self.tr("New password"), self.new)
        form.addRow(self.tr("Type it again"), self.confirm)
        self.error = ErrorLabel()
        self.buttons = ok_cancel_buttons(self, self.tr("Change password"), self._save)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._fields = {"new_password": self.new, "current_password": self.current}

    def _save(self) -> None:
        if self.new.text() != self.confirm.text():
            show_failure(
                ValidationError(self.tr("The two new passwords are different."), field="new_password"),
                self.error,
                self._fields,
            )
            return
        self.buttons.setEnabled(False)
        self.hub.call(
            users.change_own_password,
            self.hub.desk.vault,
            current_password=self.current.text(),
            new_password=self.new.text(),
            on_done=lambda _info: self.accept(),
            on_error=self._failed,
            parent=self,
        )

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        show_failure(exc, self.error, self._fields)
