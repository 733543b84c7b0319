"""Sync when things go wrong, on a real server process over real HTTP, with a fault proxy in between:
after every fault the device says what happened in plain words, keeps its changes, and the next sync
converges without losing or duplicating a record."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from cashdesk.desk import Desk
from cashdesk.models import Household, Member
from cashdesk.registry.households import create_household
from cashdesk.sync import connection
from cashdesk.sync.connection import LoginNeeded, Offline, ServerFailed
from cashdesk.sync.login import log_in_to_server
from cashdesk.sync.run import sync_now
from cashdesk.sync.status import outbox, sync_status
from tests.integration.central_server import PASSWORD, CentralServer
from tests.integration.fault_proxy import FaultProxy
from tests.integration.sync_devices import new_device, open_as
from tests.unit.registry_helpers import household, member


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CentralServer]:
    running = CentralServer(db=f"sqlite:///{tmp_path / 'central.sqlite'}")
    running.add_user("olive", "enrolment_officer", "/R01/D01/")
    running.add_user("admin", "administrator")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def proxy(server: CentralServer) -> Iterator[FaultProxy]:
    between = FaultProxy(server.url)
    yield between
    between.close()


@pytest.fixture
def device(template_dir: Path, tmp_path: Path, server: CentralServer, proxy: FaultProxy) -> Iterator[Desk]:
    desk = open_as(new_device(template_dir, tmp_path / "a", server, url=proxy.url), "olive")
    yield desk
    desk.close()


def _register(desk: Desk, given: str) -> None:
    desk.run(
        create_household,
        household(member(given, "Phiri", born=date(1990, 1, 1)), pay_point_code=""),
        duplicate_note="a test household",  # names alike on purpose: not the duplicate check's business here
    )


def _server_counts(server: CentralServer) -> dict[str, tuple[int, int]]:
    """(resources, versions) by type on the server, read from its database."""
    with sqlite3.connect(server.db.removeprefix("sqlite:///")) as db:
        current = dict(db.execute("SELECT type, count(*) FROM resources GROUP BY type").fetchall())
        written = dict(db.execute("SELECT type, count(*) FROM versions GROUP BY type").fetchall())
    return {t: (current[t], written.get(t, 0)) for t in current}


def _local_count(desk: Desk, model: type) -> int:
    return int(desk.run(lambda s, _a: s.execute(select(func.count()).select_from(model)).scalar_one()))


def test_no_connection_is_said_plainly_and_nothing_is_lost(device: Desk, server: CentralServer) -> None:
    _register(device, "Offline")
    server.stop()
    with pytest.raises(Offline, match="Cannot reach the server: no connection"):
        sync_now(device)
    status = device.run(sync_status)
    assert (
        status.text.startswith("Cannot reach the server: no connection.") and "changes waiting" in status.text
    )
    server.start()
    report = sync_now(device)
    assert report.pushed >= 2 and device.run(sync_status).waiting == 0
    assert _server_counts(server)["Group"] == (1, 1)


def test_an_answer_lost_after_the_server_committed_is_not_applied_twice(
    device: Desk, server: CentralServer, proxy: FaultProxy
) -> None:
    _register(device, "Lost")
    proxy.once("lose-answer")
    with pytest.raises(Offline):
        sync_now(device)
    assert [s for _m, p, s in proxy.seen if p == "/"] == [-200]  # the server took it
    [waiting] = device.run(outbox)[2]
    assert waiting[1] == 1  # one bundle sent, its answer not yet had
    sync_now(device)
    counts = _server_counts(server)
    assert counts["Group"] == (1, 1) and counts["Patient"] == (1, 1)  # one version each: applied once
    assert device.run(outbox)[2] == [] and device.run(sync_status).waiting == 0


def test_a_slow_server_times_out_and_a_500_is_retried_later(
    device: Desk, server: CentralServer, proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(device, "Slow")
    monkeypatch.setattr(connection, "READ_SECONDS", 1)
    proxy.delay = 3
    proxy.once("slow", method="GET", path="/_history")
    with pytest.raises(Offline, match="did not answer in time"):
        sync_now(device)
    proxy.once("500")
    with pytest.raises(ServerFailed, match="HTTP 500"):
        sync_now(device)
    assert "The last sync failed" in device.run(sync_status).text
    sync_now(device)
    assert _server_counts(server)["Group"] == (1, 1) and device.run(sync_status).waiting == 0


def test_the_server_killed_while_a_bundle_is_on_its_way_then_restarted(
    device: Desk, server: CentralServer, proxy: FaultProxy
) -> None:
    for n in range(30):
        _register(device, f"Killed{n}")
    proxy.before_forward = lambda: server.stop(kill=True)
    proxy.once("kill-during")
    with pytest.raises((Offline, ServerFailed)):
        sync_now(device)
    server.start()
    sync_now(device)
    counts = _server_counts(server)
    assert counts["Group"][0] == 30 and counts["Patient"][0] == 30
    assert counts["Group"][1] == 30  # whether the first try was applied or not: once
    assert device.run(sync_status).waiting == 0 and _local_count(device, Household) == 30


def test_an_expired_login_says_so_and_a_new_login_carries_on(
    device: Desk, server: CentralServer, proxy: FaultProxy
) -> None:
    _register(device, "Expired")
    with sqlite3.connect(server.db.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE tokens SET expires_at = '2000-01-01T00:00:00.000000+00:00'")
    with pytest.raises(LoginNeeded, match="Login to the server expired"):
        sync_now(device)
    assert device.run(sync_status).text.startswith("Login to the server expired")
    log_in_to_server(device, url=proxy.url, username="olive", password=PASSWORD)
    assert sync_now(device).pushed >= 2


def test_a_laptop_clock_a_day_off_is_warned_and_dates_come_from_the_server(
    device: Desk, proxy: FaultProxy
) -> None:
    proxy.clock_shift = timedelta(days=1)  # the server's clock a day ahead: the laptop a day behind
    report = sync_now(device)
    assert report.clock_off is not None and abs(report.clock_off + timedelta(days=1)) < timedelta(minutes=1)
    assert "last synced just now" in device.run(sync_status).text  # by the server's clock, not the laptop's


def test_a_record_the_server_refuses_is_set_aside_and_the_others_go(
    template_dir: Path, tmp_path: Path, server: CentralServer
) -> None:
    server.add_user("nelson", "enrolment_officer", "/R01/D02/")  # another district's officer
    desk = open_as(new_device(template_dir, tmp_path / "n", server, server_user="nelson"), "olive")
    try:
        _register(desk, "Elsewhere")
        report = sync_now(desk)
        assert report.refused and "not one of your locations" in report.refused[0]
        _rows, refusals, _pending = desk.run(outbox)
        assert refusals and "not one of your locations" in refusals[0].reason
        assert sync_now(desk).refused == []  # set aside: not sent again until it changes
        assert _local_count(desk, Member) == 1
    finally:
        desk.close()
    assert requests.get(f"{server.url}/metadata", timeout=5).status_code == 200
