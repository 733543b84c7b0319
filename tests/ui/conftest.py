from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication

from cashdesk.desk import Desk
from cashdesk.ui.ops import OpsHub


@pytest.fixture
def hub(qapp: object) -> Iterator[OpsHub]:
    hub = OpsHub()
    yield hub
    hub.wait_idle()


@pytest.fixture
def hub_as(hub: OpsHub, desk_for: Callable[[str], Desk]) -> Iterator[Callable[[str], OpsHub]]:
    def login(username: str) -> OpsHub:
        hub.desk = desk_for(username)
        return hub

    yield login
    # Screens may still have queued reads, and closing them may queue more: close them and finish their
    # work while the databases are open (qtbot would close them only after the databases, and a read on a
    # closed SQLCipher database can crash the process).
    for widget in QApplication.topLevelWidgets():
        widget.close()
    QApplication.processEvents()
    hub.wait_idle()
