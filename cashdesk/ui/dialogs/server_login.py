"""Logging this device in to the central server: its address, the user on the server, the password."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from cashdesk.sync.login import log_in_to_server
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.widgets.forms import ErrorLabel, ok_cancel_buttons, show_failure


class ServerLoginDialog(QDialog):
    def __init__(self, hub: OpsHub, url: str = "", username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.result_login: Any = None
        self.setWindowTitle(self.tr("Log in to the server"))
        self.setMinimumWidth(460)
        intro = QLabel(
            self.tr("The password is not kept: the server gives this device a login for 12 hours.")
        )
        intro.setWordWrap(True)
        self.url = QLineEdit(url)
        self.url.setPlaceholderText("https://sync.example.org")
        self.username = QLineEdit(username)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("Server address"), self.url)
        form.addRow(self.tr("User on the server"), self.username)
        form.addRow(self.tr("Password"), self.password)
        self.error = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel_buttons(self, self.tr("Log in"), self.log_in))
        (self.password if url and username else self.url).setFocus()

    def log_in(self) -> None:
        self.error.clear_error()
        self.hub.run(
            log_in_to_server,
            self.hub.desk,
            url=self.url.text(),
            username=self.username.text(),
            password=self.password.text(),
            on_done=self._done,
            on_error=lambda exc: show_failure(exc, self.error, {"url": self.url}),
            network=True,
            parent=self,
        )

    def _done(self, login: Any) -> None:
        self.result_login = login
        self.accept()
