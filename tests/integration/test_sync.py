"""Two desktop databases and one central server on 127.0.0.1 register, edit, conflict and converge,
over real HTTP."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cashdesk.core.errors import NotFound, ValidationError
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
    assert status.conflicts == 1 and "1 conflict to resolve" in status.text
    assert _detail(b, saved.id).input.address == "Green house"  # kept here until someone chooses


def test_a_conflict_resolved_by_choosing_goes_to_the_server_and_both_devices_agree(
    devices: tuple[Desk, Desk],
) -> None:
    from cashdesk.sync.conflicts import list_conflicts, resolve_conflict

    a, b = devices
    saved = a.run(create_household, household(member("Mercy", "Tembo"), pay_point_code=""))
    sync_now(a)
    sync_now(b)
    _edit(a, saved.id, address="By the school")
    _edit(b, saved.id, address="By the church")
    sync_now(a)
    sync_now(b)
    [conflict] = b.run(list_conflicts)
    assert conflict.record == f"household {saved.code}"
    [field] = conflict.fields
    assert (field.label, field.here, field.server) == ("address", "By the church", "By the school")
    assert conflict.server_author.startswith("olive (")
    with pytest.raises(ValidationError, match="Choose"):
        b.run(resolve_conflict, conflict.id, choices={})
    b.run(resolve_conflict, conflict.id, choices={"address": "server"})
    assert b.run(list_conflicts) == []
    assert sync_now(b).pushed >= 1
    sync_now(a)
    assert _detail(a, saved.id).input.address == _detail(b, saved.id).input.address == "By the school"


def _payroll_on(folder: Path) -> str:
    """Device A: pay point PP1 (clerk carl), two households, a plan, its payroll approved."""
    from cashdesk.payroll.approval import approve_payroll
    from cashdesk.payroll.enrolment import enrol
    from cashdesk.payroll.generation import generate_payroll
    from cashdesk.payroll.plans import save_plan
    from cashdesk.payroll.providers import PayPointInput, save_pay_point
    from tests.unit.payroll_helpers import add_pay_points, flat_plan

    admin, sue, olive = (open_as(folder, name) for name in ("admin", "sue", "olive"))
    try:
        add_pay_points(admin)
        admin.run(save_pay_point, PayPointInput(code="PP1", name="Chikwawa agent", provider="KMM",
                                                village="V001", clerks=["carl"]))  # fmt: skip
        for given, born in (("Alinafe", date(1960, 6, 1)), ("Bertha", date(1972, 3, 9))):
            olive.run(create_household, household(member(given, "Gondwe", born=born)))
        sue.run(save_plan, flat_plan())
        sue.run(enrol, "ALL", on=date(2026, 3, 1))
        sue.run(generate_payroll, plan_code="ALL", period="2026-03")
        admin.run(approve_payroll, "ALL-202603-PP1")
    finally:
        for desk in (admin, sue, olive):
            desk.close()
    return "ALL-202603-PP1"


def test_a_payment_recorded_on_one_device_is_paid_on_the_other_and_paying_twice_is_flagged(
    devices: tuple[Desk, Desk],
) -> None:
    from cashdesk.payroll.disbursement import record_paid
    from cashdesk.payroll.queries import payroll_lines
    from cashdesk.sync.conflicts import double_payments

    a, b = devices
    code = _payroll_on(a.data_dir)
    sync_now(a)
    sync_now(b)
    carl_a, carl_b = open_as(a.data_dir, "carl"), open_as(b.data_dir, "carl")
    try:
        first, second = (line.transaction_number for line in carl_b.run(payroll_lines, code))
        carl_b.run(record_paid, transaction_number=first, verification="id_document")
        sync_now(b)
        sync_now(a)
        assert [line.status for line in carl_a.run(payroll_lines, code)] == ["paid", "pending"]

        # the second household is paid on both laptops before either syncs: no conflict, but flagged
        carl_a.run(record_paid, transaction_number=second, verification="id_document")
        carl_b.run(record_paid, transaction_number=second, verification="known_to_clerk")
        sync_now(a)
        assert sync_now(b).conflicts == 0
        sync_now(a)
        for desk in (a, b):
            [twice] = open_as(desk.data_dir, "sue").run(double_payments)
            assert twice.transaction_number == second and len(twice.events) == 2
            assert {e.device for e in twice.events} == {_device(a), _device(b)}
    finally:
        carl_a.close()
        carl_b.close()


def _device(desk: Desk) -> str:
    from cashdesk.scheme.settings import scheme_info

    return str(desk.run(scheme_info).device_code)


def test_a_household_deleted_on_one_device_and_edited_on_the_other_is_asked_then_converges(
    devices: tuple[Desk, Desk],
) -> None:
    from cashdesk.registry.household_removal import remove_household
    from cashdesk.sync.conflicts import list_conflicts, resolve_conflict

    a, b = devices
    saved = a.run(create_household, household(member("Yamikani", "Zulu"), pay_point_code=""))
    sync_now(a)
    sync_now(b)
    a.run(remove_household, saved.id, reason="typed twice")
    _edit(b, saved.id, address="Behind the market")
    sync_now(a)
    assert sync_now(b).conflicts == 1
    [conflict] = b.run(list_conflicts)
    assert [f.name for f in conflict.fields] == ["deleted_at"] and conflict.fields[0].here is None
    assert _detail(b, saved.id).input.address == "Behind the market"  # still here until someone chooses
    b.run(resolve_conflict, conflict.id, choices={"deleted_at": "server"})
    sync_now(b)
    sync_now(a)
    for desk in (a, b):
        with pytest.raises(NotFound):
            _detail(desk, saved.id)
