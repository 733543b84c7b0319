"""The enrolment screen's right half: the households enrolled in the chosen plan (paged, searchable), the
chosen one's status history, newest first, and Change status…"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll.enrolment import status_history
from cashdesk.registry.search import HouseholdQuery, count_households, list_households
from cashdesk.ui.dialogs.enrolment_dialogs import Enrolled, StatusDialog
from cashdesk.ui.ops import OpsHub, error_text
from cashdesk.ui.screens.money_ui import Notice, compact_rows, enrolment_status
from cashdesk.ui.widgets.paged_model import PagedTableModel
from cashdesk.ui.widgets.tables import row_table

SEARCH_DELAY_MS = 200  # wait for a pause in typing before searching


class PlanHouseholds(QGroupBox):
    def __init__(self, hub: OpsHub, notice: Notice, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Households in the plan"))
        self.hub = hub
        self.notice = notice
        self.plan_code: str | None = None
        self.plan_id: uuid.UUID | None = None
        self.individual = False  # a plan for individuals: the history is of each enrolled member
        self.history: list[Any] = []
        self.status_dialog: StatusDialog | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.reload)
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
        self.model = PagedTableModel(columns, self._fetch, parent=self)
        self.table = row_table(self.model)
        compact_rows(self.table)
        self.table.setColumnWidth(0, 130)
        self.table.setColumnWidth(1, 200)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._household_chosen())
        self._keep: str | None = None
        self.model.rowsInserted.connect(lambda *_a: self._reselect())
        self.chosen = QLabel(self.tr("Choose a household to see its status history."))
        self.chosen.setObjectName("hint")
        self.chosen.setWordWrap(True)
        self.status_button = QPushButton(self.tr("Change status…"))
        self.status_button.setEnabled(False)
        self.status_button.clicked.connect(self.change_status)
        chosen_row = QHBoxLayout()
        chosen_row.addWidget(self.chosen, 1)
        chosen_row.addWidget(self.status_button)
        self.history_table = QTableWidget(0, 6)
        self.history_table.setHorizontalHeaderLabels(
            [
                self.tr("From date"),
                self.tr("Person"),
                self.tr("Was"),
                self.tr("Became"),
                self.tr("Reason"),
                self.tr("By"),
            ]
        )
        self.history_table.verticalHeader().hide()
        self.history_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history_table.setWordWrap(False)
        compact_rows(self.history_table)
        header = self.history_table.horizontalHeader()
        for column in (0, 1, 2, 3, 5):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.history_table.setColumnHidden(1, True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.count)
        layout.addWidget(self.table, 3)
        layout.addLayout(chosen_row)
        layout.addWidget(self.history_table, 2)

    def set_plan(self, code: str | None, plan_id: uuid.UUID | None, *, individual: bool = False) -> None:
        changed = code != self.plan_code
        self.plan_code, self.plan_id, self.individual = code, plan_id, individual
        self.setTitle(
            self.tr("Households with people in the plan") if individual else self.tr("Households in the plan")
        )
        self.history_table.setColumnHidden(1, not individual)
        # Room for the person's name and the reason on a 1366-pixel screen: what someone was before a
        # change is the row below it.
        self.history_table.setColumnHidden(2, individual)
        if changed:
            self._keep = None
            self.table.clearSelection()
        self.reload()

    def _query(self) -> HouseholdQuery | None:
        return HouseholdQuery(text=self.search.text(), plan_id=self.plan_id) if self.plan_id else None

    def _fetch(self, offset: int, limit: int, deliver: Callable[[list[Any]], None]) -> None:
        query = self._query()
        if query is None:
            QTimer.singleShot(0, lambda: deliver([]))
            return
        self.hub.call(list_households, query, offset=offset, limit=limit, on_done=deliver, parent=self)

    def reload(self) -> None:
        # A status change or an enrolment reloads the list: the household being looked at stays chosen.
        chosen = self.selected_household()
        self._keep = chosen.code if chosen is not None else None
        self.model.reload()
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
        for row in range(self.model.loaded):
            if self.model.row(row).code == self._keep:
                self._keep = None
                self.table.selectRow(row)
                return

    def selected_household(self) -> Any:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def _household_chosen(self) -> None:
        household, code = self.selected_household(), self.plan_code
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

    def enrolled_people(self) -> list[Enrolled]:
        """In a plan for individuals, each enrolled member of the chosen household with their status now."""
        latest: dict[uuid.UUID, Enrolled] = {}
        for change in self.history:  # oldest first: the last change of each person is their status
            if change.member_id is not None:
                latest[change.member_id] = Enrolled(change.member_id, change.person, change.to_status)
        return list(latest.values())

    def _show_history(self, rows: list[Any]) -> None:
        self.history = rows
        household = self.selected_household()
        self.history_table.setRowCount(len(rows))
        for r, change in enumerate(reversed(rows)):  # newest first: what the user asks about is recent
            values = (
                change.effective_on.isoformat() if change.effective_on else "",
                change.person,
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
        elif rows and self.individual:
            self.chosen.setText(
                f"<b>{household.code}</b> {household.head_name}: "
                + ", ".join(
                    f"{p.name} <b>{enrolment_status(p.status).lower()}</b>" for p in self.enrolled_people()
                )
            )
        elif rows:
            self.chosen.setText(
                self.tr("<b>{code}</b> {head}: <b>{status}</b>").format(
                    code=household.code,
                    head=household.head_name,
                    status=enrolment_status(self.current_status()),
                )
            )

    def change_status(self) -> None:
        household, code, current = self.selected_household(), self.plan_code, self.current_status()
        if household is None or code is None or current is None:
            return
        people = self.enrolled_people() if self.individual else None
        dialog = StatusDialog(
            self.hub,
            plan_code=code,
            household_code=household.code,
            current=current,
            people=people,
            parent=self,
        )
        dialog.accepted.connect(
            lambda: self.notice.ok(
                self.tr("{who} is now {status}.").format(
                    who=dialog.person.currentText() if people else household.code,
                    status=enrolment_status(dialog.status.currentData()).lower(),
                )
            )
        )
        dialog.accepted.connect(self._household_chosen)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.status_dialog = dialog
        dialog.open()
