"""Conflicts: records changed both on this device and on the server. For each field both changed, the
user sees both values, who changed the server's and when, and keeps one. Supervisors also see payments
recorded paid on two devices."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cashdesk.security.permissions import Permission
from cashdesk.sync.conflicts import HERE, SERVER, double_payments, list_conflicts, resolve_conflict
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.base import Screen
from cashdesk.ui.widgets.forms import ErrorLabel, show_failure


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return str(value)


class ConflictsScreen(Screen):
    watches = frozenset({"sync_conflicts", "payment_events"})

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        heading = QLabel(self.tr("Conflicts"))
        heading.setObjectName("screenTitle")
        intro = QLabel(self.tr("These records were changed on this device and on another one before they synced. "
                               "Choose which value stays; the choice goes to the server with the next sync."))  # fmt: skip
        intro.setWordWrap(True)
        self.records = QListWidget()
        self.records.setMaximumWidth(300)
        self.records.currentRowChanged.connect(self._choose)
        self.detail = QWidget()
        self.grid = QGridLayout(self.detail)
        self.who = QLabel()
        self.who.setWordWrap(True)
        self.error = ErrorLabel()
        self.apply_button = QPushButton(self.tr("Keep the chosen values"))
        self.apply_button.setObjectName("primaryButton")
        self.apply_button.clicked.connect(self.apply)
        right = QVBoxLayout()
        right.addWidget(self.who)
        right.addWidget(self.detail)
        right.addWidget(self.error)
        right.addWidget(self.apply_button)
        right.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.records)
        row.addLayout(right, 1)
        self.paid_twice = QLabel()
        self.paid_twice.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addLayout(row, 1)
        layout.addWidget(self.paid_twice)
        self.conflicts: list[Any] = []
        self.groups: dict[str, QButtonGroup] = {}

    def title(self) -> str:
        return self.tr("Conflicts")

    def refresh(self) -> None:
        self.hub.call(list_conflicts, on_done=self._show, parent=self)
        if self.hub.desk.actor.can(Permission.RECONCILE_PAYROLLS):
            self.hub.call(double_payments, on_done=self._show_paid_twice, parent=self)

    def _show(self, conflicts: list[Any]) -> None:
        self.conflicts = conflicts
        self.records.clear()
        for c in conflicts:
            self.records.addItem(f"{c.record}\n{', '.join(f.label for f in c.fields)}")
        if conflicts:
            self.records.setCurrentRow(0)
        else:
            self._choose(-1)

    def _choose(self, index: int) -> None:
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.groups = {}
        self.error.clear_error()
        if not 0 <= index < len(self.conflicts):
            self.who.setText(self.tr("No conflicts: everything this device and the server hold agrees."))
            self.apply_button.setEnabled(False)
            return
        conflict = self.conflicts[index]
        when = (
            conflict.server_changed_at.astimezone().strftime("%Y-%m-%d %H:%M")
            if conflict.server_changed_at
            else "?"
        )
        mine = (
            conflict.here_changed_at.astimezone().strftime("%Y-%m-%d %H:%M")
            if conflict.here_changed_at
            else "?"
        )
        self.who.setText(
            self.tr("<b>{record}</b><br>Changed on this device on {mine}; on the server by {who} on {when}.").format(
                record=html.escape(conflict.record), mine=mine, who=html.escape(conflict.server_author), when=when)
        )  # fmt: skip
        for col, title in enumerate((self.tr("Field"), self.tr("This device"), self.tr("The server"))):
            self.grid.addWidget(QLabel(f"<b>{html.escape(title)}</b>"), 0, col)
        for r, field in enumerate(conflict.fields, start=1):
            group = QButtonGroup(self)
            here = QRadioButton(_shown(field.here))
            there = QRadioButton(_shown(field.server))
            here.setProperty("choice", HERE)
            there.setProperty("choice", SERVER)
            group.addButton(here)
            group.addButton(there)
            self.groups[field.name] = group
            self.grid.addWidget(QLabel(html.escape(field.label)), r, 0)
            self.grid.addWidget(here, r, 1)
            self.grid.addWidget(there, r, 2)
        self.apply_button.setEnabled(True)

    def apply(self) -> None:
        index = self.records.currentRow()
        if not 0 <= index < len(self.conflicts):
            return
        choices = {
            name: group.checkedButton().property("choice")
            for name, group in self.groups.items()
            if group.checkedButton() is not None
        }
        self.hub.call(
            resolve_conflict,
            self.conflicts[index].id,
            choices=choices,
            on_error=lambda exc: show_failure(exc, self.error, {}),
            parent=self,
        )

    def _show_paid_twice(self, found: list[Any]) -> None:
        if not found:
            self.paid_twice.setText("")
            return
        lines = [f"<b>{html.escape(self.tr('Paid twice (recorded on two devices): follow up'))}</b>"]
        for p in found:
            who = "; ".join(
                f"{e.device} {e.recorded_by} {e.occurred_at.astimezone():%Y-%m-%d %H:%M}" for e in p.events
            )
            lines.append(
                html.escape(f"{p.transaction_number} · {p.household_code} {p.recipient_name} · {who}")
            )
        self.paid_twice.setText("<br>".join(lines))
