"""Desktop devices for the sync tests: copies of the test scheme (so they share its places and staff, as
laptops prepared from one scheme do), each with a device code of its own, registered with a real central
server and logged in to it."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import update

from cashdesk.core.ids import new_device_code
from cashdesk.desk import Desk, open_desk
from cashdesk.models import Scheme
from cashdesk.sync.login import log_in_to_server
from tests.conftest import ADMIN, ADMIN_PASSWORD, USER_PASSWORD
from tests.integration.central_server import PASSWORD, CentralServer


def new_device(
    template: Path, folder: Path, server: CentralServer, *, server_user: str = "olive", url: str | None = None
) -> Path:
    """A device registered with `server`, logged in through `url` (the server's own by default: a test
    may put a fault proxy between them)."""
    shutil.copytree(template, folder)
    desk = open_desk(folder, ADMIN, ADMIN_PASSWORD)
    try:
        code = new_device_code()
        desk.run(lambda s, _a: s.execute(update(Scheme).values(device_code=code)))
        server.add_device(code)
        log_in_to_server(desk, url=url or server.url, username=server_user, password=PASSWORD)
    finally:
        desk.close()
    return folder


def open_as(folder: Path, username: str) -> Desk:
    return open_desk(folder, username, ADMIN_PASSWORD if username == ADMIN else USER_PASSWORD)
