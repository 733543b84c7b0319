"""First run: create the scheme and its administrator, optionally with a demo district; or join a scheme
that already runs on a central server (JoinSchemeDialog)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cashdesk.core.errors import ValidationError
from cashdesk.scheme.countries import COUNTRIES
from cashdesk.scheme.create import NewScheme, create_scheme
from cashdesk.sync.join import Joined
from cashdesk.ui.dialogs.join_scheme import JoinSchemeDialog
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.widgets.forms import ErrorLabel, ok_cancel_buttons, show_failure


class FirstRunDialog(QDialog):
    def __init__(self, hub: OpsHub, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.data_dir = data_dir
        self.created: NewScheme | None = None
        self.joined: Joined | None = None
        self._login_password = ""
        self.setWindowTitle(self.tr("Welcome to CashDesk"))
        self.setMinimumWidth(640)

        intro = QLabel(
            self.tr(
                "<h2>Set up CashDesk</h2><p>This laptop has no scheme yet. Name the scheme you run, "
                "and create the first administrator, who will then add the other users.</p>"
            )
        )
        intro.setWordWrap(True)
        join = QPushButton(self.tr("The scheme already runs on a server: join it instead…"))
        join.setToolTip(self.tr("For every laptop but the scheme's first: bring the scheme from its server"))
        join.clicked.connect(self._join)

        self.scheme = QLineEdit()
        self.scheme.setPlaceholderText(self.tr("e.g. Social Cash Transfer Programme"))
        self.country = QComboBox()
        for code, country in sorted(COUNTRIES.items(), key=lambda item: item[1].name):
            self.country.addItem(f"{country.name} ({code})", code)
        self.currency = QLineEdit()
        self.currency.setMaxLength(3)
        self.country.currentIndexChanged.connect(self._country_changed)
        self.country.setCurrentIndex(self.country.findData("MW"))
        self._country_changed()
        self.admin = QLineEdit("admin")
        self.full_name = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.demo = QCheckBox(self.tr("Load a demo district (2,000 households) to try things out"))
        self.demo.setChecked(True)

        form = QFormLayout()
        form.addRow(self.tr("Scheme name"), self.scheme)
        form.addRow(self.tr("Country"), self.country)
        form.addRow(self.tr("Currency"), self.currency)
        form.addRow(self.tr("Administrator user name"), self.admin)
        form.addRow(self.tr("Administrator full name"), self.full_name)
        form.addRow(self.tr("Password (8 characters or more)"), self.password)
        form.addRow(self.tr("Type the password again"), self.confirm)
        form.addRow("", self.demo)
        where = QLabel(self.tr("Data folder: {folder}").format(folder=data_dir))
        where.setObjectName("hint")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.error = ErrorLabel()
        self.buttons = ok_cancel_buttons(self, self.tr("Create scheme"), self._create)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(join, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(form)
        layout.addWidget(where)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._fields = {
            "scheme": self.scheme,
            "country": self.country,
            "currency": self.currency,
            "username": self.admin,
            "password": self.password,
        }

    def _country_changed(self) -> None:
        country = COUNTRIES.get(self.country.currentData())
        if country:
            self.currency.setText(country.currency)

    def _create(self) -> None:
        if self.password.text() != self.confirm.text():
            show_failure(
                ValidationError(self.tr("The two passwords are different."), field="password"),
                self.error,
                self._fields,
            )
            return
        self.buttons.setEnabled(False)
        self.error.clear_error()
        self.hub.run(
            create_scheme,
            self.data_dir,
            name=self.scheme.text(),
            country=self.country.currentData(),
            currency=self.currency.text(),
            admin_username=self.admin.text(),
            admin_password=self.password.text(),
            admin_full_name=self.full_name.text(),
            on_done=self._created,
            on_error=self._failed,
            parent=self,
        )

    def _created(self, created: NewScheme) -> None:
        self.created = created
        self.buttons.setEnabled(True)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        show_failure(exc, self.error, self._fields)

    def _join(self) -> None:
        dialog = JoinSchemeDialog(self.hub, self.data_dir, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.joined is not None:
            self.joined = dialog.joined
            self._login_password = dialog.password.text()
            self.accept()

    @property
    def recovery_key(self) -> str | None:
        done = self.joined or self.created
        return done.recovery_key if done else None

    @property
    def username(self) -> str:
        return self.joined.username if self.joined else self.admin.text().strip().lower()

    @property
    def login_password(self) -> str:
        return self._login_password if self.joined else self.password.text()

    @property
    def wants_demo(self) -> bool:
        return self.demo.isChecked() and self.joined is None


class RecoveryKeyDialog(QDialog):
    """Shows the recovery key once; Continue is enabled only after the user says it is written down."""

    def __init__(self, recovery_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Recovery key"))
        text = QLabel(
            self.tr(
                "<h3>Write down this recovery key</h3><p>If every administrator forgets their password, "
                "or the key file is lost, this key is the only way to open the database. Keep it on paper in a "
                "locked place: whoever has it can read the data.</p>"
            )
        )
        text.setWordWrap(True)
        key = QLabel(recovery_key)
        key.setObjectName("recoveryKey")
        key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        key.setWordWrap(True)
        self.confirm = QCheckBox(self.tr("I have written the recovery key down"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Continue"))
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.confirm.toggled.connect(buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(key)
        layout.addWidget(self.confirm)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)

    def reject(self) -> None:  # Escape must not skip the key
        if self.confirm.isChecked():
            super().reject()
