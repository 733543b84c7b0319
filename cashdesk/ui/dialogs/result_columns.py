"""Which column of the provider's result file is which field, checked (and fixed) before the import: the
profile's reading is shown per column, any column can be set by hand, and the mapping can be saved as a
profile for the provider's next file."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll.result_file import FIELDS, REQUIRED, FileColumns


class ResultColumnsDialog(QDialog):
    def __init__(self, columns: FileColumns, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.setWindowTitle(self.tr("Columns of {file}").format(file=columns.file_name))
        self.resize(680, 520)
        intro = QLabel(
            self.tr(
                "Read with the profile <b>{profile}</b>. Check what each column is; the transaction number and "
                "the status are needed."
            ).format(profile=columns.profile)
        )
        intro.setWordWrap(True)
        self.table = QTableWidget(len(columns.headers), 3)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Column of the file"), self.tr("First row"), self.tr("Is")]
        )
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 200)
        self.table.setColumnWidth(1, 170)
        self.boxes: list[QComboBox] = []
        for row, header in enumerate(columns.headers):
            cell = QTableWidgetItem(header)
            cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, 0, cell)
            sample = QTableWidgetItem(columns.example[row] if row < len(columns.example) else "")
            sample.setFlags(sample.flags() & ~Qt.ItemFlag.ItemIsEditable)
            sample.setToolTip(sample.text())
            self.table.setItem(row, 1, sample)
            box = QComboBox()
            box.addItem(self.tr("(not used)"), "")
            for field in FIELDS:
                box.addItem(field.replace("_", " "), field)
            box.setCurrentIndex(max(0, box.findData(columns.fields.get(header, ""))))
            box.currentIndexChanged.connect(lambda _i: self._check())
            self.table.setCellWidget(row, 2, box)
            self.boxes.append(box)
        self.save_as = QLineEdit()
        self.save_as.setPlaceholderText(self.tr("a name, to read this provider's next file the same way"))
        form = QFormLayout()
        form.addRow(self.tr("Save as profile"), self.save_as)
        self.problem = QLabel()
        self.problem.setObjectName("errorLabel")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Import"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._check()

    def chosen(self) -> dict[str, str]:
        """Every column with the field chosen for it ("" for not used): the import reads exactly this."""
        return {
            header: str(box.currentData())
            for header, box in zip(self.columns.headers, self.boxes, strict=True)
        }

    def _check(self) -> None:
        fields = [f for f in self.chosen().values() if f]
        missing = [f.replace("_", " ") for f in REQUIRED if f not in fields]
        twice = sorted({f.replace("_", " ") for f in fields if fields.count(f) > 1})
        text = ""
        if missing:
            text = self.tr("Choose the column of: {fields}.").format(fields=", ".join(missing))
        elif twice:
            text = self.tr("Two columns are set as {fields}: choose one.").format(fields=", ".join(twice))
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not text)
