"""Three devices and the server converge after random interleavings of registrations, edits and syncs
(a property test: hypothesis draws the interleavings; every one must end with the same registry on every
device and on the server, nothing lost or duplicated)."""

from __future__ import annotations

import dataclasses
import itertools
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from cashdesk.central import accounts
from cashdesk.central.app import open_database
from cashdesk.core.ids import new_device_code
from cashdesk.desk import Desk
from cashdesk.models import Household, Scheme
from cashdesk.registry.households import create_household, get_household, update_household
from cashdesk.sync.conflicts import list_conflicts, resolve_conflict
from cashdesk.sync.login import log_in_to_server
from cashdesk.sync.run import sync_now
from tests.integration.central_server import PASSWORD, CentralServer
from tests.integration.sync_devices import open_as
from tests.unit.registry_helpers import household, member

ADDRESSES = ("North", "South", "East", "West")
counter = itertools.count()
created: set[str] = set()  # every household registered in any example: the server is shared by them


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    folder = tmp_path_factory.mktemp("converge")
    running = CentralServer(db=f"sqlite:///{folder / 'central.sqlite'}")
    running.add_user("olive", "enrolment_officer", "/R01/D01/")
    running.start()
    yield running
    running.stop()


def _devices(template: Path, root: Path, server: CentralServer, n: int) -> list[Desk]:
    engine = open_database(server.db)
    desks = []
    for i in range(n):
        folder = root / f"d{i}"
        shutil.copytree(template, folder)
        desk = open_as(folder, "admin")
        code = new_device_code()
        desk.run(lambda s, _a, code=code: s.execute(update(Scheme).values(device_code=code)))
        with engine.begin() as conn:
            accounts.add_device(conn, code=code, name="", registered_by="test")
        log_in_to_server(desk, url=server.url, username="olive", password=PASSWORD)
        desk.close()
        desks.append(open_as(folder, "olive"))
    engine.dispose()
    return desks


def _registry(desk: Desk) -> dict[str, tuple[str, bool]]:
    rows = desk.run(
        lambda s, _a: s.execute(select(Household.id, Household.address, Household.deleted_at)).all()
    )
    return {str(i): (address or "", deleted is not None) for i, address, deleted in rows}


def _on_server(server: CentralServer) -> set[str]:
    with sqlite3.connect(server.db.removeprefix("sqlite:///")) as db:
        return {row[0] for row in db.execute("SELECT id FROM resources WHERE type = 'Group'")}


steps = st.lists(
    st.tuples(st.sampled_from(["register", "edit", "sync"]), st.integers(0, 2), st.sampled_from(ADDRESSES)),
    min_size=4,
    max_size=14,
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=steps)
def test_three_devices_converge_whatever_the_order(
    plan: list[tuple[str, int, str]],
    template_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
    server: CentralServer,
) -> None:
    devices = _devices(template_dir, tmp_path_factory.mktemp("run"), server, 3)
    known: list[list[uuid.UUID]] = [[], [], []]  # households each device has seen
    try:
        for action, who, address in plan:
            desk = devices[who]
            if action == "register":
                n = next(counter)
                saved = desk.run(
                    create_household,
                    household(member(f"Person{n}", "Banda", born=date(1950 + n % 50, 1, 1)), pay_point_code="",
                              address=address),
                    duplicate_note="generated",
                )  # fmt: skip
                known[who].append(saved.id)
                created.add(str(saved.id))
            elif action == "edit" and known[who]:
                target = known[who][next(counter) % len(known[who])]
                data = desk.run(get_household, target).input
                desk.run(update_household, dataclasses.replace(data, address=address))
            elif action == "sync":
                sync_now(desk)
                known[who] = [uuid.UUID(i) for i in _registry(desk)]
        for _round in range(4):  # everyone syncs; conflicts are settled by taking the server's value
            for desk in devices:
                sync_now(desk)
                for conflict in desk.run(list_conflicts):
                    desk.run(
                        resolve_conflict, conflict.id, choices={f.name: "server" for f in conflict.fields}
                    )
            if all(not d.run(list_conflicts) for d in devices):
                break
        for desk in devices:
            sync_now(desk)
        first: Any = _registry(devices[0])
        assert set(first) == created == _on_server(server)  # nothing lost, nothing made twice
        for desk in devices[1:]:
            assert _registry(desk) == first
    finally:
        for desk in devices:
            desk.close()
