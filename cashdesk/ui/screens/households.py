"""Households list: search as you type, filters, lazy paging; opens the editor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cashdesk.registry.locations import list_locations
from cashdesk.registry.search import (
    HouseholdQuery,
    HouseholdStatus,
    count_households,
    list_households,
    plan_choices,
)
from cashdesk.security.permissions import Permission
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.base import Screen
from cashdesk.ui.widgets.paged_model import PagedTableModel
from cashdesk.ui.widgets.tables import row_table

SEARCH_DELAY_MS = 200  # wait for a pause in typing before searching


class HouseholdsScreen(Screen):
    watches = frozenset({"households", "members", "duplicate_candidates", "benefit_plans", "enrolments"})
    open_household = Signal(object)  # household id, or None for a new household
    import_requested = Signal()

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        heading = QLabel(self.tr("Households"))
        heading.setObjectName("screenTitle")
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            self.tr("Search: name of any member, household code, ID number or phone…")
        )
        self.search.setClearButtonEnabled(True)
        self.location = QComboBox()
        self.location.addItem(self.tr("All locations"), None)
        self.location.setMinimumContentsLength(18)
        self.status = QComboBox()
        self.status.addItem(self.tr("Any status"), None)
        self.status.addItem(self.tr("Active"), HouseholdStatus.ACTIVE)
        self.status.addItem(self.tr("Inactive"), HouseholdStatus.INACTIVE)
        self.plan = QComboBox()
        self.plan.addItem(self.tr("Any plan"), None)
        self.plan.setMinimumContentsLength(14)
        self.flagged = QCheckBox(self.tr("Open duplicate flag"))
        self.count = QLabel()
        self.count.setObjectName("hint")
        can_register = hub.desk.actor.can(Permission.REGISTER_HOUSEHOLDS)
        self.new_button = QPushButton(self.tr("New household…"))
        self.new_button.setVisible(can_register)
        self.new_button.clicked.connect(lambda: self.open_household.emit(None))
        self.import_button = QPushButton(self.tr("Import…"))
        self.import_button.setVisible(hub.desk.actor.can(Permission.IMPORT_HOUSEHOLDS))
        self.import_button.clicked.connect(self.import_requested)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.import_button)
        top.addWidget(self.new_button)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.location)
        filters.addWidget(self.status)
        filters.addWidget(self.plan)
        filters.addWidget(self.flagged)
        columns: list[tuple[str, Callable[[Any], Any]]] = [
            (self.tr("Code"), lambda r: r.code),
            (self.tr("Head"), lambda r: r.head_name),
            (self.tr("Recipient"), lambda r: r.recipient_name),
            (self.tr("People"), lambda r: r.members),
            (self.tr("Village"), lambda r: r.village),
            (self.tr("Paid by"), lambda r: r.payment_method.replace("_", " ")),
            (self.tr("Pay point"), lambda r: r.pay_point),
            (self.tr("Flags"), lambda r: self.tr("⚑ duplicate?") if r.open_duplicates else ""),
        ]
        self.model = PagedTableModel(columns, self._fetch, parent=self)
        self.table = row_table(self.model)
        for column, width in enumerate((130, 190, 190, 60, 150, 110, 170)):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(
            lambda index: self.open_household.emit(self.model.row(index.row()).id)
        )
        self.table.activated.connect(lambda index: self.open_household.emit(self.model.row(index.row()).id))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.count)
        layout.addWidget(self.table)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.location.currentIndexChanged.connect(lambda _i: self.reload())
        self.status.currentIndexChanged.connect(lambda _i: self.reload())
        self.plan.currentIndexChanged.connect(lambda _i: self.reload())
        self.flagged.toggled.connect(lambda _on: self.reload())
        self._query = HouseholdQuery()
        self._locations_loaded = False

    def title(self) -> str:
        return self.tr("Households")

    def query(self) -> HouseholdQuery:
        return HouseholdQuery(
            text=self.search.text(),
            location_path=self.location.currentData(),
            status=self.status.currentData(),
            plan_id=self.plan.currentData(),
            open_duplicates_only=self.flagged.isChecked(),
        )

    def _fetch(self, offset: int, limit: int, deliver: Callable[[list[Any]], None]) -> None:
        self.hub.call(list_households, self._query, offset=offset, limit=limit, on_done=deliver, parent=self)

    def refresh(self) -> None:
        if not self._locations_loaded:
            self.hub.call(list_locations, on_done=self._fill_locations, parent=self)
        self.hub.call(plan_choices, on_done=self._fill_plans, parent=self)
        self.reload()

    def _fill_plans(self, plans: list[Any]) -> None:
        """Plans come and go (another screen, a sync): refill, keeping the choice if it still exists."""
        chosen = self.plan.currentData()
        self.plan.blockSignals(True)
        while self.plan.count() > 1:
            self.plan.removeItem(1)
        for plan in plans:
            self.plan.addItem(f"{plan.code} — {plan.name}", plan.id)
        self.plan.setCurrentIndex(max(0, self.plan.findData(chosen)))
        self.plan.setEnabled(bool(plans))
        self.plan.setToolTip("" if plans else self.tr("No benefit plans yet: households cannot be enrolled"))
        self.plan.blockSignals(False)
        if self.plan.currentData() != chosen:
            self.reload()

    def _fill_locations(self, locations: list[Any]) -> None:
        self._locations_loaded = True
        self.location.blockSignals(True)
        for loc in locations:
            if self.hub.desk.actor.covers_location(loc.path) or loc.level.value != "village":
                indent = "  " * (loc.path.count("/") - 2)
                self.location.addItem(f"{indent}{loc.name} ({loc.code})", loc.path)
        self.location.blockSignals(False)

    def reload(self) -> None:
        self._query = self.query()
        self.model.reload()
        self.hub.call(count_households, self._query, on_done=self._show_count, parent=self)

    def _show_count(self, n: int) -> None:
        self.count.setText(self.tr("1 household") if n == 1 else self.tr("{n:,} households").format(n=n))
