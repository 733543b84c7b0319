"""The main window: navigation on the left, the current screen on the right, status at the bottom."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from cashdesk import __version__
from cashdesk.security.permissions import Permission, role_label
from cashdesk.sync.status import sync_status
from cashdesk.ui.auto_sync import AutoSync
from cashdesk.ui.dialogs.household_editor import HouseholdEditor
from cashdesk.ui.dialogs.import_households import ImportDialog
from cashdesk.ui.dialogs.login import ChangePasswordDialog
from cashdesk.ui.idle import IdleWatcher
from cashdesk.ui.lock_screen import LockScreen
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.audit_trail import AuditScreen
from cashdesk.ui.screens.base import Screen
from cashdesk.ui.screens.conflicts import ConflictsScreen
from cashdesk.ui.screens.duplicates_review import DuplicatesScreen
from cashdesk.ui.screens.enrolment import EnrolmentScreen
from cashdesk.ui.screens.home import HomeScreen
from cashdesk.ui.screens.households import HouseholdsScreen
from cashdesk.ui.screens.pay_point import PayPointScreen
from cashdesk.ui.screens.payroll import PayrollScreen
from cashdesk.ui.screens.plans import PlansScreen
from cashdesk.ui.screens.providers import ProvidersScreen
from cashdesk.ui.screens.reconciliation import ReconciliationScreen
from cashdesk.ui.screens.settings import SettingsScreen
from cashdesk.ui.screens.sync import SYNCED_TABLES, SyncScreen
from cashdesk.ui.screens.users import UsersScreen


class MainWindow(QMainWindow):
    logged_out = Signal()

    def __init__(self, hub: OpsHub, idle_minutes: int = 10) -> None:
        super().__init__()
        self.hub = hub
        desk = hub.desk
        actor = desk.actor
        self.setWindowTitle(self.tr("CashDesk — {scheme}").format(scheme=desk.scheme_name))
        self.setMinimumSize(1000, 620)
        self.resize(1280, 720)  # fits a 1366x768 screen with the taskbar

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(200)
        self.nav.setIconSize(QSize(0, 0))
        self.pages = QStackedWidget()
        self.screens: dict[str, Screen] = {}
        self.settings_screen: SettingsScreen | None = None
        self.households_screen = HouseholdsScreen(hub) if actor.can(Permission.VIEW_REGISTRY) else None
        self.duplicates_screen = DuplicatesScreen(hub) if actor.can(Permission.REVIEW_DUPLICATES) else None
        for key, screen, allowed in (
            ("home", HomeScreen(hub), True),
            ("households", self.households_screen, self.households_screen is not None),
            ("duplicates", self.duplicates_screen, self.duplicates_screen is not None),
            ("providers", ProvidersScreen(hub), actor.can(Permission.MANAGE_PROVIDERS)),
            ("plans", PlansScreen(hub), actor.can(Permission.VIEW_PAYROLLS)),
            ("enrolment", EnrolmentScreen(hub), actor.can(Permission.MANAGE_PLANS)),
            ("paypoint", PayPointScreen(hub), actor.can(Permission.RECORD_PAYMENTS)),
            ("payroll", PayrollScreen(hub), actor.can(Permission.VIEW_PAYROLLS)),
            ("reconcile", ReconciliationScreen(hub), actor.can(Permission.RECONCILE_PAYROLLS)),
            ("sync", SyncScreen(hub), actor.can(Permission.SYNC)),
            ("conflicts", ConflictsScreen(hub), actor.can(Permission.RESOLVE_CONFLICTS)),
            ("users", UsersScreen(hub), actor.can(Permission.MANAGE_USERS)),
            ("audit", AuditScreen(hub), actor.can(Permission.READ_AUDIT)),
            ("settings", SettingsScreen(hub), actor.can(Permission.MANAGE_SETTINGS)),
        ):
            if screen is None or not allowed:
                if screen is not None:
                    screen.deleteLater()
                continue
            self.screens[key] = screen
            self.pages.addWidget(screen)
            item = QListWidgetItem(screen.title())
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(180, 40))
            self.nav.addItem(item)
            if isinstance(screen, SettingsScreen):
                self.settings_screen = screen
        self.nav.currentRowChanged.connect(self.pages.setCurrentIndex)
        if self.households_screen is not None:
            self.households_screen.open_household.connect(self.open_household)
            self.households_screen.import_requested.connect(self.open_import)
        if self.duplicates_screen is not None:
            self.duplicates_screen.open_household.connect(self.open_household)

        workspace = QWidget()
        row = QHBoxLayout(workspace)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.pages, 1)
        self.pages.setContentsMargins(16, 12, 16, 12)

        self.lock_screen = LockScreen(hub)
        self.lock_screen.unlocked.connect(self.unlock)
        self.lock_screen.log_out.connect(self.log_out)
        self.outer = QStackedWidget()
        self.outer.addWidget(workspace)
        self.outer.addWidget(self.lock_screen)
        self.setCentralWidget(self.outer)

        self._build_menus()
        self._build_status_bar()

        self.idle = IdleWatcher(idle_minutes, self)
        self.idle.idle.connect(self.lock)
        if self.settings_screen:
            self.settings_screen.idle_minutes_changed.connect(lambda m: self.idle.set_timeout_ms(m * 60_000))
        from PySide6.QtWidgets import QApplication

        QApplication.instance().installEventFilter(self.idle)
        hub.busy_changed.connect(lambda busy: self.busy.setText(self.tr("Working…") if busy else ""))
        hub.changed.connect(self._on_changed)
        self.auto_sync = AutoSync(hub, SYNCED_TABLES, self) if actor.can(Permission.SYNC) else None
        self.nav.setCurrentRow(0)

    # --- chrome ---
    def _build_menus(self) -> None:
        account = self.menuBar().addMenu(self.tr("&Account"))
        change = QAction(self.tr("Change my password…"), self)
        change.triggered.connect(self.change_password)
        lock = QAction(self.tr("Lock now"), self)
        lock.setShortcut(QKeySequence("Ctrl+L"))
        lock.triggered.connect(self.lock)
        logout = QAction(self.tr("Log out"), self)
        logout.triggered.connect(self.log_out)
        for action in (change, lock, logout):
            account.addAction(action)
        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        about = QAction(self.tr("About CashDesk"), self)
        about.triggered.connect(
            lambda: QMessageBox.about(
                self,
                self.tr("About CashDesk"),
                self.tr("CashDesk {version}\nOffline-first cash transfer management.").format(
                    version=__version__
                ),
            )
        )
        help_menu.addAction(about)

    def _build_status_bar(self) -> None:
        desk = self.hub.desk
        actor = desk.actor
        bar = self.statusBar()
        self.user_label = QLabel(
            self.tr("{name} ({role})").format(name=actor.full_name, role=role_label(actor.role))
        )
        self.db_label = QLabel(self.tr("Database: {path}").format(path=desk.database_path))
        self.db_label.setObjectName("hint")
        self.sync_label = QLabel()
        self.sync_label.setObjectName("syncLabel")
        self.busy = QLabel()
        bar.addWidget(self.user_label)
        bar.addWidget(self.db_label, 1)
        bar.addPermanentWidget(self.busy)
        bar.addPermanentWidget(self.sync_label)
        self._refresh_sync_label()

    def _refresh_sync_label(self) -> None:
        self.hub.call(sync_status, on_done=self._show_sync, parent=self)

    def _show_sync(self, status: Any) -> None:
        self.sync_label.setText(status.text)
        self.sync_label.setToolTip(self.tr("Open the Sync screen to sync now or see what waits"))

    def _on_changed(self, tables: frozenset[str]) -> None:
        if tables & SYNCED_TABLES or "scheme" in tables:
            self._refresh_sync_label()

    def current_screen(self) -> str:
        item = self.nav.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else ""

    def show_screen(self, key: str) -> None:
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                self.nav.setCurrentRow(row)
                return

    # --- registry ---
    def open_household(self, household_id: object) -> HouseholdEditor:
        editor = HouseholdEditor(self.hub, household_id, parent=self)  # type: ignore[arg-type]
        editor.open_other.connect(self.open_household)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.show()
        return editor

    def open_import(self) -> ImportDialog:
        dialog = ImportDialog(self.hub, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # --- account ---
    def change_password(self) -> None:
        ChangePasswordDialog(self.hub, parent=self).exec()

    def lock(self) -> None:
        if self.is_locked:
            return
        self.idle.pause()
        self.menuBar().setEnabled(False)
        self.lock_screen.prepare(self.hub.desk.actor.full_name)
        self.outer.setCurrentWidget(self.lock_screen)
        self.lock_screen.password.setFocus()

    def unlock(self) -> None:
        self.outer.setCurrentIndex(0)
        self.menuBar().setEnabled(True)
        self.idle.resume()

    @property
    def is_locked(self) -> bool:
        return self.outer.currentWidget() is self.lock_screen

    def log_out(self) -> None:
        self.logged_out.emit()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        from PySide6.QtWidgets import QApplication

        QApplication.instance().removeEventFilter(self.idle)
        self.idle.pause()
        super().closeEvent(event)
