"""What the window shows while locked: the work stays underneath, hidden, until the password is typed."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from cashdesk.ui.ops import OpsHub
from cashdesk.ui.widgets.forms import ErrorLabel, show_failure


class LockScreen(QWidget):
    unlocked = Signal()
    log_out = Signal()

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.setObjectName("lockScreen")
        self.message = QLabel()
        self.message.setObjectName("screenTitle")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel(self.tr("CashDesk locked itself after a while without use. Your unsaved work is kept."))
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("Password"))
        self.password.setFixedWidth(320)
        self.password.returnPressed.connect(self.try_unlock)
        self.unlock_button = QPushButton(self.tr("Unlock"))
        self.unlock_button.setFixedWidth(320)
        self.unlock_button.clicked.connect(self.try_unlock)
        other = QPushButton(self.tr("Log out (unsaved work is lost)"))
        other.setFlat(True)
        other.clicked.connect(self.log_out)
        self.error = ErrorLabel()
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        for widget in (self.message, hint, self.password, self.unlock_button, self.error, other):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def prepare(self, full_name: str) -> None:
        self.message.setText(
            self.tr("Locked. {name}, type your password to continue.").format(name=full_name)
        )
        self.password.clear()
        self.error.clear_error()
        self.password.setFocus()

    def try_unlock(self) -> None:
        self.unlock_button.setEnabled(False)
        self.hub.run(
            self.hub.desk.check_password,
            self.password.text(),
            on_done=self._checked,
            on_error=self._failed,
            parent=self,
        )

    def _checked(self, ok: bool) -> None:
        self.unlock_button.setEnabled(True)
        if ok:
            self.password.clear()
            self.unlocked.emit()

    def _failed(self, exc: BaseException) -> None:
        self.unlock_button.setEnabled(True)
        self.password.clear()
        show_failure(exc, self.error, {})
