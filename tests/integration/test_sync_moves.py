"""A household that moves to another district leaves the old district's laptops: they stop listing and
paying it, keep its payment history, and get it back if it moves back."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cashdesk.desk import Desk
from cashdesk.models import Enrolment, Household, Member
from cashdesk.models.location import LocationLevel
from cashdesk.models.security import Role
from cashdesk.payroll.enrolment import enrol
from cashdesk.payroll.plans import save_plan
from cashdesk.registry.households import create_household, get_household, update_household
from cashdesk.registry.locations import create_location
from cashdesk.registry.search import HouseholdQuery, list_households
from cashdesk.security import users
from cashdesk.sync.run import sync_now
from cashdesk.sync.status import outbox
from tests.conftest import ADMIN, USER_PASSWORD
from tests.integration.central_server import CentralServer
from tests.integration.sync_devices import new_device, open_as
from tests.unit.payroll_helpers import flat_plan
from tests.unit.registry_helpers import household, member


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CentralServer]:
    running = CentralServer(db=f"sqlite:///{tmp_path / 'central.sqlite'}")
    running.add_user("olive", "enrolment_officer", "/R01/D01/")  # the old district's officer
    running.add_user("rita", "enrolment_officer", "/R01/")  # the region's, who moves the household
    running.start()
    yield running
    running.stop()


@pytest.fixture
def laptops(template_dir: Path, tmp_path: Path, server: CentralServer) -> Iterator[tuple[Desk, Desk, Desk]]:
    """The region's laptop (its officer rita and supervisor sue) and the old district's (olive's)."""
    region = new_device(template_dir, tmp_path / "region", server, server_user="rita")
    admin = open_as(region, ADMIN)
    admin.run(create_location, code="D02", name="Hillside", level=LocationLevel.DISTRICT, parent_code="R01")
    admin.run(create_location, code="V101", name="Thyolo", level=LocationLevel.VILLAGE, parent_code="D02")
    admin.run(
        users.create_user, admin.vault, username="rita", full_name="Rita Region",
        role=Role.ENROLMENT_OFFICER, password=USER_PASSWORD, location_codes=["R01"],
    )  # fmt: skip
    admin.close()
    rita, sue = open_as(region, "rita"), open_as(region, "sue")
    olive = open_as(new_device(template_dir, tmp_path / "district", server), "olive")
    yield rita, sue, olive
    for desk in (rita, sue, olive):
        desk.close()


def _live(desk: Desk, model: Any) -> int:
    return len(desk.run(lambda s, _a: s.scalars(select(model.id).where(model.deleted_at.is_(None))).all()))


def _found(desk: Desk, text: str) -> int:
    return len(desk.run(list_households, HouseholdQuery(text=text)))


def _move(desk: Desk, household_id: Any, village: str) -> None:
    data = desk.run(get_household, household_id).input
    desk.run(update_household, dataclasses.replace(data, location_code=village))


def test_a_household_moved_to_another_district_is_withdrawn_from_the_old_districts_laptop(
    laptops: tuple[Desk, Desk, Desk],
) -> None:
    rita, sue, olive = laptops
    saved = rita.run(
        create_household,
        household(
            member("Chikondi", "Banda"),
            member("Tamanda", "Banda", relation="child", recipient=None),
            pay_point_code="",
        ),
    )
    sue.run(save_plan, flat_plan())
    sue.run(enrol, "ALL", on=date(2026, 3, 1))
    sync_now(rita)
    sync_now(olive)
    assert (_live(olive, Household), _live(olive, Member), _live(olive, Enrolment)) == (1, 2, 1)
    assert _found(olive, "Chikondi") == 1

    _move(rita, saved.id, "V101")
    assert sync_now(rita).pushed == 4  # the household, its two members and its enrolment, filed under D02
    got = sync_now(olive)
    assert got.withdrawn == 1
    assert (_live(olive, Household), _live(olive, Member), _live(olive, Enrolment)) == (0, 0, 0)
    assert _found(olive, "Chikondi") == 0  # neither listed nor payable there
    assert sync_now(olive).pushed == 0  # withdrawn is not deleted: nothing goes back to the server
    assert _live(rita, Household) == 1 and _live(rita, Enrolment) == 1  # the region keeps it, now in D02

    _move(rita, saved.id, "V001")  # it moves back
    sync_now(rita)
    sync_now(olive)
    assert (_live(olive, Household), _live(olive, Member), _live(olive, Enrolment)) == (1, 2, 1)
    assert _found(olive, "Chikondi") == 1


def test_a_change_the_old_district_had_not_sent_is_shown_in_its_outbox_not_lost_unseen(
    laptops: tuple[Desk, Desk, Desk],
) -> None:
    rita, _sue, olive = laptops
    saved = rita.run(create_household, household(member("Chikondi", "Banda"), pay_point_code=""))
    sync_now(rita)
    sync_now(olive)
    data = olive.run(get_household, saved.id).input
    olive.run(update_household, dataclasses.replace(data, address="Behind the new market"))
    _move(rita, saved.id, "V101")
    sync_now(rita)
    report = sync_now(olive)
    assert report.withdrawn == 1 and report.pushed == 0
    _rows, refusals, _pending = olive.run(outbox)
    assert any("moved to another district" in r.reason for r in refusals)
    assert _live(olive, Household) == 0
