"""The offline transfer file, as a field office without network uses it: export on one laptop, carry it,
import it on another laptop or on the central server; a second import changes nothing; a wrong
passphrase or a damaged file is refused with a message and nothing written."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cashdesk.desk import Desk
from cashdesk.models import Household, SyncConflict
from cashdesk.registry.households import create_household
from cashdesk.sync.run import sync_now
from tests.conftest import USER_PASSWORD
from tests.integration.central_server import CentralServer
from tests.integration.sync_devices import new_device, open_as
from tests.unit.registry_helpers import household, member

PASS = "a long passphrase"


def cashdesk(*args: str, data: Path, passphrase: str = PASS) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASHDESK_")}
    env |= {"CASHDESK_HOME": str(data), "CASHDESK_USER": "olive", "CASHDESK_PASSWORD": USER_PASSWORD,
            "CASHDESK_BUNDLE_PASSPHRASE": passphrase, "CASHDESK_CENTRAL_PASSWORD": "unused-here"}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "cashdesk", *args], capture_output=True, text=True, env=env,
                          timeout=300, stdin=subprocess.DEVNULL, check=False)  # fmt: skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CentralServer]:
    running = CentralServer(db=f"sqlite:///{tmp_path / 'central.sqlite'}")
    running.add_user("olive", "enrolment_officer", "/R01/D01/")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def offline_and_connected(
    template_dir: Path, tmp_path: Path, server: CentralServer
) -> Iterator[tuple[Path, Path]]:
    far = new_device(template_dir, tmp_path / "far", server)
    near = new_device(template_dir, tmp_path / "near", server)
    desk = open_as(far, "olive")
    try:
        for given in ("Alinafe", "Bupe", "Chikondi"):
            desk.run(create_household, household(member(given, "Mbewe", born=date(1980, 1, 1)), pay_point_code=""),
                     duplicate_note="test")  # fmt: skip
    finally:
        desk.close()
    yield far, near


def _count(folder: Path, model: type) -> int:
    desk: Desk = open_as(folder, "olive")
    try:
        return int(desk.run(lambda s, _a: s.execute(select(func.count()).select_from(model)).scalar_one()))
    finally:
        desk.close()


def test_a_file_carried_from_a_laptop_without_network_reaches_the_server_through_another(
    offline_and_connected: tuple[Path, Path], server: CentralServer, tmp_path: Path
) -> None:
    far, near = offline_and_connected
    stick = tmp_path / "usb" / "far.cdbundle"
    stick.parent.mkdir()
    done = cashdesk("export", "bundle", "--out", str(stick), data=far)
    assert done.returncode == 0, done.stderr
    assert "records written" in done.stdout and b"Mbewe" not in stick.read_bytes()  # encrypted
    before = _count(near, Household)
    done = cashdesk("import", "bundle", str(stick), data=near)
    assert done.returncode == 0, done.stderr
    assert "Added" in done.stdout and _count(near, Household) == before + 3
    again = cashdesk("import", "bundle", str(stick), data=near)
    assert "Added 0, updated 0" in again.stdout and _count(near, Household) == before + 3
    assert _count(near, SyncConflict) == 0
    desk = open_as(near, "olive")
    try:
        sync_now(desk)
    finally:
        desk.close()
    with sqlite3.connect(server.db.removeprefix("sqlite:///")) as db:
        assert db.execute("SELECT count(*) FROM resources WHERE type = 'Group'").fetchone() == (3,)


def test_the_server_imports_a_file_once_and_refuses_a_wrong_passphrase(
    offline_and_connected: tuple[Path, Path], server: CentralServer, tmp_path: Path
) -> None:
    far, _near = offline_and_connected
    stick = tmp_path / "far.cdbundle"
    assert cashdesk("export", "bundle", "--out", str(stick), data=far).returncode == 0
    device = open_as(far, "olive")
    try:
        from cashdesk.scheme.settings import scheme_info

        code = device.run(scheme_info).device_code
    finally:
        device.close()

    def on_server(passphrase: str = PASS) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASHDESK_")}
        env["CASHDESK_BUNDLE_PASSPHRASE"] = passphrase
        return subprocess.run(
            [sys.executable, "-m", "cashdesk", "central", "import-bundle", str(stick), "--db", server.db,
             "--as", "olive", "--device", code], capture_output=True, text=True, env=env, timeout=120, check=False,
        )  # fmt: skip

    wrong = on_server("not the passphrase")
    assert wrong.returncode == 1 and "wrong passphrase" in wrong.stderr
    first = on_server()
    assert first.returncode == 0 and "records applied" in first.stdout, first.stderr
    second = on_server()
    assert second.returncode == 0
    with sqlite3.connect(server.db.removeprefix("sqlite:///")) as db:
        groups = db.execute("SELECT count(*), max(version_id) FROM resources WHERE type = 'Group'").fetchone()
    assert groups == (3, 1)  # applied once

    damaged = tmp_path / "damaged.cdbundle"
    damaged.write_bytes(stick.read_bytes()[:-40])
    done = cashdesk("import", "bundle", str(damaged), data=far)
    assert done.returncode == 1 and "damaged" in done.stderr
    short = cashdesk("export", "bundle", "--out", str(tmp_path / "x.cdbundle"), data=far, passphrase="short")
    assert (
        short.returncode == 1
        and "at least 10 characters" in short.stderr
        and not (tmp_path / "x.cdbundle").exists()
    )
