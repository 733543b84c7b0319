"""The Sync and Conflicts screens against a real central server on 127.0.0.1, driven with qtbot."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from cashdesk.desk import Desk
from cashdesk.registry.households import create_household, get_household, update_household
from cashdesk.sync.run import sync_now
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.conflicts import ConflictsScreen
from cashdesk.ui.screens.sync import SyncScreen
from tests.integration.central_server import CentralServer
from tests.integration.sync_devices import new_device, open_as
from tests.unit.registry_helpers import household, member


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CentralServer]:
    running = CentralServer(db=f"sqlite:///{tmp_path / 'central.sqlite'}")
    running.add_user("olive", "enrolment_officer", "/R01/D01/")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def two(template_dir: Path, tmp_path: Path, server: CentralServer) -> Iterator[tuple[Desk, Desk]]:
    a = open_as(new_device(template_dir, tmp_path / "a", server), "olive")
    b = open_as(new_device(template_dir, tmp_path / "b", server), "olive")
    yield a, b
    a.close()
    b.close()


def _edit(desk: Desk, household_id: object, address: str) -> None:
    data = desk.run(get_household, household_id).input
    desk.run(update_household, dataclasses.replace(data, address=address))


def test_sync_now_sends_the_outbox_and_says_so(qtbot: QtBot, hub: OpsHub, two: tuple[Desk, Desk]) -> None:
    a, _b = two
    a.run(create_household, household(member("Chisomo", "Banda"), pay_point_code=""))
    hub.desk = a
    screen = SyncScreen(hub)
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    qtbot.waitUntil(lambda: "changes waiting" in screen.state.text() and screen.waiting.rowCount() > 0)
    assert "never synced" in screen.state.text()
    qtbot.mouseClick(screen.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.message.text().startswith("Sent "), timeout=30_000)
    qtbot.waitUntil(lambda: "Nothing waiting, last synced just now" in screen.state.text(), timeout=10_000)
    qtbot.waitUntil(lambda: screen.waiting.rowCount() == 0, timeout=5_000)
    hub.wait_idle()


def test_a_conflict_is_chosen_in_the_window(qtbot: QtBot, hub: OpsHub, two: tuple[Desk, Desk]) -> None:
    a, b = two
    saved = a.run(create_household, household(member("Kondwani", "Phiri"), pay_point_code=""))
    sync_now(a)
    sync_now(b)
    _edit(a, saved.id, "Near the clinic")
    _edit(b, saved.id, "Near the mill")
    sync_now(a)
    sync_now(b)
    hub.desk = b
    screen = ConflictsScreen(hub)
    qtbot.addWidget(screen)
    screen.resize(1100, 700)
    screen.show()
    qtbot.waitUntil(lambda: screen.records.count() == 1 and "address" in screen.groups)
    assert "on the server by olive" in screen.who.text()
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)  # nothing chosen yet: refused
    qtbot.waitUntil(lambda: "Choose" in screen.error.text())
    server_choice = next(btn for btn in screen.groups["address"].buttons() if btn.text() == "Near the clinic")
    server_choice.setChecked(True)
    qtbot.mouseClick(screen.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.records.count() == 0, timeout=10_000)
    hub.wait_idle()
    assert b.run(get_household, saved.id).input.address == "Near the clinic"


def test_a_network_coming_up_starts_a_sync_and_one_going_down_does_not(
    qtbot: QtBot, hub: OpsHub, two: tuple[Desk, Desk]
) -> None:
    """The operating system's network signal, as QNetworkInformation delivers it to the window."""
    from PySide6.QtNetwork import QNetworkInformation

    from cashdesk.sync.status import sync_status
    from cashdesk.ui.auto_sync import AutoSync

    a, _b = two
    a.run(create_household, household(member("Tiyamike", "Zulu"), pay_point_code=""))
    hub.desk = a
    auto = AutoSync(hub, frozenset({"households"}))
    auto.reachability_changed(QNetworkInformation.Reachability.Disconnected)
    hub.wait_idle()
    assert not auto.running and a.run(sync_status).waiting
    auto.reachability_changed(QNetworkInformation.Reachability.Online)
    qtbot.waitUntil(lambda: not auto.running and not a.run(sync_status).waiting, timeout=30_000)
    assert a.run(sync_status).last_success_at is not None
    auto.timer.stop()
    hub.wait_idle()
