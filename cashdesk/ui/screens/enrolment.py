"""Enrolment (supervisors): who a plan selects and what it would cost, enrolling them, and each
beneficiary's status over time.

Left: the preview per village (a long job with progress and Cancel: the criteria run over the whole
registry). Right: the households enrolled in the plan, paged, and the chosen one's status history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll.enrolment import EnrolmentPreview, enrol, preview_enrolment, status_history
from cashdesk.payroll.plans import list_plans
from cashdesk.registry.search import HouseholdQuery, count_households, list_households
from cashdesk.ui.dialogs.enrolment_dialogs import EnrolByHandDialog, StatusDialog
from cashdesk.ui.ops import OpsHub, error_text
from cashdesk.ui.screens.base import Screen
from cashdesk.ui.screens.money_ui import Notice, compact_rows, enrolment_status, money, number_item
from cashdesk.ui.widgets.paged_model import PagedTableModel
from cashdesk.ui.widgets.tables import row_table

SEARCH_DELAY_MS = 200
TOTAL_BACKGROUND = QColor("#e8eef2")


class EnrolmentScreen(Screen):
    watches = frozenset({"benefit_plans", "plan_criteria", "enrolments", "enrolment_status_changes"})

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        self.plans: dict[str, Any] = {}
        self.preview: EnrolmentPreview | None = None
        self.history: list[Any] = []
        heading = QLabel(self.tr("Enrolment"))
        heading.setObjectName("screenTitle")
        self.plan = QComboBox()
        self.plan.setMinimumContentsLength(28)
        self.plan.currentIndexChanged.connect(lambda _i: self._plan_changed())
        self.preview_button = QPushButton(self.tr("Preview"))
        self.preview_button.setToolTip(self.tr("Count who the plan's criteria select today, per village"))
        self.enrol_button = QPushButton(self.tr("Enrol households"))
        self.by_hand_button = QPushButton(self.tr("Enrol chosen households…"))
        self.preview_button.clicked.connect(self.run_preview)
        self.enrol_button.clicked.connect(self.run_enrol)
        self.by_hand_button.clicked.connect(self.enrol_by_hand)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addSpacing(24)
        top.addWidget(QLabel(self.tr("Plan")))
        top.addWidget(self.plan)
        top.addWidget(self.preview_button)
        top.addStretch(1)
        top.addWidget(self.enrol_button)
        top.addWidget(self.by_hand_button)
        self.notice = Notice()
        split = QSplitter()
        split.setChildrenCollapsible(False)
        split.addWidget(self._preview_pane())
        split.addWidget(self._households_pane())
        split.setSizes([520, 520])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addWidget(split, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.reload_households)
        self._show_preview(None)

    def title(self) -> str:
        return self.tr("Enrolment")

    # --- layout ---
    def _preview_pane(self) -> QWidget:
        box = QGroupBox(self.tr("Who the plan selects"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Village"),
                self.tr("Qualify"),
                self.tr("Enrolled"),
                self.tr("New"),
                self.tr("Cost per cycle"),
            ]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        compact_rows(self.table)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(box)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        return box

    def _households_pane(self) -> QWidget:
        box = QGroupBox(self.tr("Households in the plan"))
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search: name, household code, ID number or phone…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.count = QLabel()
        self.count.setObjectName("hint")
        columns: list[tuple[str, Callable[[Any], Any]]] = [
            (self.tr("Code"), lambda r: r.code),
            (self.tr("Head"), lambda r: r.head_name),
            (self.tr("Village"), lambda r: r.village),
        ]
        self.households = PagedTableModel(columns, self._fetch, parent=self)
        self.household_table = row_table(self.households)
        compact_rows(self.household_table)
        self.household_table.setColumnWidth(0, 130)
        self.household_table.setColumnWidth(1, 200)
        self.household_table.selectionModel().selectionChanged.connect(lambda *_a: self._household_chosen())
        self._keep: str | None = None
        self.households.rowsInserted.connect(lambda *_a: self._reselect())
        self.chosen = QLabel(self.tr("Choose a household to see its status history."))
        self.chosen.setObjectName("hint")
        self.chosen.setWordWrap(True)
        self.status_button = QPushButton(self.tr("Change status…"))
        self.status_button.setEnabled(False)
        self.status_button.clicked.connect(self.change_status)
        chosen_row = QHBoxLayout()
        chosen_row.addWidget(self.chosen, 1)
        chosen_row.addWidget(self.status_button)
        self.history_table = QTableWidget(0, 5)
        self.history_table.setHorizontalHeaderLabels(
            [self.tr("From date"), self.tr("Was"), self.tr("Became"), self.tr("Reason"), self.tr("By")]
        )
        self.history_table.verticalHeader().hide()
        self.history_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history_table.setWordWrap(False)
        compact_rows(self.history_table)
        header = self.history_table.horizontalHeader()
        for column in (0, 1, 2, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(box)
        layout.addWidget(self.search)
        layout.addWidget(self.count)
        layout.addWidget(self.household_table, 3)
        layout.addLayout(chosen_row)
        layout.addWidget(self.history_table, 2)
        return box

    # --- plans ---
    def refresh(self) -> None:
        self.hub.call(list_plans, on_done=self._fill_plans, parent=self)

    def _fill_plans(self, plans: list[Any]) -> None:
        chosen = self.plan.currentData()
        self.plans = {p.code: p for p in plans}
        self.plan.blockSignals(True)
        self.plan.clear()
        for plan in plans:
            self.plan.addItem(f"{plan.code} — {plan.name}", plan.code)
        self.plan.setCurrentIndex(max(0, self.plan.findData(chosen)))
        self.plan.blockSignals(False)
        has_plans = bool(plans)
        for widget in (self.plan, self.preview_button, self.by_hand_button):
            widget.setEnabled(has_plans)
        if not has_plans:
            self.summary.setText(
                self.tr("No benefit plans yet: a supervisor defines one on the Plans screen.")
            )
        if self.plan.currentData() != chosen or self.preview is None:
            self._plan_changed()
        else:
            self.reload_households()

    def plan_code(self) -> str | None:
        code = self.plan.currentData()
        return str(code) if code else None

    def _plan_changed(self) -> None:
        self._show_preview(None)
        self.reload_households()

    # --- preview and enrolment ---
    def run_preview(self) -> None:
        code = self.plan_code()
        if code is None:
            return
        self.notice.clear()
        self.preview_button.setEnabled(False)
        self.hub.job(
            self.tr("Counting who {plan} selects…").format(plan=code),
            preview_enrolment,
            code,
            on_done=self._previewed,
            on_error=self._failed,
            parent=self,
        )

    def _previewed(self, preview: EnrolmentPreview) -> None:
        self.preview_button.setEnabled(True)
        if preview.plan_code == self.plan_code():
            self._show_preview(preview)

    def _failed(self, exc: BaseException) -> None:
        self.preview_button.setEnabled(bool(self.plans))
        self.enrol_button.setEnabled(self.preview is not None and self.preview.new > 0)
        self.notice.problem(error_text(exc))

    def _money(self, preview: EnrolmentPreview, minor: int) -> str:
        return money(minor, minor_units=preview.minor_units, currency=preview.currency)

    def _show_preview(self, preview: EnrolmentPreview | None) -> None:
        self.preview = preview
        self.table.setRowCount(0)
        if preview is None:
            self.enrol_button.setText(self.tr("Enrol households"))
            self.enrol_button.setEnabled(False)
            self.enrol_button.setToolTip(self.tr("Preview first, to see who would be enrolled"))
            if self.plans:
                self.summary.setText(
                    self.tr("Press Preview to count who the plan selects, village by village.")
                )
            return
        # The total first: with a hundred villages it would be out of sight at the bottom.
        rows = [
            (
                self.tr("All villages"),
                preview.qualifying,
                preview.already_enrolled,
                preview.new,
                preview.cost_per_cycle_minor,
            )
        ]
        rows += [
            (f"{c.village} ({c.village_code})", c.qualifying, c.already_enrolled, c.new, c.cost_minor)
            for c in preview.by_location
        ]
        self.table.setRowCount(len(rows))
        bold = QFont(self.font())
        bold.setBold(True)
        for r, (village, qualifying, enrolled, new, cost) in enumerate(rows):
            cells = [
                QTableWidgetItem(village),
                number_item(f"{qualifying:,}"),
                number_item(f"{enrolled:,}"),
                number_item(f"{new:,}"),
                number_item(self._money(preview, cost)),
            ]
            for column, item in enumerate(cells):
                if r == 0:
                    item.setFont(bold)
                    item.setBackground(TOTAL_BACKGROUND)
                self.table.setItem(r, column, item)
        limit = (
            self.tr(" The plan takes at most {n:,} beneficiaries.").format(n=preview.max_beneficiaries)
            if preview.max_beneficiaries is not None
            else ""
        )
        self.summary.setText(
            self.tr(
                "Ages counted on {day}. <b>{q:,} households qualify</b>: {e:,} already enrolled, "
                "<b>{n:,} new</b>. A cycle for all of them costs <b>{cost}</b>.{limit}"
            ).format(
                day=preview.reference.isoformat(),
                q=preview.qualifying,
                e=preview.already_enrolled,
                n=preview.new,
                cost=self._money(preview, preview.cost_per_cycle_minor),
                limit=limit,
            )
        )
        self.enrol_button.setText(
            self.tr("Nobody new to enrol")
            if preview.new == 0
            else self.tr("Enrol 1 household")
            if preview.new == 1
            else self.tr("Enrol {n:,} households").format(n=preview.new)
        )
        self.enrol_button.setEnabled(preview.new > 0 and not preview.enrolled)
        self.enrol_button.setToolTip(
            self.tr("Everyone qualifying is enrolled already") if preview.new == 0 else ""
        )

    def run_enrol(self) -> None:
        code, preview = self.plan_code(), self.preview
        if code is None or preview is None or preview.new == 0:
            return
        answer = QMessageBox.question(
            self,
            self.tr("Enrol households"),
            self.tr(
                "Enrol {n:,} households in {plan}? They become active beneficiaries and go on the next payroll."
            ).format(n=preview.new, plan=code),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.notice.clear()
        self.enrol_button.setEnabled(False)
        self.hub.job(
            self.tr("Enrolling the households {plan} selects…").format(plan=code),
            enrol,
            code,
            on=preview.reference,
            on_done=self._enrolled,
            on_error=self._failed,
            parent=self,
        )

    def _enrolled(self, result: EnrolmentPreview) -> None:
        from dataclasses import replace

        # The result counts as before enrolling; show the plan as it is now (the new ones enrolled).
        now = replace(
            result,
            by_location=tuple(
                replace(c, already_enrolled=c.already_enrolled + c.new, new=0) for c in result.by_location
            ),
            already_enrolled=result.already_enrolled + result.new,
            new=0,
        )
        self._show_preview(now)
        if result.new == 0:  # someone else enrolled them since the preview
            self.notice.ok(
                self.tr("Nobody new to enrol: everyone {plan} selects is enrolled.").format(
                    plan=result.plan_code
                )
            )
        else:
            self.notice.ok(
                self.tr("{n:,} households enrolled in {plan}. They are active beneficiaries now.").format(
                    n=result.new, plan=result.plan_code
                )
            )

    def enrol_by_hand(self) -> None:
        code = self.plan_code()
        if code is None:
            return
        dialog = EnrolByHandDialog(self.hub, code, self.plan.currentText(), parent=self)
        dialog.accepted.connect(
            lambda: self.notice.ok(
                self.tr("{n:,} households enrolled in {plan} by hand.").format(n=dialog.enrolled, plan=code)
            )
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.by_hand_dialog = dialog
        dialog.open()

    # --- households of the plan ---
    def _query(self) -> HouseholdQuery | None:
        plan = self.plans.get(self.plan_code() or "")
        return HouseholdQuery(text=self.search.text(), plan_id=plan.id) if plan else None

    def _fetch(self, offset: int, limit: int, deliver: Callable[[list[Any]], None]) -> None:
        query = self._query()
        if query is None:
            QTimer.singleShot(0, lambda: deliver([]))
            return
        self.hub.call(list_households, query, offset=offset, limit=limit, on_done=deliver, parent=self)

    def reload_households(self) -> None:
        # A status change or an enrolment reloads the list: the household being looked at stays chosen.
        chosen = self.selected_household()
        self._keep = chosen.code if chosen is not None else None
        self.households.reload()
        self._show_history([])
        query = self._query()
        if query is None:
            self.count.setText("")
            return
        self.hub.call(
            count_households,
            query,
            on_done=lambda n: self.count.setText(
                self.tr("1 household") if n == 1 else self.tr("{n:,} households").format(n=n)
            ),
            parent=self,
        )

    def _reselect(self) -> None:
        if self._keep is None:
            return
        for row in range(self.households.loaded):
            if self.households.row(row).code == self._keep:
                self._keep = None
                self.household_table.selectRow(row)
                return

    def selected_household(self) -> Any:
        rows = self.household_table.selectionModel().selectedRows()
        return self.households.row(rows[0].row()) if rows else None

    def _household_chosen(self) -> None:
        household, code = self.selected_household(), self.plan_code()
        self._show_history([])
        if household is None or code is None:
            return
        self.hub.call(
            status_history,
            code,
            household.code,
            on_done=lambda rows: self._history_arrived(household.code, rows),
            on_error=lambda exc: self.notice.problem(error_text(exc)),
            parent=self,
        )

    def _history_arrived(self, household_code: str, rows: list[Any]) -> None:
        chosen = self.selected_household()
        if chosen is not None and chosen.code == household_code:
            self._show_history(rows)

    def current_status(self) -> str | None:
        return self.history[-1].to_status if self.history else None

    def _show_history(self, rows: list[Any]) -> None:
        self.history = rows
        household = self.selected_household()
        self.history_table.setRowCount(len(rows))
        for r, change in enumerate(reversed(rows)):  # newest first: what the user asks about is recent
            values = (
                change.effective_on.isoformat() if change.effective_on else "",
                enrolment_status(change.from_status),
                enrolment_status(change.to_status),
                change.reason,
                change.changed_by,
            )
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.history_table.setItem(r, column, item)
        self.status_button.setEnabled(bool(rows))
        if household is None:
            self.chosen.setText(self.tr("Choose a household to see its status history."))
        elif rows:
            self.chosen.setText(
                self.tr("<b>{code}</b> {head}: <b>{status}</b>").format(
                    code=household.code,
                    head=household.head_name,
                    status=enrolment_status(self.current_status()),
                )
            )

    def change_status(self) -> None:
        household, code, current = self.selected_household(), self.plan_code(), self.current_status()
        if household is None or code is None or current is None:
            return
        dialog = StatusDialog(
            self.hub, plan_code=code, household_code=household.code, current=current, parent=self
        )
        dialog.accepted.connect(
            lambda: self.notice.ok(
                self.tr("{code} is now {status}.").format(
                    code=household.code, status=enrolment_status(dialog.status.currentData()).lower()
                )
            )
        )
        dialog.accepted.connect(self._household_chosen)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.status_dialog = dialog
        dialog.open()
