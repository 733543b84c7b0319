from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

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
    hub.wait_idle()  # screens may still have queued reads: finish them before the databases close
