"""Payment providers and their pay points (administrators): who pays the households, under which contract,
and where. Everything goes through cashdesk.payroll.providers; this screen only shows and asks."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cashdesk.payroll.providers import WEEKDAYS, import_pay_points, list_pay_points, list_providers
from cashdesk.payroll.removal import remove_pay_point, remove_provider
from cashdesk.registry.locations import list_locations
from cashdesk.security.permissions import Role
from cashdesk.security.users import list_users
from cashdesk.ui.dialogs.provider_dialogs import (
    DAY_LABELS,
    PayPointDialog,
    ProviderDialog,
    contract_problem,
    kind_label,
)
from cashdesk.ui.ops import OpsHub, error_text
from cashdesk.ui.screens.base import Screen
from cashdesk.ui.widgets.alive import guarded
from cashdesk.ui.widgets.rows_model import RowsModel
from cashdesk.ui.widgets.tables import row_table

PROVIDER_STATUS_COLUMN, CONTACT_COLUMN = 6, 7


class ProvidersScreen(Screen):
    watches = frozenset({"providers", "pay_points", "pay_point_clerks", "users"})

    def __init__(self, hub: OpsHub, parent: QWidget | None = None) -> None:
        super().__init__(hub, parent)
        heading = QLabel(self.tr("Payment providers"))
        heading.setObjectName("screenTitle")
        intro = QLabel(
            self.tr(
                "Money reaches households only through these providers and their pay points. "
                "Choose a provider to see its pay points below."
            )
        )
        intro.setObjectName("hint")
        intro.setWordWrap(True)
        self.provider_model = RowsModel(
            [
                (self.tr("Code"), lambda p: p.code),
                (self.tr("Name"), lambda p: p.name),
                (self.tr("Kind"), lambda p: self.tr(kind_label(p.kind))),
                (self.tr("Pay points"), lambda p: p.pay_points),
                (self.tr("Contract"), lambda p: p.contract_ref or "—"),
                (self.tr("Valid"), self._validity),
                (self.tr("Status"), self._status),
                (self.tr("Contact"), lambda p: ", ".join(x for x in (p.contact_name, p.phone) if x)),
            ],
            tooltip=self._provider_tip,
            warning=lambda p, column: contract_problem(p) if column in (5, PROVIDER_STATUS_COLUMN) else "",
            muted=lambda p: not p.active,
            parent=self,
        )
        self.providers = row_table(self.provider_model)
        self.providers.doubleClicked.connect(lambda _index: self.edit_provider())
        self.empty = QLabel(self.tr("No payment providers yet. Add the first one with “New provider…”."))
        self.empty.setObjectName("hint")
        self.new_provider_button = QPushButton(self.tr("New provider…"))
        self.edit_provider_button = QPushButton(self.tr("Edit provider…"))
        self.remove_provider_button = QPushButton(self.tr("Remove…"))
        self.remove_provider_button.setToolTip(
            self.tr("Only a provider nothing depends on yet (entered by mistake)")
        )
        self.new_provider_button.clicked.connect(self.new_provider)
        self.edit_provider_button.clicked.connect(self.edit_provider)
        self.remove_provider_button.clicked.connect(lambda: self.remove_provider())  # noqa: PLW0108 - clicked passes a bool
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.new_provider_button)
        top.addWidget(self.edit_provider_button)
        top.addWidget(self.remove_provider_button)

        self.points_heading = QLabel()
        self.points_heading.setStyleSheet("font-weight: 600; font-size: 11pt;")
        self.point_model = RowsModel(
            [
                (self.tr("Code"), lambda r: r.code),
                (self.tr("Name"), lambda r: r.name),
                (self.tr("Village"), lambda r: f"{r.village_name} ({r.village_code})"),
                (self.tr("Address"), lambda r: r.address),
                (self.tr("Open on"), lambda r: self._days(r.opening_days)),
                (self.tr("Clerks"), self._clerks),
                (self.tr("Status"), lambda r: self.tr("open") if r.active else self.tr("closed")),
            ],
            muted=lambda r: not r.active,
            parent=self,
        )
        self.points = row_table(self.point_model)
        self.points.doubleClicked.connect(lambda _index: self.edit_pay_point())
        self.new_point_button = QPushButton(self.tr("New pay point…"))
        self.edit_point_button = QPushButton(self.tr("Edit pay point…"))
        self.import_button = QPushButton(self.tr("Import pay points…"))
        self.import_button.setToolTip(
            self.tr(
                "A CSV or Excel file with the columns code, name, provider, village, and if you have them "
                "address, opening_days (e.g. mon,wed,fri) and clerks (user names). All rows or none are saved."
            )
        )
        self.remove_point_button = QPushButton(self.tr("Remove…"))
        self.remove_point_button.setToolTip(
            self.tr("Only a pay point nothing depends on yet (entered by mistake)")
        )
        self.new_point_button.clicked.connect(self.new_pay_point)
        self.edit_point_button.clicked.connect(self.edit_pay_point)
        self.remove_point_button.clicked.connect(lambda: self.remove_pay_point())  # noqa: PLW0108 - clicked passes a bool
        self.import_button.clicked.connect(self.choose_import_file)
        self.import_result = QLabel()
        self.import_result.setWordWrap(True)
        self.import_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_result.hide()
        point_bar = QHBoxLayout()
        point_bar.addWidget(self.points_heading)
        point_bar.addStretch(1)
        for button in (
            self.new_point_button,
            self.edit_point_button,
            self.remove_point_button,
            self.import_button,
        ):
            point_bar.addWidget(button)

        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addWidget(self.providers)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 6, 0, 0)
        lower_layout.addLayout(point_bar)
        lower_layout.addWidget(self.import_result)
        lower_layout.addWidget(self.points)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([260, 340])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(intro)
        # With nothing to list, say so in the middle of the screen rather than show empty tables.
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("font-size: 12pt; padding: 40px;")
        self.body = QStackedWidget()
        self.body.addWidget(splitter)
        self.body.addWidget(self.empty)
        layout.addWidget(self.body, 1)
        # Sized so that every column shows at 1280x720 (the last one takes what is left, at least
        # the header's default 100 px).
        for column, width in enumerate((55, 165, 100, 80, 130, 180, 105)):
            self.providers.setColumnWidth(column, width)
        for column, width in enumerate((70, 180, 160, 185, 140, 180)):
            self.points.setColumnWidth(column, width)
        self.providers.selectionModel().selectionChanged.connect(self._provider_chosen)
        self.points.selectionModel().selectionChanged.connect(self._update_buttons)
        self._wanted_provider = ""  # kept across a refresh, so a save does not lose the user's place
        self._names: dict[str, str] = {}
        self._update_buttons()

    def title(self) -> str:
        return self.tr("Payment providers")

    # --- display helpers ---
    def _provider_tip(self, p: Any, column: int) -> str:
        if column == CONTACT_COLUMN:  # the e-mail address does not fit in the list
            return "\n".join(x for x in (p.contact_name, p.phone, p.email) if x)
        return str(self.provider_model.columns[column][1](p) or "")

    def _validity(self, p: Any) -> str:
        if not p.contract_from and not p.contract_to:
            return "—"
        start = p.contract_from.isoformat() if p.contract_from else self.tr("…")
        end = p.contract_to.isoformat() if p.contract_to else self.tr("no end date")
        return f"{start} → {end}"

    def _status(self, p: Any) -> str:
        if not p.active:
            return self.tr("not in use")
        today = date.today()
        if p.contract_to and p.contract_to < today:
            return self.tr("⚠ EXPIRED")
        if p.contract_from and p.contract_from > today:
            return self.tr("not started")
        return self.tr("valid") if p.contract_from or p.contract_to else self.tr("no dates given")

    def _days(self, days: str) -> str:
        """'mon,tue,wed,thu,fri' -> 'Mon–Fri'; 'mon,wed,fri' -> 'Mon, Wed, Fri'."""
        chosen = [d in days.split(",") for d in WEEKDAYS]
        parts: list[str] = []
        i = 0
        while i < len(WEEKDAYS):
            if not chosen[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(WEEKDAYS) and chosen[j + 1]:
                j += 1
            first, last = self.tr(DAY_LABELS[WEEKDAYS[i]]), self.tr(DAY_LABELS[WEEKDAYS[j]])
            parts += (
                [f"{first}–{last}"] if j - i >= 2 else [self.tr(DAY_LABELS[d]) for d in WEEKDAYS[i : j + 1]]
            )
            i = j + 1
        return ", ".join(parts) or self.tr("not set")

    def _clerks(self, point: Any) -> str:
        return ", ".join(self._names.get(c, c) for c in point.clerks) or self.tr("none yet")

    # --- loading ---
    def refresh(self) -> None:
        current = self.selected_provider()
        if current is not None:
            self._wanted_provider = current.code
        # Clerks' names are a nicety: without the right to list users the list shows user names.
        self.hub.call(list_users, **guarded(self, self._got_users, lambda _exc: None))
        self.hub.call(list_providers, **guarded(self, self._show_providers))

    def _got_users(self, users: list[Any]) -> None:
        self._names = {u.username: u.full_name for u in users}  # clerks by name, not user name

    def _show_providers(self, rows: list[Any]) -> None:
        self.provider_model.set_rows(rows)
        self.body.setCurrentWidget(self.body.widget(0) if rows else self.empty)
        codes = [p.code for p in rows]
        if rows:
            wanted = self._wanted_provider if self._wanted_provider in codes else codes[0]
            self.providers.selectRow(codes.index(wanted))
        else:
            self._provider_chosen()

    def selected_provider(self) -> Any:
        rows = self.providers.selectionModel().selectedRows()
        return self.provider_model.row(rows[0].row()) if rows else None

    def selected_pay_point(self) -> Any:
        rows = self.points.selectionModel().selectedRows()
        return self.point_model.row(rows[0].row()) if rows else None

    def _provider_chosen(self, *args: Any) -> None:
        provider = self.selected_provider()
        self.point_model.set_rows([])
        if provider is None:
            self.points_heading.setText(self.tr("Pay points"))
        else:
            self._wanted_provider = provider.code
            self.points_heading.setText(self.tr("Pay points of {name}").format(name=provider.name))
            self.hub.call(
                list_pay_points,
                provider=provider.code,
                **guarded(self, lambda rows, code=provider.code: self._show_points(code, rows)),
            )
        self._update_buttons()

    def _show_points(self, code: str, rows: list[Any]) -> None:
        provider = self.selected_provider()
        if provider is not None and provider.code == code:  # not an answer for a provider left since
            self.point_model.set_rows(rows)
            self._update_buttons()

    def _update_buttons(self, *args: Any) -> None:
        has_provider = self.selected_provider() is not None
        self.edit_provider_button.setEnabled(has_provider)
        self.remove_provider_button.setEnabled(has_provider)
        self.new_point_button.setEnabled(has_provider)
        self.edit_point_button.setEnabled(self.selected_pay_point() is not None)
        self.remove_point_button.setEnabled(self.selected_pay_point() is not None)

    # --- providers ---
    def new_provider(self) -> ProviderDialog:
        taken = frozenset(p.code for p in self.provider_model.rows)
        dialog = ProviderDialog(self.hub, taken_codes=taken, parent=self)
        dialog.saved.connect(lambda row: setattr(self, "_wanted_provider", row.code))
        dialog.open()
        return dialog

    def edit_provider(self) -> ProviderDialog | None:
        provider = self.selected_provider()
        if provider is None:
            return None
        dialog = ProviderDialog(self.hub, provider, parent=self)
        dialog.open()
        return dialog

    def remove_provider(self, *, confirm: bool = True) -> None:
        provider = self.selected_provider()
        if provider is None or (confirm and not self._sure(provider.code, provider.name)):
            return
        self.hub.call(remove_provider, provider.code, **guarded(self, self._removed, self._import_failed))

    def _sure(self, code: str, name: str) -> bool:
        answer = QMessageBox.question(
            self, self.tr("Remove"), self.tr("Remove {code} {name}? Only what nothing depends on can go.").format(
                code=code, name=name)
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes

    def _removed(self, code: str) -> None:
        self.import_result.setObjectName("okLabel")
        self.import_result.setText(self.tr("{code} removed.").format(code=code))
        self._restyle(self.import_result)

    # --- pay points ---
    def remove_pay_point(self, *, confirm: bool = True) -> None:
        point = self.selected_pay_point()
        if point is None or (confirm and not self._sure(point.code, point.name)):
            return
        self.hub.call(remove_pay_point, point.code, **guarded(self, self._removed, self._import_failed))

    def _with_choices(self, then: Any) -> None:
        """Villages and pay point clerks for the pay point dialog, read off the UI thread."""

        def got_locations(locations: list[Any]) -> None:
            villages = [loc for loc in locations if loc.level.value == "village"]

            def got_users(users: list[Any]) -> None:
                then(villages, [u for u in users if u.role == Role.PAY_POINT_CLERK and u.active])

            self.hub.call(list_users, **guarded(self, got_users))

        self.hub.call(list_locations, **guarded(self, got_locations))

    def new_pay_point(self) -> None:
        provider = self.selected_provider()
        if provider is None:
            return
        self._with_choices(
            lambda villages, clerks: self._open_point_dialog(villages, clerks, None, provider.code)
        )

    def edit_pay_point(self) -> None:
        point = self.selected_pay_point()
        if point is not None:
            self._with_choices(
                lambda villages, clerks: self._open_point_dialog(villages, clerks, point, point.provider_code)
            )

    def _open_point_dialog(self, villages: list[Any], clerks: list[Any], point: Any, provider: str) -> None:
        self.point_dialog = PayPointDialog(
            self.hub,
            providers=self.provider_model.rows,
            villages=villages,
            clerks=clerks,
            point=point,
            provider_code=provider,
            taken_codes=frozenset(r.code for r in self.point_model.rows),
            parent=self,
        )
        self.point_dialog.open()

    # --- import ---
    def choose_import_file(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Import pay points"), "", self.tr("Spreadsheets (*.csv *.xlsx);;All files (*)")
        )
        if name:
            self.import_from(Path(name))

    def import_from(self, path: Path) -> None:
        self.import_result.hide()
        self.import_button.setEnabled(False)
        self.hub.job(
            self.tr("Importing pay points from {file}…").format(file=path.name),
            import_pay_points,
            path,
            **guarded(self, self._imported, self._import_failed),
        )

    def _imported(self, result: Any) -> None:
        self.import_button.setEnabled(True)
        self.import_result.setObjectName("okLabel")
        self.import_result.setText(
            self.tr("Pay points imported: {created} new, {updated} changed.").format(
                created=result.created, updated=result.updated
            )
        )
        self._restyle(self.import_result)

    def _import_failed(self, exc: BaseException) -> None:
        self.import_button.setEnabled(True)
        self.import_result.setObjectName("errorLabel")
        self.import_result.setText(error_text(exc))
        self._restyle(self.import_result)

    @staticmethod
    def _restyle(label: QLabel) -> None:
        label.style().unpolish(label)
        label.style().polish(label)
        label.show()
