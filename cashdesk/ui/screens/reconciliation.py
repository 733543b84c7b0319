"""The reconciliation screen (supervisor): import the provider's result file for a payroll, review the lines
by category, decide the exceptions, write the report, and close the payroll as reconciled.

The import runs as a job (progress, Cancel, the window never waits); every decision is one transaction.
Closing is refused, with the reason in words, to whoever imported a file for that payroll (another
supervisor closes it) and while a line still needs a decision.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll.queries import list_payrolls
from cashdesk.payroll.reconciliation import (
    CATEGORY_LABELS,
    Category,
    ImportResult,
    OutcomeRow,
    ReconciliationState,
    close,
    decide,
    import_result_file,
    outcomes,
    state,
)
from cashdesk.payroll.reconciliation_report import write_report
from cashdesk.payroll.result_file import FileColumns, profile_choices, result_columns
from cashdesk.ui.dialogs.result_columns import ResultColumnsDialog
from cashdesk.ui.ops import OpsHub, error_text
from cashdesk.ui.screens.base import Screen
from cashdesk.ui.screens.money_ui import (
    Notice,
    compact_rows,
    money,
    payroll_status,
    reconciliation_category,
    reconciliation_decision,
    when,
)
from cashdesk.ui.widgets.rows_model import RowsModel
from cashdesk.ui.widgets.tables import row_table

SHOWN = 500  # lines listed at once; the filter and the search narrow a large payroll down
OPEN, EXCEPTIONS, EVERYTHING = "open", "exceptions", "all"
DECISION_COLUMN = 7


class ReconciliationScreen(Screen):
    watches = frozenset({"payrolls", "reconciliation_outcomes", "reconciliation_batches", "payment_lines"})

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.current: ReconciliationState | None = None
        self.columns_dialog: ResultColumnsDialog | None = None
        self.output_folder = Path.home()

        self.payroll = QComboBox()
        self.payroll.setMinimumWidth(230)
        self.payroll.currentIndexChanged.connect(lambda _i: self.load())
        self.profile = QComboBox()
        self.profile.addItem(self.tr("Profile: by the file's columns"), None)
        self.import_button = QPushButton(self.tr("Import result file…"))
        self.import_button.clicked.connect(lambda: self.import_file())  # noqa: PLW0108 - clicked passes a bool
        self.report_button = QPushButton(self.tr("Report…"))
        self.report_button.clicked.connect(lambda: self.save_report())  # noqa: PLW0108 - clicked passes a bool
        self.close_button = QPushButton(self.tr("Close as reconciled"))
        self.close_button.setObjectName("primaryButton")
        self.close_button.clicked.connect(self.close_payroll)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Payroll")))
        top.addWidget(self.payroll)
        top.addWidget(self.profile)
        top.addWidget(self.import_button)
        top.addStretch(1)
        top.addWidget(self.report_button)
        top.addWidget(self.close_button)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice = Notice()

        self.show_filter = QComboBox()
        self.show_filter.addItem(self.tr("Needing a decision"), OPEN)
        self.show_filter.addItem(self.tr("All exceptions"), EXCEPTIONS)
        for category in Category:
            self.show_filter.addItem(CATEGORY_LABELS[category], category.value)
        self.show_filter.addItem(self.tr("Every line"), EVERYTHING)
        self.show_filter.currentIndexChanged.connect(lambda _i: self.load_rows())
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Find a transaction number, household or name"))
        self.search.returnPressed.connect(self.load_rows)
        self.accept_button = QPushButton(self.tr("Accept"))
        self.accept_button.setToolTip(
            self.tr("Take the provider's answer (paid at its amount; an unknown row noted)")
        )
        self.unpaid_button = QPushButton(self.tr("Mark unpaid"))
        self.flag_button = QPushButton(self.tr("Flag…"))
        self.flag_button.setToolTip(
            self.tr("To be investigated, with a note; the payroll cannot close meanwhile")
        )
        self.accept_button.clicked.connect(lambda: self.decide_selected("accept"))
        self.unpaid_button.clicked.connect(lambda: self.decide_selected("mark_unpaid"))
        self.flag_button.clicked.connect(lambda: self.decide_selected("flag"))
        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("Show")))
        filters.addWidget(self.show_filter)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.accept_button)
        filters.addWidget(self.unpaid_button)
        filters.addWidget(self.flag_button)

        self.rows = RowsModel(
            [
                (self.tr("Category"), lambda r: reconciliation_category(r.category)),
                (self.tr("Transaction"), lambda r: r.transaction_number),
                (self.tr("Household"), lambda r: r.household_code),
                (self.tr("Recipient"), lambda r: r.recipient_name),
                (self.tr("Due"), lambda r: self._money(r.due_minor)),
                (self.tr("The provider said"), self._provider_said),
                (self.tr("Clerk said"), lambda r: r.recorded_at_pay_point.replace("_", " ")),
                (self.tr("Decision"), self._decision),
            ],
            warning=lambda r, column: self.tr("Needs a decision") if column == DECISION_COLUMN and not r.resolved else "",
            tooltip=self._tooltip,
            parent=self,
        )  # fmt: skip
        self.table = row_table(self.rows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        for column, width in enumerate((140, 132, 128, 140, 78, 190, 75)):
            self.table.setColumnWidth(column, width)
        compact_rows(self.table)
        self.shown = QLabel()

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.notice)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.shown)
        self._enable()

    def title(self) -> str:
        return self.tr("Reconciliation")

    # --- loading ---
    def refresh(self) -> None:
        self.hub.call(list_payrolls, on_done=self._payrolls, parent=self)
        if self.profile.count() == 1:
            self.hub.call(profile_choices, on_done=self._profiles, parent=self)

    def _profiles(self, choices: list[tuple[str, str]]) -> None:
        for name, label in choices:
            self.profile.addItem(self.tr("Profile: {label}").format(label=label), name)

    def _payrolls(self, payrolls: list[Any]) -> None:
        chosen = self.code()
        self.payroll.blockSignals(True)
        self.payroll.clear()
        for p in payrolls:
            if p.status in ("approved", "reconciled"):
                self.payroll.addItem(f"{p.code} · {payroll_status(p.status)}", p.code)
        index = self.payroll.findData(chosen) if chosen else -1
        self.payroll.setCurrentIndex(max(index, 0))
        self.payroll.blockSignals(False)
        self.load()

    def code(self) -> str | None:
        data = self.payroll.currentData()
        return str(data) if data else None

    def load(self) -> None:
        code = self.code()
        if code is None:
            self.current = None
            self.summary.setText(self.tr("No approved payroll to reconcile yet."))
            self.rows.set_rows([])
            self._enable()
            return
        self.hub.call(state, payroll_code=code, on_done=self._state, on_error=self._refused, parent=self)
        self.load_rows()

    def _state(self, now: ReconciliationState) -> None:
        if now.payroll_code != self.code():
            return
        self.current = now
        files = "; ".join(
            self.tr("{file} ({n:,} rows, {at}, {who})").format(
                file=html.escape(b.file_name), n=b.rows, at=when(b.loaded_at), who=html.escape(b.loaded_by))
            for b in now.batches
        ) or self.tr("none yet: import the provider's result file")  # fmt: skip
        counts = " · ".join(
            f"{html.escape(CATEGORY_LABELS[c])}: <b>{now.counts[c.value]:,}</b>" for c in Category if now.counts.get(c.value)
        )  # fmt: skip
        if now.status == "reconciled":
            standing = self.tr("<b>Closed as reconciled</b> by {who} on {at}.").format(
                who=html.escape(now.reconciled_by), at=when(now.reconciled_at))  # fmt: skip
        elif not now.batches:
            standing = ""
        elif now.open:
            standing = self.tr("<span style='color:#b00020'><b>{n:,}</b> line(s) still need a decision "
                               "({f:,} flagged).</span>").format(n=now.open, f=now.flagged)  # fmt: skip
        else:
            standing = self.tr("<span style='color:#1b5e20'>Every line has an outcome: a supervisor who did not "
                               "import the file may close the payroll.</span>")  # fmt: skip
        self.summary.setText(
            "<br>".join(
                x for x in (self.tr("Provider's files: {files}").format(files=files), counts, standing) if x
            )
        )
        self._enable()

    def load_rows(self) -> None:
        code = self.code()
        if code is None:
            return
        shown = self.show_filter.currentData()
        category = shown if shown not in (OPEN, EXCEPTIONS, EVERYTHING) else None
        self.hub.call(
            outcomes, payroll_code=code, category=category, open_only=shown == OPEN,
            exceptions_only=shown in (OPEN, EXCEPTIONS), text=self.search.text(), limit=SHOWN,
            on_done=lambda rows: self._rows(code, rows), on_error=self._refused, parent=self,
        )  # fmt: skip

    def _rows(self, code: str, rows: list[OutcomeRow]) -> None:
        if code != self.code():
            return
        self.rows.set_rows(rows)
        self.shown.setText(
            self.tr("The first {n:,} lines are shown: choose a category or search to see others.").format(
                n=SHOWN
            )
            if len(rows) >= SHOWN
            else self.tr("{n:,} line(s) shown.").format(n=len(rows))
        )
        self._enable()

    # --- actions ---
    def _enable(self) -> None:
        open_for_work = self.current is not None and self.current.status == "approved"
        self.import_button.setEnabled(open_for_work)
        self.profile.setEnabled(open_for_work)
        self.close_button.setEnabled(bool(self.current and self.current.can_close))
        self.report_button.setEnabled(bool(self.current and self.current.batches))
        for button in (self.accept_button, self.unpaid_button, self.flag_button):
            button.setEnabled(open_for_work and self.rows.rowCount() > 0)

    def import_file(self, path: Path | None = None, *, check_columns: bool = False) -> None:
        """Import the provider's file. Chosen in the window, its columns are shown for checking first."""
        code = self.code()
        if code is None:
            return
        if path is None:
            chosen, _filter = QFileDialog.getOpenFileName(
                self, self.tr("The provider's result file for {code}").format(code=code), str(self.output_folder),
                self.tr("Result files (*.csv *.xlsx);;All files (*)"),
            )  # fmt: skip
            if not chosen:
                return
            path, check_columns = Path(chosen), True
        self.output_folder = path.parent
        self.notice.clear()
        if check_columns:
            self.hub.call(result_columns, path=path, profile=self.profile.currentData(),
                          on_done=lambda columns: self._check_columns(code, path, columns), on_error=self._refused,
                          parent=self)  # fmt: skip
        else:
            self._start_import(code, path)

    def _check_columns(self, code: str, path: Path, columns: FileColumns) -> None:
        self.columns_dialog = ResultColumnsDialog(columns, self)
        self.columns_dialog.accepted.connect(
            lambda: self._start_import(
                code, path, mapping=self.columns_dialog.chosen(),
                save_as=self.columns_dialog.save_as.text().strip() or None, profile=columns.profile,
            )
        )  # fmt: skip
        self.columns_dialog.open()

    def _start_import(
        self, code: str, path: Path, *, mapping: dict[str, str] | None = None, save_as: str | None = None,
        profile: str | None = None,
    ) -> None:  # fmt: skip
        self.hub.job(
            self.tr("Matching {file} against {code}…").format(file=path.name, code=code),
            import_result_file, payroll_code=code, path=path, profile=profile or self.profile.currentData(),
            mapping=mapping, save_profile_as=save_as,
            on_done=self._imported, on_error=self._refused, parent=self,
        )  # fmt: skip

    def _imported(self, result: ImportResult) -> None:
        if result.already_imported:
            self.notice.ok(" ".join(result.warnings))
        else:
            text = self.tr(
                "{file}: {n:,} rows matched (profile {profile}); {replaced:,} earlier answers replaced."
            )
            warnings = " ".join(result.warnings)
            self.notice.ok(
                text.format(
                    file=result.file_name, n=result.rows, profile=result.profile, replaced=result.replaced
                )
                + (f" {warnings}" if warnings else "")
            )
        self.load()
        if self.profile.count() > 1:  # a profile saved with this file joins the list
            self.profile.clear()
            self.profile.addItem(self.tr("Profile: by the file's columns"), None)
            self.hub.call(profile_choices, on_done=self._profiles, parent=self)

    def selected(self) -> list[OutcomeRow]:
        return [self.rows.row(i.row()) for i in self.table.selectionModel().selectedRows()]

    def decide_selected(self, decision: str, note: str | None = None) -> None:
        code, chosen = self.code(), self.selected()
        if code is None or not chosen:
            self.notice.problem(self.tr("Select the lines to decide first (Ctrl or Shift for several)."))
            return
        if note is None and decision == "flag":
            note, given = QInputDialog.getText(
                self, self.tr("Flag for investigation"), self.tr("Why? (a note)")
            )
            if not given:
                return
        self.hub.call(
            decide, payroll_code=code, outcome_ids=[r.id for r in chosen], decision=decision, note=note or "",
            on_done=lambda n: self._decided(n, decision), on_error=self._refused, parent=self,
        )  # fmt: skip

    def _decided(self, n: int, decision: str) -> None:
        self.notice.ok(self.tr("{what}: {n:,} line(s).").format(what=reconciliation_decision(decision), n=n))
        self.load()

    def close_payroll(self) -> None:
        code = self.code()
        if code is None:
            return
        self.hub.call(close, payroll_code=code, on_done=self._closed, on_error=self._refused, parent=self)

    def _closed(self, now: ReconciliationState) -> None:
        self.notice.ok(self.tr("Payroll {code} is closed as reconciled.").format(code=now.payroll_code))
        self.refresh()

    def save_report(self, path: Path | None = None) -> None:
        code = self.code()
        if code is None:
            return
        if path is None:
            chosen, _filter = QFileDialog.getSaveFileName(
                self, self.tr("Save the reconciliation report"), str(self.output_folder / f"{code}-reconciliation.pdf"),
                self.tr("PDF (*.pdf);;Excel workbook (*.xlsx)"),
            )  # fmt: skip
            if not chosen:
                return
            path = Path(chosen)
        self.output_folder = path.parent
        self.hub.job(
            self.tr("Writing the reconciliation report of {code}…").format(code=code), write_report,
            payroll_code=code, out=path,
            on_done=lambda _r: self.notice.ok(self.tr("Report saved: {path}").format(path=path)),
            on_error=self._refused, parent=self,
        )  # fmt: skip

    def _refused(self, exc: BaseException) -> None:
        self.notice.problem(error_text(exc))

    # --- cells ---
    def _money(self, minor: int | None, *, currency: bool = False) -> str:
        if minor is None or self.current is None:
            return ""
        text = money(minor, minor_units=self.current.minor_units, currency="")
        return f"{text} {self.current.currency}" if currency else text

    def _provider_said(self, row: OutcomeRow) -> str:
        """ "SUCCESS 9,000.00 on 16 Mar" or "FAILED: Account not registered": what the file's row said."""
        if not row.provider_status:
            return ""
        parts = [row.provider_status]
        if row.provider_amount_minor is not None and row.provider_amount_minor != row.due_minor:
            parts.append(self._money(row.provider_amount_minor))
        if row.provider_reason:
            parts[-1] += ":"
            parts.append(row.provider_reason)
        if row.completed_at is not None:
            parts.append(row.completed_at.astimezone().strftime("%d %b"))
        return " ".join(parts)

    def _tooltip(self, row: OutcomeRow, column: int) -> str:
        lines = [row.category_label]
        if row.due_minor is not None:
            lines.append(self.tr("Due: {amount}").format(amount=self._money(row.due_minor, currency=True)))
        if row.provider_status:
            lines.append(self.tr("Provider: {status} {amount}, receipt {receipt}, completed {at}").format(
                status=row.provider_status, amount=self._money(row.provider_amount_minor, currency=True),
                receipt=row.provider_transaction_id or "—", at=when(row.completed_at) or "—"))  # fmt: skip
        if row.provider_reason:
            lines.append(row.provider_reason)
        if row.decided_by:
            lines.append(self.tr("Decided by {who}").format(who=row.decided_by))
        return "\n".join(lines)

    def _decision(self, row: OutcomeRow) -> str:
        if row.decision:
            said = reconciliation_decision(row.decision)
            return f"{said}: {row.note}" if row.note else said
        return self.tr("to decide") if not row.resolved else self.tr("as the file says")
