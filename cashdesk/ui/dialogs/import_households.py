"""Import households from CSV/XLSX: choose the file, fix the mapping, preview every problem, import.

Nothing is written until "Import"; the preview is the import run in dry-run mode, so what it shows is
exactly what the import will do.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cashdesk.core.tables import open_table
from cashdesk.registry.importing.batches import list_batches, undo_import
from cashdesk.registry.importing.errors_file import column_name
from cashdesk.registry.importing.fields import FIELDS
from cashdesk.registry.importing.mapping import list_profiles
from cashdesk.registry.importing.rows import names_required_columns
from cashdesk.registry.importing.run import REPORT, UPDATE, ImportOptions, import_households
from cashdesk.ui.ops import OpsHub, error_text
from cashdesk.ui.widgets.forms import ErrorLabel

PREVIEW_ROWS = 500


class ImportDialog(QDialog):
    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hub = hub
        self.path: Path | None = None
        self.headers: tuple[str, ...] = ()
        self.setWindowTitle(self.tr("Import households"))
        self.resize(1240, 680)
        self.file_label = QLabel(self.tr("No file chosen"))
        choose = QPushButton(self.tr("Choose CSV or XLSX file…"))
        choose.clicked.connect(self.choose_file)
        self.profile = QComboBox()
        self.profile.addItem(self.tr("— automatic —"), None)
        self.profile.currentIndexChanged.connect(lambda _i: self.preview())
        self.save_as = QLineEdit()
        self.save_as.setPlaceholderText(self.tr("save this mapping as… (optional)"))
        self.update_existing = QRadioButton(self.tr("update members already registered"))
        self.report_existing = QRadioButton(self.tr("only report them"))
        self.update_existing.setChecked(True)
        self.create_villages = QCheckBox(self.tr("create villages the registry does not have yet"))
        self.create_villages.setToolTip(
            self.tr("Only when the scheme has one district: new villages are added to it with a new code.")
        )
        self.create_villages.toggled.connect(lambda _on: self.preview())
        form = QFormLayout()
        top = QHBoxLayout()
        top.addWidget(choose)
        top.addWidget(self.file_label, 1)
        form.addRow(self.tr("File"), top)
        profiles = QHBoxLayout()
        profiles.addWidget(self.profile)
        profiles.addWidget(self.save_as, 1)
        form.addRow(self.tr("Column mapping"), profiles)
        existing = QHBoxLayout()
        existing.addWidget(self.update_existing)
        existing.addWidget(self.report_existing)
        existing.addStretch(1)
        form.addRow(self.tr("Rows already imported"), existing)
        form.addRow(self.tr("Unknown villages"), self.create_villages)

        self.mapping = QTableWidget(0, 2)
        self.mapping.setHorizontalHeaderLabels([self.tr("Column in the file"), self.tr("CashDesk field")])
        self.mapping.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.mapping.setMinimumWidth(360)  # field names such as household_ref must show whole
        self.mapping.setMaximumWidth(460)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.problems = QTableWidget(0, 4)
        self.problems.setHorizontalHeaderLabels([self.tr("Row"), self.tr("Field"), self.tr("Problem"), ""])
        self.problems.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.problems.verticalHeader().hide()
        self.problems.setWordWrap(True)  # messages say what to do: they must be read whole
        for column, width in ((0, 60), (1, 110), (3, 70)):
            self.problems.setColumnWidth(column, width)
        right = QVBoxLayout()
        right.addWidget(self.summary)
        right.addWidget(self.problems, 1)
        middle = QHBoxLayout()
        middle.addWidget(self.mapping)
        middle.addLayout(right, 1)

        self.error = ErrorLabel()
        self.check_button = QPushButton(self.tr("Check again"))
        self.check_button.clicked.connect(self.preview)
        self.errors_button = QPushButton(self.tr("Save rejected rows…"))
        self.errors_button.clicked.connect(self.save_errors)
        self.import_button = QPushButton(self.tr("Import"))
        self.import_button.clicked.connect(self.run_import)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.reject)
        for button in (self.check_button, self.errors_button, self.import_button):
            button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        for button in (self.check_button, self.errors_button, close, self.import_button):
            buttons.addWidget(button)
        self.history = QListWidget()
        self.history.setMaximumHeight(90)
        self.undo_button = QPushButton(self.tr("Undo selected import…"))
        self.undo_button.clicked.connect(self.undo_selected)
        history = QHBoxLayout()
        history.addWidget(self.history, 1)
        history.addWidget(self.undo_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(middle, 1)
        layout.addLayout(buttons)
        layout.addWidget(QLabel(self.tr("Earlier imports")))
        layout.addLayout(history)
        self.refresh_history()
        self.hub.call(list_profiles, on_done=self._profiles, parent=self)
        self.report: Any = None

    def refresh_history(self) -> None:
        self.hub.call(list_batches, on_done=self._fill_history, parent=self)

    def _fill_history(self, batches: list[Any]) -> None:
        self.history.clear()
        for batch in batches[:50]:
            text = self.tr("{when} · {file} · {status} · {n:,} households created, {u:,} updated").format(
                when=batch.started_at.astimezone().strftime("%Y-%m-%d %H:%M"),
                file=batch.file_name,
                status=batch.status,
                n=batch.counts.get("households_created", 0),
                u=batch.counts.get("households_updated", 0),
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, batch.id)
            item.setData(Qt.ItemDataRole.UserRole + 1, batch.counts.get("households_updated", 0))
            self.history.addItem(item)

    def undo_selected(self) -> None:
        item = self.history.currentItem()
        if item is None:
            return
        if item.data(Qt.ItemDataRole.UserRole + 1):  # undo_import refuses these too; say so before asking
            self.error.show_error(
                self.tr(
                    "This import changed households that were already registered; it cannot be undone "
                    "automatically. Correct those households in the household editor."
                )
            )
            return
        answer = QMessageBox.question(
            self,
            self.tr("Undo import"),
            self.tr(
                "Remove every household this import created? This is possible only while none of them is enrolled "
                "or on a payroll."
            ),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.hub.call(
                undo_import,
                item.data(Qt.ItemDataRole.UserRole),
                on_done=self._undone,
                on_error=self._failed,
                parent=self,
            )

    def _undone(self, removed: int) -> None:
        self.summary.setText(self.tr("Import undone: {n:,} households removed.").format(n=removed))
        self.refresh_history()

    def _profiles(self, profiles: list[tuple[str, dict[str, str]]]) -> None:
        self.profile.blockSignals(True)
        for name, _mapping in profiles:
            self.profile.addItem(name, name)
        self.profile.blockSignals(False)

    def choose_file(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Import households"), "", self.tr("Spreadsheets (*.csv *.xlsx);;All files (*)")
        )
        if name:
            self.load_file(Path(name))

    def load_file(self, path: Path) -> None:
        self.path = path
        self.file_label.setText(str(path))
        self.hub.run(
            open_table,
            path,
            is_header=names_required_columns,  # as the import finds it: below a title, in the right sheet
            on_done=self._table_opened,
            on_error=self._failed,
            parent=self,
        )

    def _table_opened(self, info: Any) -> None:
        self.headers = info.headers
        self.mapping.setRowCount(0)
        for header in self.headers:
            row = self.mapping.rowCount()
            self.mapping.insertRow(row)
            cell = QTableWidgetItem(header)
            cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.mapping.setItem(row, 0, cell)
            box = QComboBox()
            box.addItem(self.tr("(ignore)"), "")
            for name in FIELDS:
                box.addItem(name, name)
            box.activated.connect(lambda _i, chosen=box: self._mapping_chosen(chosen))
            self.mapping.setCellWidget(row, 1, box)
        self.check_button.setEnabled(True)
        self.preview()

    def _mapping_chosen(self, box: QComboBox) -> None:
        """A field the user picked by hand overrides the automatic mapping from now on."""
        box.setProperty("touched", True)
        self.preview()

    def options(self) -> ImportOptions:
        chosen = {}
        for row in range(self.mapping.rowCount()):
            box = self.mapping.cellWidget(row, 1)
            if isinstance(box, QComboBox) and box.property("touched"):
                chosen[self.headers[row]] = box.currentData()
        return ImportOptions(
            mapping=chosen,
            profile=self.profile.currentData(),
            save_profile=self.save_as.text().strip() or None,
            on_existing=UPDATE if self.update_existing.isChecked() else REPORT,
            create_locations=self.create_villages.isChecked(),
        )

    def preview(self) -> None:
        if self.path is None:
            return
        self.error.clear_error()
        self.import_button.setEnabled(False)
        self.hub.job(
            self.tr("Checking {file}…").format(file=self.path.name),
            import_households,
            self.path,
            options=self.options(),
            dry_run=True,
            on_done=self._previewed,
            on_error=self._failed,
            parent=self,
        )

    def _previewed(self, report: Any) -> None:
        self.report = report
        for row, header in enumerate(self.headers):
            box = self.mapping.cellWidget(row, 1)
            if isinstance(box, QComboBox) and not box.property("touched"):
                box.blockSignals(True)
                box.setCurrentIndex(max(0, box.findData(report.mapping.get(header, ""))))
                box.blockSignals(False)
        errors = [p for p in report.problems if p.is_error]
        self.summary.setText(
            self.tr(
                "<b>{rows:,} rows.</b> Ready to import: {new:,} new households ({members:,} people), {upd:,} to update ({added:,} people added), "
                "{same:,} already up to date. <b>Rejected: {bad:,} households ({rows_bad:,} rows)</b>; {warn:,} warnings."
            ).format(
                rows=report.rows,
                new=report.households_created,
                members=report.members_created,
                upd=report.households_updated,
                added=report.members_added,
                same=report.households_unchanged,
                bad=report.households_rejected,
                rows_bad=report.rows_rejected,
                warn=report.warnings,
            )
            # How the file was read (its encoding, the sheet, a title above the header...): worth a look.
            + "".join("<br>" + html.escape(note) for note in report.table_warnings)
        )
        shown = sorted(report.problems, key=lambda p: (not p.is_error, p.row or 0))[:PREVIEW_ROWS]
        self.problems.setRowCount(len(shown))
        for i, problem in enumerate(shown):
            field = column_name(problem.field)
            for column, value in enumerate(
                (
                    str(problem.row or ""),
                    field,
                    problem.message,
                    self.tr("error") if problem.is_error else self.tr("warning"),
                )
            ):
                item = QTableWidgetItem(value)
                item.setToolTip(problem.message)
                self.problems.setItem(i, column, item)
        self.problems.resizeRowsToContents()
        self.errors_button.setEnabled(bool(errors) or report.rows_already_present > 0)
        self.import_button.setEnabled(report.households_created + report.households_updated > 0)

    def _failed(self, exc: BaseException) -> None:
        self.error.show_error(error_text(exc))

    def save_errors(self) -> None:
        if self.path is None:
            return
        name, _filter = QFileDialog.getSaveFileName(
            self,
            self.tr("Save rejected rows"),
            str(self.path.with_name(self.path.stem + "-errors.csv")),
            self.tr("CSV (*.csv)"),
        )
        if name:
            self.hub.job(
                self.tr("Writing the rejected rows…"),
                import_households,
                self.path,
                options=self.options(),
                dry_run=True,
                errors_path=Path(name),
                on_done=lambda _r: self.summary.setText(
                    self.summary.text() + "<br>" + self.tr("Rejected rows saved to {path}").format(path=name)
                ),
                on_error=self._failed,
                parent=self,
            )

    def run_import(self) -> None:
        if self.path is None:
            return
        self.import_button.setEnabled(False)
        self.hub.job(
            self.tr("Importing {file}…").format(file=self.path.name),
            import_households,
            self.path,
            options=self.options(),
            on_done=self._imported,
            on_error=self._failed,
            parent=self,
        )

    def _imported(self, report: Any) -> None:
        self.report = report
        self.refresh_history()
        self.summary.setText(
            self.tr(
                "<b>Imported.</b> {new:,} households created ({members:,} people), {upd:,} updated, {bad:,} rejected, "
                "{dups:,} possible duplicates sent for review."
            ).format(
                new=report.households_created,
                members=report.members_created,
                upd=report.households_updated,
                bad=report.households_rejected,
                dups=report.duplicate_candidates,
            )
        )
