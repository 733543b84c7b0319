"""Dialogs for a payment provider and for one of its pay points. Both save through the payroll services
(save_provider, save_pay_point), which check everything; a refusal is shown under the form and its field
marked, and the dialog stays open with nothing saved."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cashdesk.core.errors import ValidationError
from cashdesk.payroll.providers import WEEKDAYS, PayPointInput, ProviderInput, save_pay_point, save_provider
from cashdesk.ui.dialogs.date_fields import OptionalDate
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.widgets.alive import guarded
from cashdesk.ui.widgets.forms import ErrorLabel, ok_cancel_buttons, show_failure

# The service's kinds (models.provider.ProviderKind) in the words staff use.
KIND_LABELS = {"cash_agent": "Cash agent", "mobile_money": "Mobile money", "bank": "Bank"}
DAY_LABELS = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def contract_problem(provider: Any, today: date | None = None) -> str:
    """Why payrolls cannot use this provider's contract today ("" when they can)."""
    today = today or date.today()
    if provider.contract_to and provider.contract_to < today:
        text = "Contract expired on {day}: no payroll can be made for this provider until it is renewed."
        return QCoreApplication.translate("Providers", text).format(day=provider.contract_to.isoformat())
    if provider.contract_from and provider.contract_from > today:
        text = "The contract starts on {day}: no payroll before then."
        return QCoreApplication.translate("Providers", text).format(day=provider.contract_from.isoformat())
    return ""


class ProviderDialog(QDialog):
    """A new provider, or changes to one (its code then stays: pay points and payrolls refer to it)."""

    saved = Signal(object)  # the ProviderRow

    def __init__(
        self,
        hub: OpsHub,
        provider: Any = None,
        *,
        taken_codes: frozenset[str] = frozenset(),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.provider = provider
        self.taken_codes = taken_codes
        self.setWindowTitle(self.tr("Edit payment provider") if provider else self.tr("New payment provider"))
        self.setMinimumWidth(600)  # both contract dates whole, with their calendar buttons
        self.code = QLineEdit(provider.code if provider else "")
        self.code.setReadOnly(provider is not None)
        self.code.setMaxLength(32)
        self.code.setPlaceholderText(self.tr("e.g. AIRTEL"))
        self.code.setToolTip(
            self.tr("A short code for the provider: letters, digits, - or _. It cannot change later.")
        )
        self.name = QLineEdit(provider.name if provider else "")
        self.kind = QComboBox()
        for value, label in KIND_LABELS.items():
            self.kind.addItem(self.tr(label), value)
        self.kind.setCurrentIndex(max(0, self.kind.findData(provider.kind if provider else "cash_agent")))
        self.kind.setToolTip(
            self.tr(
                "Cash agent: people are paid in cash at pay points. Mobile money and bank: the money is sent "
                "to the recipient's account, in one payroll for the whole provider."
            )
        )
        self.contract_ref = QLineEdit(provider.contract_ref if provider else "")
        self.contract_ref.setPlaceholderText(self.tr("e.g. MoGCDSW/2026/014"))
        self.contract_from = OptionalDate(self.tr("Starts on"), provider.contract_from if provider else None)
        self.contract_to = OptionalDate(self.tr("Ends on"), provider.contract_to if provider else None)
        self.contract_to.setToolTip(
            self.tr("No payroll can be made for this provider for a month after the contract ends.")
        )
        self.contact_name = QLineEdit(provider.contact_name if provider else "")
        self.phone = QLineEdit(provider.phone if provider else "")
        self.phone.setPlaceholderText(self.tr("mobile number, e.g. 0881 234 567"))
        self.email = QLineEdit(provider.email if provider else "")
        self.active = QCheckBox(self.tr("In use"))
        self.active.setToolTip(self.tr("Untick when the scheme stops paying through this provider."))
        self.active.setChecked(provider.active if provider else True)
        dates = QHBoxLayout()
        dates.addWidget(self.contract_from)
        dates.addWidget(self.contract_to)
        form = QFormLayout()
        form.addRow(self.tr("Code"), self.code)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Contract reference"), self.contract_ref)
        form.addRow(self.tr("Contract"), dates)
        form.addRow(self.tr("Contact person"), self.contact_name)
        form.addRow(self.tr("Phone"), self.phone)
        form.addRow(self.tr("E-mail"), self.email)
        form.addRow("", self.active)
        self.error = ErrorLabel()
        # Said when the dialog opens: the usual reason to edit a provider is a contract to renew.
        self.contract_warning = ErrorLabel()
        problem = contract_problem(provider) if provider else ""
        if problem:
            self.contract_warning.show_error(problem)
        self.buttons = ok_cancel_buttons(self, self.tr("Save"), self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.contract_warning)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._fields: dict[str, QWidget] = {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "contract_to": self.contract_to,
            "phone": self.phone,
            "email": self.email,
        }
        for first, second in (
            (self.contract_from.check, self.contract_from.edit),
            (self.contract_from.edit, self.contract_to.check),
            (self.contract_to.check, self.contract_to.edit),
        ):
            QWidget.setTabOrder(first, second)

    def data(self) -> ProviderInput:
        return ProviderInput(
            code=self.code.text(),
            name=self.name.text(),
            kind=str(self.kind.currentData()),
            contract_ref=self.contract_ref.text(),
            contract_from=self.contract_from.value(),
            contract_to=self.contract_to.value(),
            contact_name=self.contact_name.text(),
            phone=self.phone.text(),
            email=self.email.text(),
            active=self.active.isChecked(),
        )

    def save(self) -> None:
        self.error.clear_error()
        data = self.data()
        # save_provider changes the provider with that code: a new one must not silently replace it.
        if self.provider is None and data.code.strip().upper() in self.taken_codes:
            message = self.tr("There is already a provider {code}: close this and edit it instead.")
            self._failed(ValidationError(message.format(code=data.code.strip().upper()), field="code"))
            return
        self.hub.call(save_provider, data, **guarded(self, self._saved, self._failed))

    def _saved(self, row: Any) -> None:
        self.saved.emit(row)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        show_failure(exc, self.error, self._fields)


class PayPointDialog(QDialog):
    """A new pay point, or changes to one: its provider, village, opening days and clerks."""

    saved = Signal(object)  # the PayPointRow

    def __init__(
        self,
        hub: OpsHub,
        *,
        providers: list[Any],
        villages: list[Any],
        clerks: list[Any],
        point: Any = None,
        provider_code: str = "",
        taken_codes: frozenset[str] = frozenset(),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.hub = hub
        self.point = point
        self.taken_codes = taken_codes
        self.setWindowTitle(self.tr("Edit pay point") if point else self.tr("New pay point"))
        self.setMinimumWidth(560)
        self.code = QLineEdit(point.code if point else "")
        self.code.setReadOnly(point is not None)
        self.code.setMaxLength(32)
        self.code.setPlaceholderText(self.tr("e.g. PP-CHIK-01"))
        self.code.setToolTip(self.tr("A short code: letters, digits, - or _. It cannot change later."))
        self.name = QLineEdit(point.name if point else "")
        self.name.setPlaceholderText(self.tr("e.g. Chikwawa market agent"))
        self.provider = QComboBox()
        for p in providers:
            self.provider.addItem(f"{p.name} ({p.code})", p.code)
        chosen = point.provider_code if point else provider_code
        self.provider.setCurrentIndex(max(0, self.provider.findData(chosen)))
        self.village = QComboBox()
        for v in villages:
            self.village.addItem(f"{v.name} ({v.code})", v.code)
        if point:
            self.village.setCurrentIndex(max(0, self.village.findData(point.village_code)))
        self.address = QLineEdit(point.address if point else "")
        self.address.setPlaceholderText(self.tr("where people go, e.g. next to the health centre"))
        open_days = set(point.opening_days.split(",")) if point and point.opening_days else set()
        self.days: dict[str, QCheckBox] = {}
        days_row = QHBoxLayout()
        for day in WEEKDAYS:
            box = QCheckBox(self.tr(DAY_LABELS[day]))
            box.setChecked(day in open_days)
            self.days[day] = box
            days_row.addWidget(box)
        days_row.addStretch(1)
        self.days_widget = QWidget()
        self.days_widget.setLayout(days_row)
        days_row.setContentsMargins(0, 0, 0, 0)
        self.clerks = QListWidget()
        self.clerks.setMaximumHeight(130)
        assigned = set(point.clerks) if point else set()
        for clerk in clerks:
            item = QListWidgetItem(f"{clerk.full_name} ({clerk.username})")
            item.setData(Qt.ItemDataRole.UserRole, clerk.username)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if clerk.username in assigned else Qt.CheckState.Unchecked
            )
            self.clerks.addItem(item)
        # A clerk assigned here who is no longer offered (deactivated since) stays assigned unless
        # unticked: saving the dialog must not drop someone silently.
        offered = {clerk.username for clerk in clerks}
        for username in sorted(assigned - offered):
            item = QListWidgetItem(self.tr("{name} (inactive)").format(name=username))
            item.setData(Qt.ItemDataRole.UserRole, username)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            item.setToolTip(
                self.tr("This user's account is deactivated; untick to take them off this pay point.")
            )
            self.clerks.addItem(item)
        self.clerks.setToolTip(self.tr("The pay point clerks who record payments here (tick them)."))
        no_clerks = QLabel(self.tr("There are no pay point clerks yet: create them on the Users screen."))
        no_clerks.setObjectName("hint")
        no_clerks.setWordWrap(True)
        no_clerks.setVisible(not clerks)
        no_villages = QLabel(
            self.tr(
                "There are no villages yet: a pay point is in a village. Import the locations first (cashdesk import locations FILE)."
            )
        )
        no_villages.setObjectName("hint")
        no_villages.setWordWrap(True)
        no_villages.setVisible(not villages)
        self.active = QCheckBox(self.tr("Open (untick when it closes for good)"))
        self.active.setChecked(point.active if point else True)
        form = QFormLayout()
        form.addRow(self.tr("Code"), self.code)
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("Provider"), self.provider)
        form.addRow(self.tr("Village"), self.village)
        form.addRow("", no_villages)
        form.addRow(self.tr("Address"), self.address)
        form.addRow(self.tr("Open on"), self.days_widget)
        form.addRow(self.tr("Clerks"), self.clerks)
        form.addRow("", no_clerks)
        form.addRow("", self.active)
        self.error = ErrorLabel()
        self.buttons = ok_cancel_buttons(self, self.tr("Save"), self.save)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._fields: dict[str, QWidget] = {
            "code": self.code,
            "name": self.name,
            "provider": self.provider,
            "village": self.village,
            "opening_days": self.days_widget,
            "clerks": self.clerks,
        }

    def chosen_clerks(self) -> list[str]:
        items = (self.clerks.item(i) for i in range(self.clerks.count()))
        return [i.data(Qt.ItemDataRole.UserRole) for i in items if i.checkState() == Qt.CheckState.Checked]

    def data(self) -> PayPointInput:
        return PayPointInput(
            code=self.code.text(),
            name=self.name.text(),
            provider=str(self.provider.currentData() or ""),
            village=str(self.village.currentData() or ""),
            address=self.address.text(),
            opening_days=",".join(day for day, box in self.days.items() if box.isChecked()),
            clerks=self.chosen_clerks(),
            active=self.active.isChecked(),
        )

    def save(self) -> None:
        self.error.clear_error()
        data = self.data()
        if self.point is None and data.code.strip().upper() in self.taken_codes:
            message = self.tr("There is already a pay point {code}: close this and edit it instead.")
            self._failed(ValidationError(message.format(code=data.code.strip().upper()), field="code"))
            return
        self.hub.call(save_pay_point, data, **guarded(self, self._saved, self._failed))

    def _saved(self, row: Any) -> None:
        self.saved.emit(row)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        show_failure(exc, self.error, self._fields)
