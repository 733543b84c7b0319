"""Render the Sync and Conflicts screens with real data at 1280x720 into docs/screenshots/.

A central server on 127.0.0.1 (`cashdesk central serve`, started here), and two laptops of the demo
district. Both sync; then each changes the same household's address before syncing again, so Mary's
laptop holds a conflict (conflicts.png). Mary registers one more household while the server is down:
sync.png shows the Sync screen saying so, with the outbox, in the window's status bar too. A third
laptop of the district and a region officer's: the officer moves a household to another district, and
the district laptop's Sync now withdraws it (sync-moved.png). join.png: a new laptop joining.

Usage: QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_sync.py
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import requests
from PySide6.QtWidgets import QDialogButtonBox

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots_payroll import SIZE, save, settle
from sqlalchemy import select, update

from cashdesk.core.ids import new_device_code
from cashdesk.demo.district import load_demo_district
from cashdesk.desk import open_desk
from cashdesk.models import Household, Location, Scheme
from cashdesk.models.location import LocationLevel
from cashdesk.models.security import Role
from cashdesk.registry.household_input import HouseholdInput, MemberInput
from cashdesk.registry.households import create_household, get_household, update_household
from cashdesk.registry.locations import create_location
from cashdesk.scheme.create import create_scheme
from cashdesk.security import users
from cashdesk.sync.login import log_in_to_server
from cashdesk.sync.run import sync_now
from cashdesk.ui.app import make_application
from cashdesk.ui.dialogs.join_scheme import JoinSchemeDialog
from cashdesk.ui.main_window import MainWindow
from cashdesk.ui.ops import OpsHub
from cashdesk.ui.screens.sync import SyncScreen

PASSWORD = "central-pass-1"


def central(*args: str, db: str) -> None:
    env = dict(os.environ, CASHDESK_CENTRAL_PASSWORD=PASSWORD)
    subprocess.run([sys.executable, "-m", "cashdesk", "central", *args, "--db", db], env=env, check=True,
                   capture_output=True)  # fmt: skip


def start_server(db: str, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "cashdesk", "central", "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(300):
        try:
            requests.get(f"http://127.0.0.1:{port}/metadata", timeout=1)
            return server
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("the central server did not start")


def laptop(template: Path, folder: Path, db: str, url: str, *, server_user: str = "district") -> None:
    shutil.copytree(template, folder)
    desk = open_desk(folder, "admin", "admin-pass-1")
    code = new_device_code()
    desk.run(lambda s, _a: s.execute(update(Scheme).values(device_code=code)))
    central("device", "add", code, db=db)
    log_in_to_server(desk, url=url, username=server_user, password=PASSWORD)
    desk.close()


def join_a_laptop(folder: Path, db: str, url: str) -> None:
    """join.png: the first-run window's Join dialog filled in, then the join itself (timed)."""
    env = dict(os.environ, CASHDESK_CENTRAL_PASSWORD=PASSWORD)
    added = subprocess.run([sys.executable, "-m", "cashdesk", "central", "device", "add", "--db", db], env=env,
                           check=True, capture_output=True, text=True)  # fmt: skip
    code = added.stdout.split()[1]
    hub = OpsHub()
    dialog = JoinSchemeDialog(hub, folder)
    for field, text in ((dialog.url, url), (dialog.username, "otto"), (dialog.server_password, PASSWORD),
                        (dialog.device, code), (dialog.password, "laptop-pass-1"), (dialog.confirm, "laptop-pass-1")):  # fmt: skip
        field.setText(text)
    dialog.show()
    settle(hub, 400)
    save(dialog, "join")
    started = time.monotonic()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    while dialog.joined is None and dialog.isVisible() and time.monotonic() - started < 300:
        settle(hub, 200)
    joined = dialog.joined
    print(f"joined in {time.monotonic() - started:.1f} s:", joined and f"{joined.report.pulled} records")
    dialog.close()
    hub.wait_idle()


def a_household_moves_away(template: Path, root: Path, db: str, url: str) -> None:
    """sync-moved.png: the region's officer moves a household to another district; on a laptop of the
    old district (its server account sees that district only), Sync now withdraws it and says so."""
    laptop(template, root / "old-district", db, url, server_user="otto")
    old = open_desk(root / "old-district", "otto", "officer-pass-1")
    sync_now(old)
    laptop(template, root / "region", db, url, server_user="rita")
    region = open_desk(root / "region", "rita", "officer-pass-1")
    sync_now(region)
    last = region.run(
        lambda s, _a: s.execute(select(Household.id).order_by(Household.code.desc())).scalars().first()
    )
    data = region.run(get_household, last).input
    region.run(update_household, dataclasses.replace(data, location_code="V101", pay_point_code=""))
    sync_now(region)
    region.close()
    hub = OpsHub()
    hub.desk = old
    window = MainWindow(hub)
    window.resize(*SIZE)
    window.show()
    window.show_screen("sync")
    settle(hub, 400)
    screen = window.findChild(SyncScreen)
    screen.sync_button.click()
    started = time.monotonic()
    while "withdrawn" not in screen.message.text() and time.monotonic() - started < 60:
        settle(hub, 200)
    save(window, "sync-moved")
    window.close()
    hub.wait_idle()
    old.close()


def main() -> None:
    make_application([])
    root = Path(tempfile.mkdtemp())
    template = root / "template"
    create_scheme(template, name="Social Cash Transfer Programme", country="MW", currency="MWK",
                  admin_username="admin", admin_password="admin-pass-1", admin_full_name="Ada Mwale")  # fmt: skip
    desk = open_desk(template, "admin", "admin-pass-1")
    desk.run(load_demo_district, households=300, seed=7)
    desk.run(create_location, code="D02", name="Hillside", level=LocationLevel.DISTRICT, parent_code="R01")
    desk.run(create_location, code="V101", name="Thyolo", level=LocationLevel.VILLAGE, parent_code="D02")
    for username, full_name, area in (("otto", "Otto Kalua", "D01"), ("mary", "Mary Chirwa", "D01"),
                                      ("rita", "Rita Banda", "R01")):  # fmt: skip
        desk.run(users.create_user, desk.vault, username=username, full_name=full_name,
                 role=Role.ENROLMENT_OFFICER, password="officer-pass-1", location_codes=[area])  # fmt: skip
    district = desk.run(
        lambda s, _a: s.execute(select(Location.path).where(Location.code == "D01")).scalar_one()
    )
    desk.close()

    db = f"sqlite:///{root / 'central.sqlite'}"
    central("user", "add", "district", "--role", "supervisor", db=db)
    central("user", "add", "otto", "--role", "enrolment_officer", "--location", district, db=db)
    central("user", "add", "rita", "--role", "enrolment_officer", "--location", "/R01/", db=db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = start_server(db, port)
    url = f"http://127.0.0.1:{port}"
    try:
        laptop(template, root / "office", db, url)
        laptop(template, root / "john", db, url)
        office = open_desk(root / "office", "otto", "officer-pass-1")
        john = open_desk(root / "john", "mary", "officer-pass-1")
        started = time.monotonic()
        first = sync_now(office)
        print(f"first sync of the office: pushed {first.pushed} in {time.monotonic() - started:.1f} s")
        sync_now(john)
        target = office.run(
            lambda s, _a: s.execute(select(Household.id).order_by(Household.code)).scalars().first()
        )
        for who, address in ((office, "Opposite the health post"), (john, "Behind the primary school")):
            data = who.run(get_household, target).input
            who.run(update_household, dataclasses.replace(data, address=address))
        sync_now(office)
        sync_now(john)
        office.close()
        a_household_moves_away(template, root, db, url)
        join_a_laptop(root / "joined", db, url)
    finally:
        server.terminate()
        server.wait()
    john.run(create_household, HouseholdInput(location_code="V001", payment_method="cash", members=[
        MemberInput(given_name="Tamanda", family_name="Phiri", sex="F", relation_to_head="head",
                    date_of_birth=date(1991, 2, 14), recipient_role="primary")]), duplicate_note="new form")  # fmt: skip
    try:
        sync_now(john)
    except Exception as exc:  # the server is down: the screen says so
        print("sync while the server is down:", exc)

    hub = OpsHub()
    hub.desk = john
    window = MainWindow(hub)
    window.resize(*SIZE)
    window.show()
    window.show_screen("sync")
    settle(hub, 800)
    save(window, "sync")
    window.show_screen("conflicts")
    settle(hub, 800)
    save(window, "conflicts")
    window.close()
    hub.wait_idle()
    john.close()


if __name__ == "__main__":
    main()
