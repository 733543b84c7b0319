"""Two desktop databases and one central server on 127.0.0.1 register, edit, conflict and converge,
over real HTTP."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cashdesk.desk import Desk
from cashdesk.registry.households import create_household, get_household, update_household
from cashdesk.sync.run import sync_now
from cashdesk.sync.status import sync_status
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
def devices(template_dir: Path, tmp_path: Path, server: CentralServer) -> Iterator[tuple[Desk, Desk]]:
    a = open_as(new_device(template_dir, tmp_path / "a", server), "olive")
    b = open_as(new_device(template_dir, tmp_path / "b", server), "olive")
    yield a, b
    a.close()
    b.close()


def _detail(desk: Desk, household_id: Any) -> Any:
    return desk.run(get_household, household_id)


def _edit(desk: Desk, household_id: Any, **changes: Any) -> None:
    data = _detail(desk, household_id).input
    desk.run(update_household, dataclasses.replace(data, **changes))


def test_a_household_registered_on_one_device_arrives_on_the_other(devices: tuple[Desk, Desk]) -> None:
    a, b = devices
    saved = a.run(
        create_household, household(member("Chikondi", "Banda", born=date(1985, 4, 2)), pay_point_code="")
    )
    first = sync_now(a)
    assert first.pushed >= 3  # the places of the scheme, the household, its member
    assert "Nothing waiting" in a.run(sync_status).text and "last synced just now" in a.run(sync_status).text
    got = sync_now(b)
    assert got.pulled >= 2
    there = _detail(b, saved.id)
    assert there.code == saved.code and there.input.members[0].given_name == "Chikondi"
    assert sync_now(a).pushed == 0 and sync_now(b).pushed == 0  # nothing echoes back and forth


def test_edits_of_different_fields_on_two_devices_merge_by_themselves(devices: tuple[Desk, Desk]) -> None:
    a, b = devices
    saved = a.run(create_household, household(member("Thoko", "Mwale"), pay_point_code=""))
    sync_now(a)
    sync_now(b)
    _edit(a, saved.id, address="Near the borehole")
    _edit(b, saved.id, payment_account="", custom_fields={}, gps_latitude=None, source_ref="form-77")
    sync_now(a)
    report = sync_now(b)
    assert report.conflicts == 0 and report.merged >= 1
    sync_now(a)
    for desk in (a, b):
        data = _detail(desk, saved.id).input
        assert (data.address, data.source_ref) == ("Near the borehole", "form-77")


def test_the_same_field_changed_on_both_devices_is_a_conflict_to_resolve(devices: tuple[Desk, Desk]) -> None:
    a, b = devices
    saved = a.run(create_household, household(member("Limbani", "Chirwa"), pay_point_code=""))
    sync_now(a)
    sync_now(b)
    _edit(a, saved.id, address="Blue house")
    _edit(b, saved.id, address="Green house")
    sync_now(a)
    report = sync_now(b)
    assert report.conflicts == 1
    status = b.run(sync_status)
    assert status.conflicts == 1 and "1 conflicts to resolve" in status.text
    assert _detail(b, saved.id).input.address == "Green house"  # kept here until someone chooses
