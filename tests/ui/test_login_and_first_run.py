from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from cashdesk.desk import open_desk
from cashdesk.ui.dialogs.first_run import FirstRunDialog, RecoveryKeyDialog
from cashdesk.ui.dialogs.login import ChangePasswordDialog, LoginDialog
from cashdesk.ui.ops import OpsHub
from tests.conftest import ADMIN, ADMIN_PASSWORD, USER_PASSWORD


def _ok(dialog: object) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # type: ignore[attr-defined]


def test_wrong_password_is_explained_and_five_lock_the_account(
    qtbot: QtBot, hub: OpsHub, data_dir: Path
) -> None:
    dialog = LoginDialog(hub, data_dir)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "sue")
    for _ in range(5):
        qtbot.keyClicks(dialog.password, "wrong-password")
        _ok(dialog)
        qtbot.waitUntil(lambda: dialog.buttons.isEnabled() and dialog.error.isVisible(), timeout=5000)
    assert "locked" in dialog.error.text()
    assert "5 more minute" in dialog.error.text()
    assert dialog.password.text() == ""  # never left in the field


def test_right_password_logs_in(qtbot: QtBot, hub: OpsHub, data_dir: Path) -> None:
    dialog = LoginDialog(hub, data_dir, ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.desk.actor.username == ADMIN
    dialog.desk.close()


def test_forced_password_change(qtbot: QtBot, hub: OpsHub, data_dir: Path) -> None:
    hub.desk = open_desk(data_dir, "sue", USER_PASSWORD)
    dialog = ChangePasswordDialog(hub, forced=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.current, USER_PASSWORD)
    qtbot.keyClicks(dialog.new, "sues-own-pass")
    qtbot.keyClicks(dialog.confirm, "sues-own-pass-typo")
    _ok(dialog)
    assert "different" in dialog.error.text()
    dialog.confirm.clear()
    qtbot.keyClicks(dialog.confirm, "sues-own-pass")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        _ok(dialog)
    hub.wait_idle()
    hub.desk.close()
    assert not open_desk(data_dir, "sue", "sues-own-pass").must_change_password


def test_first_run_creates_the_scheme(qtbot: QtBot, hub: OpsHub, tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    dialog = FirstRunDialog(hub, folder)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.currency.text() == "MWK"  # follows the country
    dialog.country.setCurrentIndex(dialog.country.findData("KE"))
    assert dialog.currency.text() == "KES"
    _ok(dialog)  # no name yet
    qtbot.waitUntil(dialog.error.isVisible, timeout=5000)
    assert dialog.scheme.property("invalid") is True
    qtbot.keyClicks(dialog.scheme, "Inua Jamii")
    qtbot.keyClicks(dialog.password, "chief-pass-1")
    qtbot.keyClicks(dialog.confirm, "chief-pass-1")
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        _ok(dialog)
    assert dialog.created is not None and (folder / "cashdesk.db").exists()
    key = RecoveryKeyDialog(dialog.created.recovery_key)
    qtbot.addWidget(key)
    key.show()
    ok = key.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # not before the user says the key is written down
    key.confirm.setChecked(True)
    assert ok.isEnabled()
    open_desk(folder, ADMIN, "chief-pass-1").close()
