"""Render every screen with real data and save PNGs in docs/screenshots/ (run under Xvfb or offscreen).

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from cashdesk.demo.district import load_demo_district
from cashdesk.models.security import Role
from cashdesk.scheme.create import create_scheme
from cashdesk.security import users
from cashdesk.security.auth import open_desk
from cashdesk.ui.app import make_application
from cashdesk.ui.dialogs.first_run import FirstRunDialog, RecoveryKeyDialog
from cashdesk.ui.dialogs.login import LoginDialog
from cashdesk.ui.main_window import MainWindow
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.users import UserDialog

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def settle(app: QApplication, hub: OpsHub, ms: int = 300) -> None:
    for _ in range(5):
        hub.wait_idle()
        loop = QEventLoop()
        QTimer.singleShot(ms // 5, loop.quit)
        loop.exec()


def save(widget: QWidget, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(OUT / f"{name}.png"))
    print("saved", OUT / f"{name}.png")


def main() -> None:
    app = make_application([])
    folder = Path(tempfile.mkdtemp()) / "data"
    hub = OpsHub()

    first = FirstRunDialog(hub, folder)
    first.scheme.setText("Social Cash Transfer Programme")
    first.full_name.setText("Ada Mwale")
    first.show()
    settle(app, hub)
    save(first, "first-run")
    first.close()

    created = create_scheme(
        folder,
        name="Social Cash Transfer Programme",
        country="MW",
        currency="MWK",
        admin_username="admin",
        admin_password="admin-pass-1",
        admin_full_name="Ada Mwale",
    )
    key = RecoveryKeyDialog(created.recovery_key)
    key.show()
    settle(app, hub)
    save(key, "recovery-key")
    key.close()

    desk = open_desk(folder, "admin", "admin-pass-1")
    desk.run(load_demo_district, households=2000, seed=7)
    desk.run(
        users.create_user,
        desk.vault,
        username="mercy",
        full_name="Mercy Phiri",
        role=Role.ENROLMENT_OFFICER,
        password="officer-pass-1",
        location_codes=["V001", "V002"],
    )
    desk.run(
        users.create_user,
        desk.vault,
        username="john",
        full_name="John Banda",
        role=Role.SUPERVISOR,
        password="super-pass-1",
    )
    desk.close()

    login = LoginDialog(hub, folder, "admin")
    login.password.setText("wrong-pass")
    login.show()
    login._login()
    settle(app, hub)
    save(login, "login")
    login.close()

    hub.desk = open_desk(folder, "admin", "admin-pass-1")
    window = MainWindow(hub)
    window.resize(1366, 740)
    window.show()
    for key_name in ("home", "users", "audit", "settings"):
        window.show_screen(key_name)
        settle(app, hub, 600)
        if key_name == "audit":
            audit_screen = window.screens["audit"]
            audit_screen.table.selectRow(1)
            audit_screen.verify()
            settle(app, hub)
        save(window, f"main-{key_name}")
    window.show_screen("users")
    settle(app, hub)
    from cashdesk.registry.locations import list_locations

    dialog = UserDialog(
        hub, hub.desk.run(list_locations), window.screens["users"].model.rows[1], parent=window
    )
    dialog.show()
    settle(app, hub)
    save(dialog, "user-dialog")
    dialog.close()
    window.lock()
    settle(app, hub)
    save(window, "locked")
    hub.desk.close()


if __name__ == "__main__":
    main()
