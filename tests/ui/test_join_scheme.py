"""Joining a scheme from the first-run window, against a real central server on 127.0.0.1 that the scheme's
first laptop has synced with."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QPushButton
from pytestqt.qtbot import QtBot

from cashdesk.desk import open_desk
from cashdesk.sync.run import sync_now
from cashdesk.ui.dialogs.first_run import FirstRunDialog
from cashdesk.ui.dialogs.join_scheme import JoinSchemeDialog
from cashdesk.ui.ops import OpsHub
from tests.integration.central_server import PASSWORD, CentralServer
from tests.integration.sync_devices import new_device, open_as


@pytest.fixture
def server(template_dir: Path, tmp_path: Path) -> Iterator[CentralServer]:
    running = CentralServer(db=f"sqlite:///{tmp_path / 'central.sqlite'}")
    running.add_user("admin", "administrator")
    running.add_user("olive", "enrolment_officer", "/R01/D01/V001/")
    running.start()
    first = open_as(new_device(template_dir, tmp_path / "first", running, server_user="admin"), "admin")
    try:
        sync_now(first)
    finally:
        first.close()
    yield running
    running.stop()


def _fill(qtbot: QtBot, dialog: JoinSchemeDialog, server: CentralServer, device: str) -> None:
    for field, text in ((dialog.url, server.url), (dialog.username, "olive"), (dialog.server_password, PASSWORD),
                        (dialog.device, device), (dialog.password, "laptop-pass-1"),
                        (dialog.confirm, "laptop-pass-1")):  # fmt: skip
        field.clear()
        qtbot.keyClicks(field, text)


def test_the_first_run_window_joins_a_scheme_from_its_server(
    qtbot: QtBot, hub: OpsHub, server: CentralServer, tmp_path: Path
) -> None:
    folder = tmp_path / "laptop"
    first_run = FirstRunDialog(hub, folder)
    qtbot.addWidget(first_run)
    [join_button] = [b for b in first_run.findChildren(QPushButton) if "join it instead" in b.text()]
    assert join_button.isVisibleTo(first_run)
    dialog = JoinSchemeDialog(hub, folder)
    qtbot.addWidget(dialog)
    dialog.show()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    _fill(qtbot, dialog, server, "ZZZZ")
    ok.click()
    qtbot.waitUntil(lambda: ok.isEnabled() and dialog.error.isVisible(), timeout=30000)
    assert "not registered with the server" in dialog.error.text()
    assert not folder.exists()
    _fill(qtbot, dialog, server, server.draw_device())
    with qtbot.waitSignal(dialog.accepted, timeout=120000):
        ok.click()
    assert dialog.joined is not None and dialog.joined.username == "olive"
    open_desk(folder, "olive", "laptop-pass-1").close()
