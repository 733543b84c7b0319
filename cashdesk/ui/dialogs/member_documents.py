"""A member's identity documents beyond the first one (which has its own columns in the members grid)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cashdesk.registry.household_input import ID_TYPES, IdentifierInput
from cashdesk.ui.widgets.forms import expand_choice, ok_cancel_buttons


class MemberDocumentsDialog(QDialog):
    """Type and number of each further document; typing the start of a known type is enough."""

    def __init__(
        self, member_name: str, documents: list[IdentifierInput], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(
            self.tr("Other ID documents of {name}").format(name=member_name or self.tr("this member"))
        )
        self.resize(520, 300)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([self.tr("Document type"), self.tr("Number")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.table.setTabKeyNavigation(True)
        self.table.itemChanged.connect(self._expand_type)
        for document in documents:
            self._append(document.id_type, document.number)
        hint = QLabel(self.tr("Types: {types}. Ctrl+N adds a row.").format(types=", ".join(ID_TYPES)))
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        add = QPushButton(self.tr("Add document (Ctrl+N)"))
        add.clicked.connect(self.add_document)
        remove = QPushButton(self.tr("Remove document"))
        remove.clicked.connect(self.remove_document)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.add_document)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        layout.addLayout(row)
        layout.addWidget(ok_cancel_buttons(self, self.tr("Keep these documents"), self.accept))
        if not documents:
            self.add_document()

    def _append(self, id_type: str, number: str) -> None:
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        self.table.setItem(row, 0, QTableWidgetItem(id_type))
        self.table.setItem(row, 1, QTableWidgetItem(number))
        self.table.blockSignals(False)

    def add_document(self) -> None:
        self._append("", "")
        self.table.setCurrentCell(self.table.rowCount() - 1, 0)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def remove_document(self) -> None:
        if self.table.currentRow() >= 0:
            self.table.removeRow(self.table.currentRow())

    def _expand_type(self, item: QTableWidgetItem) -> None:
        if item.column() == 0:
            value = expand_choice(item.text(), ID_TYPES)
            if value != item.text():
                self.table.blockSignals(True)
                item.setText(value)
                self.table.blockSignals(False)

    def documents(self) -> list[IdentifierInput]:
        """The rows with a number (a type without a number is dropped; the rules check the rest)."""
        out = []
        for row in range(self.table.rowCount()):
            id_type, number = (self.table.item(row, c).text().strip() for c in (0, 1))
            if number:
                out.append(IdentifierInput(id_type, number))
        return out
