"""Settings (administrators): the scheme's name and the idle lock."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget

from cashdesk.scheme.settings import MAX_IDLE_MINUTES, MIN_IDLE_MINUTES, scheme_info, update_settings
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.base import Screen
from cashdesk.ui.widgets.forms import ErrorLabel, show_failure


class SettingsScreen(Screen):
    watches = frozenset({"scheme"})
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
        layout.addStretch(1)
        form.setContentsMargins(0, 8, 0, 8)

    def title(self) -> str:
        return self.tr("Settings")

    def refresh(self) -> None:
        self.hub.call(scheme_info, on_done=self._show, parent=self)

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
