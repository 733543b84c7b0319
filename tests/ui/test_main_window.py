from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from cashdesk.desk import open_desk
from cashdesk.registry.locations import list_locations
from cashdesk.security.permissions import Role
from cashdesk.ui.main_window import MainWindow
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.users import UserDialog
from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD


def _window(qtbot: QtBot, hub: OpsHub, idle_minutes: int = 10) -> MainWindow:
    window = MainWindow(hub, idle_minutes=idle_minutes)
    qtbot.addWidget(window)
    window.show()
    return window


def _sections(window: MainWindow) -> list[str]:
    return [window.nav.item(i).text() for i in range(window.nav.count())]


def test_sections_follow_the_role(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    window = _window(qtbot, hub_as("admin"))
    assert _sections(window) == [
        "Home",
        "Households",
        "Duplicates",
        "Payment providers",
        "Benefit plans",
        "Enrolment",
        "Payrolls",
        "Reconciliation",
        "Sync",
        "Conflicts",
        "Users",
        "Audit trail",
        "Settings",
    ]
    assert "Ada Admin (Administrator)" in window.user_label.text()
    assert "cashdesk.db" in window.db_label.text()
    qtbot.waitUntil(lambda: "never synced" in window.sync_label.text(), timeout=5000)
    assert window.width() <= 1366 and window.height() <= 768


def test_clerk_sees_only_what_a_clerk_may(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    window = _window(qtbot, hub_as("carl"))
    assert _sections(window) == ["Home", "Benefit plans", "Pay point", "Payrolls", "Sync"]  # plans read-only
    supervisor = _window(qtbot, hub_as("sue"))
    assert _sections(supervisor) == [
        "Home",
        "Households",
        "Duplicates",
        "Benefit plans",
        "Enrolment",
        "Payrolls",
        "Reconciliation",
        "Sync",
        "Conflicts",
        "Audit trail",
    ]


def test_home_shows_the_scheme_figures(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    window = _window(qtbot, hub_as("admin"))
    home = window.screens["home"]
    qtbot.waitUntil(lambda: home.figures["villages"].value.text() == "2", timeout=5000)
    assert home.heading.text() == "Test Scheme"
    assert home.figures["users"].value.text() == "4"


def test_admin_creates_a_user_through_the_users_screen(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    hub = hub_as("admin")
    window = _window(qtbot, hub)
    window.show_screen("users")
    screen = window.screens["users"]
    qtbot.waitUntil(lambda: screen.model.rowCount() == 4, timeout=5000)
    dialog = UserDialog(hub, hub.desk.run(list_locations), parent=window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "grace")
    qtbot.keyClicks(dialog.full_name, "Grace Tembo")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.ENROLMENT_OFFICER))
    qtbot.keyClicks(dialog.password, "grace-pass-1")
    qtbot.keyClicks(dialog.confirm, "grace-pass-1")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(dialog.error.isVisible, timeout=5000)  # an officer needs an area
    assert "location" in dialog.error.text()
    assert dialog.locations.property("invalid") is True
    village = next(
        i
        for i in range(dialog.locations.count())
        if dialog.locations.item(i).data(Qt.ItemDataRole.UserRole) == "V002"
    )
    dialog.locations.item(village).setCheckState(Qt.CheckState.Checked)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: screen.model.rowCount() == 5, timeout=5000)  # the list refreshed itself
    grace = next(u for u in screen.model.rows if u.username == "grace")
    assert grace.location_codes == ("V002",) and grace.must_change_password
    open_desk(hub.desk.data_dir, "grace", "grace-pass-1").close()


def test_idle_lock_hides_the_work_and_keeps_unsaved_input(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub]
) -> None:
    window = _window(qtbot, hub_as("admin"))
    window.show_screen("settings")
    settings = window.screens["settings"]
    qtbot.waitUntil(lambda: settings.name.text() == "Test Scheme", timeout=5000)
    settings.name.setText("Unsaved new name")
    window.idle.set_timeout_ms(300)
    qtbot.waitUntil(lambda: window.is_locked, timeout=5000)
    assert not window.menuBar().isEnabled()
    assert not settings.isVisible()  # nothing readable behind the lock
    lock = window.lock_screen
    qtbot.keyClicks(lock.password, "wrong-password")
    qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lock.error.isVisible, timeout=5000)
    assert window.is_locked
    window.idle.pause()  # keep the test from re-locking while it types
    qtbot.keyClicks(lock.password, ADMIN_PASSWORD)
    qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.is_locked, timeout=5000)
    assert settings.name.text() == "Unsaved new name"
    assert window.menuBar().isEnabled()


def test_activity_postpones_the_lock(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    window = _window(qtbot, hub_as("admin"))
    window.idle.set_timeout_ms(600)
    for _ in range(6):
        qtbot.wait(200)
        QApplication.sendEvent(window.nav, _key_event())
    assert not window.is_locked
    qtbot.waitUntil(lambda: window.is_locked, timeout=5000)


def _key_event() -> object:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent

    return QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier)


def test_audit_screen_filters_and_verifies(qtbot: QtBot, hub_as: Callable[[str], OpsHub]) -> None:
    window = _window(qtbot, hub_as("sue"))
    window.show_screen("audit")
    screen = window.screens["audit"]
    qtbot.waitUntil(lambda: screen.model.loaded > 5 and screen.action.count() > 3, timeout=5000)
    screen.action.setCurrentIndex(screen.action.findData("user.created"))
    qtbot.waitUntil(lambda: screen.model.complete and screen.model.loaded == 4, timeout=5000)
    assert {screen.model.row(i).summary for i in range(4)} == {"admin", "sue", "olive", "carl"}
    screen.table.selectRow(0)
    assert "before" in screen.detail.toHtml()
    screen.verify()
    qtbot.waitUntil(lambda: "Intact" in screen.verdict.text(), timeout=5000)


def test_user_password_is_not_in_the_window(hub_as: Callable[[str], OpsHub]) -> None:
    # A reminder that the temporary passwords used above are the users' own (see conftest).
    assert USER_PASSWORD != ADMIN_PASSWORD


def test_an_administrator_adds_a_reason_for_not_paying_in_settings(
    qtbot: QtBot, hub_as: Callable[[str], OpsHub]
) -> None:
    window = _window(qtbot, hub_as("admin"))
    window.show_screen("settings")
    settings = window.screens["settings"]
    qtbot.waitUntil(lambda: settings.reasons.rowCount() == 7, timeout=5000)  # the seven a scheme starts with
    settings.reason_code.setText("flooded_road")
    settings.reason_label.setText("Road flooded")
    settings.save_reason()
    qtbot.waitUntil(lambda: settings.reasons.rowCount() == 8, timeout=5000)
    assert settings.reasons.row(7).label == "Road flooded"
    settings.reason_code.setText("Bad Code")
    settings.save_reason()
    qtbot.waitUntil(lambda: "small letters" in settings.reason_error.text(), timeout=5000)
