"""Settings (administrators): the scheme's name, the idle lock, and the reasons pay points give for not
paying (added, renamed, retired; never deleted, since recorded payments name them)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll.reasons import ReasonSetting, all_reasons, save_reason
from cashdesk.scheme.settings import MAX_IDLE_MINUTES, MIN_IDLE_MINUTES, scheme_info, update_settings
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.base import Screen
from cashdesk.ui.widgets.forms import ErrorLabel, show_failure
from cashdesk.ui.widgets.rows_model import RowsModel
from cashdesk.ui.widgets.tables import row_table


class SettingsScreen(Screen):
    watches = frozenset({"scheme", "non_payment_reasons"})
    idle_minutes_changed = Signal(int)

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        heading = QLabel(self.tr("Settings"))
        heading.setObjectName("screenTitle")
        self.name = QLineEdit()
        self.idle = QSpinBox()
        self.idle.setRange(MIN_IDLE_MINUTES, MAX_IDLE_MINUTES)
        self.idle.setSuffix(self.tr(" minutes"))
        self.country = QLabel()
        self.currency = QLabel()
        self.device = QLabel()
        form = QFormLayout()
        form.addRow(self.tr("Scheme name"), self.name)
        form.addRow(self.tr("Lock the window after"), self.idle)
        form.addRow(self.tr("Country"), self.country)
        form.addRow(self.tr("Currency"), self.currency)
        form.addRow(self.tr("Device code (starts every code issued here)"), self.device)
        self.error = ErrorLabel()
        self.saved = QLabel()
        self.saved.setObjectName("hint")
        save = QPushButton(self.tr("Save settings"))
        save.clicked.connect(self._save)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.saved)
        layout.addWidget(save)
        layout.addSpacing(16)
        layout.addWidget(self._reasons_section(), 1)
        form.setContentsMargins(0, 8, 0, 8)

    def _reasons_section(self) -> QWidget:
        self.reasons = RowsModel(
            [
                (self.tr("Code"), lambda r: r.code),
                (self.tr("What the clerk reads"), lambda r: r.label),
                (self.tr("Needs a note"), lambda r: self.tr("yes") if r.needs_note else ""),
                (self.tr("Offered"), lambda r: self.tr("yes") if r.active else self.tr("retired")),
            ],
            muted=lambda r: not r.active,
            parent=self,
        )
        self.reason_table = row_table(self.reasons)
        self.reason_table.setColumnWidth(0, 170)
        self.reason_table.setColumnWidth(1, 300)
        self.reason_table.setColumnWidth(2, 110)
        self.reason_table.clicked.connect(lambda index: self._edit_reason(self.reasons.row(index.row())))
        self.reason_code = QLineEdit()
        self.reason_code.setPlaceholderText(self.tr("code, e.g. flooded_road"))
        self.reason_label = QLineEdit()
        self.reason_label.setPlaceholderText(self.tr("the words, e.g. Road flooded"))
        self.reason_note = QCheckBox(self.tr("Needs a note"))
        self.reason_active = QCheckBox(self.tr("Offered to clerks"))
        self.reason_active.setChecked(True)
        self.reason_error = ErrorLabel()
        save = QPushButton(self.tr("Save reason"))
        save.clicked.connect(self.save_reason)
        row = QHBoxLayout()
        for widget, stretch in ((self.reason_code, 1), (self.reason_label, 2), (self.reason_note, 0),
                                (self.reason_active, 0), (save, 0)):  # fmt: skip
            row.addWidget(widget, stretch)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("<b>Reasons for not paying</b> (what a pay point clerk chooses from)"))
        column.addWidget(title)
        column.addWidget(self.reason_table, 1)
        column.addLayout(row)
        column.addWidget(self.reason_error)
        return box

    def _edit_reason(self, reason: ReasonSetting) -> None:
        self.reason_code.setText(reason.code)
        self.reason_label.setText(reason.label)
        self.reason_note.setChecked(reason.needs_note)
        self.reason_active.setChecked(reason.active)

    def save_reason(self) -> None:
        self.reason_error.clear_error()
        self.hub.call(
            save_reason, code=self.reason_code.text(), label=self.reason_label.text(),
            needs_note=self.reason_note.isChecked(), active=self.reason_active.isChecked(),
            on_done=lambda saved: (self.saved.setText(self.tr("Reason {code} saved.").format(code=saved.code)),
                                   self._load_reasons()),
            on_error=lambda exc: show_failure(exc, self.reason_error, {"code": self.reason_code,
                                                                       "label": self.reason_label}),
            parent=self,
        )  # fmt: skip

    def _load_reasons(self) -> None:
        self.hub.call(all_reasons, on_done=self.reasons.set_rows, parent=self)

    def title(self) -> str:
        return self.tr("Settings")

    def refresh(self) -> None:
        self.hub.call(scheme_info, on_done=self._show, parent=self)
        self._load_reasons()

    def _show(self, info: Any) -> None:
        self.name.setText(info.name)
        self.idle.setValue(info.idle_lock_minutes)
        self.country.setText(f"{info.country_name} ({info.country})")
        self.currency.setText(info.currency)
        self.device.setText(info.device_code)

    def _save(self) -> None:
        self.error.clear_error()
        self.hub.call(
            update_settings,
            name=self.name.text(),
            idle_lock_minutes=self.idle.value(),
            on_done=self._done,
            on_error=lambda exc: show_failure(
                exc, self.error, {"name": self.name, "idle_lock_minutes": self.idle}
            ),
            parent=self,
        )

    def _done(self, info: Any) -> None:
        self.saved.setText(self.tr("Saved."))
        self.idle_minutes_changed.emit(info.idle_lock_minutes)
