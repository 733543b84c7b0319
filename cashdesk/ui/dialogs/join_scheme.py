"""First run of a laptop that joins a scheme already running on a central server (cashdesk.sync.join)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from cashdesk.core.errors import Cancelled, ValidationError
from cashdesk.sync.join import Joined, join_scheme
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.widgets.forms import ErrorLabel, ok_cancel_buttons, show_failure


class JoinSchemeDialog(QDialog):
    def __init__(self, hub: OpsHub, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.data_dir = data_dir
        self.joined: Joined | None = None
        self.setWindowTitle(self.tr("Join a scheme"))
        self.setMinimumWidth(600)
        intro = QLabel(
            self.tr(
                "<h2>Join a scheme from its server</h2><p>The scheme's administrator registers this laptop on "
                "the server and gives you its <b>device code</b> and your <b>user on the server</b>. CashDesk "
                "then brings the scheme to this laptop: its places, pay points and plans, and the households "
                "of the places you work in. This needs a connection once; afterwards the laptop works "
                "offline.</p>"
            )
        )
        intro.setWordWrap(True)
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://sync.example.org")
        self.username = QLineEdit()
        self.server_password = QLineEdit()
        self.server_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.device = QLineEdit()
        self.device.setPlaceholderText(self.tr("e.g. K7QD"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("Server address"), self.url)
        form.addRow(self.tr("Your user on the server"), self.username)
        form.addRow(self.tr("Your password on the server"), self.server_password)
        form.addRow(self.tr("Device code"), self.device)
        form.addRow(self.tr("A password for this laptop (8 characters or more)"), self.password)
        form.addRow(self.tr("Type it again"), self.confirm)
        note = QLabel(
            self.tr(
                "You will log in on this laptop with your user name and this laptop's password, also "
                "without a connection. Data folder: {folder}"
            ).format(folder=data_dir)
        )
        note.setObjectName("hint")
        note.setWordWrap(True)
        note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = ErrorLabel()
        self.buttons = ok_cancel_buttons(self, self.tr("Join the scheme"), self._join)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._fields = {
            "url": self.url,
            "username": self.username,
            "device": self.device,
            "password": self.password,
            "data_dir": self.url,
        }
        self.url.setFocus()

    def _join(self) -> None:
        if self.password.text() != self.confirm.text():
            show_failure(
                ValidationError(self.tr("The two passwords are different."), field="password"),
                self.error,
                self._fields,
            )
            return
        self.buttons.setEnabled(False)
        self.error.clear_error()
        self.hub.job(
            self.tr("Joining the scheme…"),
            join_scheme,
            self.data_dir,
            url=self.url.text(),
            username=self.username.text(),
            server_password=self.server_password.text(),
            device=self.device.text(),
            password=self.password.text(),
            on_done=self._joined,
            on_error=self._failed,
            parent=self,
            needs_desk=False,
            network=True,
        )

    def _joined(self, joined: Joined) -> None:
        self.joined = joined
        self.buttons.setEnabled(True)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, Cancelled):
            self.error.show_error(
                self.tr("Cancelled: nothing was kept on this laptop. Join again when ready.")
            )
            return
        show_failure(exc, self.error, self._fields)
