"""Starting the window: first run or log in, then the main window; log out returns to log in."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTranslator
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from cashdesk.demo.district import load_demo_district
from cashdesk.desk import open_desk
from cashdesk.scheme.settings import scheme_info
from cashdesk.security.auth import is_initialised
from cashdesk.ui.dialogs.first_run import FirstRunDialog, RecoveryKeyDialog
from cashdesk.ui.dialogs.login import ChangePasswordDialog, LoginDialog
from cashdesk.ui.main_window import MainWindow
from cashdesk.ui.ops import OpsHub, error_text

RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("CashDesk")
    app.setOrganizationName("CashDesk")
    style = RESOURCES / "styles" / "cashdesk.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    translators = []
    for name, folder in (
        ("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
        ("cashdesk", str(RESOURCES / "translations")),
    ):
        translator = QTranslator(app)
        if translator.load(QLocale(), name, "_", folder):
            app.installTranslator(translator)
            translators.append(translator)
    return app


class AppController(QObject):
    """Owns the flow between dialogs and the main window, and the open database."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.hub = OpsHub(self)
        self.window: MainWindow | None = None
        self.last_username = ""

    def start(self) -> None:
        if is_initialised(self.data_dir):
            self.show_login()
        else:
            self.first_run()

    def first_run(self) -> None:
        dialog = FirstRunDialog(self.hub, self.data_dir)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.recovery_key is None:
            QApplication.quit()
            return
        RecoveryKeyDialog(dialog.recovery_key).exec()
        self.last_username = dialog.username
        wants_demo = dialog.wants_demo
        self.hub.run(
            open_desk,
            self.data_dir,
            dialog.username,
            dialog.login_password,
            on_done=lambda desk: self._first_login(desk, wants_demo),
            on_error=self._fatal,
        )

    def _first_login(self, desk: Any, wants_demo: bool) -> None:
        self.hub.desk = desk
        if not wants_demo:
            self.open_main_window()
            return
        self.hub.job(
            self.tr("Creating the demo district…"),
            load_demo_district,
            households=2000,
            on_done=lambda _summary: self.open_main_window(),
            on_error=self._demo_failed,
        )

    def _demo_failed(self, exc: BaseException) -> None:
        QMessageBox.warning(None, self.tr("Demo district"), error_text(exc))
        self.open_main_window()

    def show_login(self) -> None:
        dialog = LoginDialog(self.hub, self.data_dir, self.last_username)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.desk is None:
            QApplication.quit()
            return
        self.hub.desk = dialog.desk
        self.last_username = dialog.desk.actor.username
        if dialog.desk.backup_written:
            QMessageBox.information(
                None,
                self.tr("Database upgraded"),
                self.tr(
                    "The database was upgraded to this version of CashDesk. The previous copy is kept at {path}."
                ).format(path=dialog.desk.backup_written),
            )
        if (
            dialog.desk.must_change_password
            and ChangePasswordDialog(self.hub, forced=True).exec() != QDialog.DialogCode.Accepted
        ):
            self.log_out()
            return
        self.open_main_window()

    def open_main_window(self) -> None:
        self.hub.call(scheme_info, on_done=self._show_window, on_error=self._fatal)

    def _show_window(self, info: Any) -> None:
        self.window = MainWindow(self.hub, idle_minutes=info.idle_lock_minutes)
        self.window.logged_out.connect(self.log_out)
        self.window.show()

    def log_out(self) -> None:
        self.hub.wait_idle()
        if self.hub.desk is not None:
            self.hub.desk.close()
            self.hub.desk = None
        self.window = None
        self.show_login()

    def _fatal(self, exc: BaseException) -> None:
        QMessageBox.critical(None, self.tr("CashDesk"), error_text(exc))
        QApplication.quit()


def run_app(data_dir: Path) -> int:
    app = make_application()
    app.setQuitOnLastWindowClosed(False)  # dialogs come and go between login and the main window
    controller = AppController(data_dir)
    controller.start()
    app.lastWindowClosed.connect(lambda: None if controller.window or controller.hub.desk else app.quit())
    code = app.exec()
    controller.hub.wait_idle()
    if controller.hub.desk is not None:
        controller.hub.desk.close()
    return int(code)
