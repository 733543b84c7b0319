"""A new laptop joins the scheme from the central server (no copy of another laptop's database), and then
works with the scheme's first laptop through the server: real server process, real HTTP."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from cashdesk.core.errors import AuthenticationError, Cancelled, PermissionDenied, ValidationError
from cashdesk.desk import Desk, open_desk
from cashdesk.models import Role, Scheme, User
from cashdesk.registry.households import create_household, get_household, update_household
from cashdesk.registry.search import HouseholdQuery, list_households
from cashdesk.scheme.settings import scheme_info, set_custom_fields
from cashdesk.security.users import list_users, update_user
from cashdesk.sync.connection import LoginNeeded, Refused
from cashdesk.sync.join import join_scheme
from cashdesk.sync.run import sync_now
from tests.integration.central_server import PASSWORD, CentralServer
from tests.integration.sync_devices import new_device, open_as
from tests.unit.registry_helpers import household, member

LAPTOP_PASSWORD = "laptop-pass-1"
FIELDS = {
    "household": {"type": "object", "properties": {"water": {"type": "string", "title": "Water source"}}}
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[CentralServer]:
    running = CentralServer(db=f"sqlite:///{tmp_path / 'central.sqlite'}")
    running.add_user("admin", "administrator")
    running.add_user("olive", "enrolment_officer", "/R01/D01/V001/")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def first(template_dir: Path, tmp_path: Path, server: CentralServer) -> Iterator[Desk]:
    """The scheme's first laptop: a household in each of two villages, a custom field, all synced."""
    desk = open_as(new_device(template_dir, tmp_path / "first", server, server_user="admin"), "admin")
    desk.run(set_custom_fields, schema=FIELDS)
    desk.run(update_user, username="olive", location_codes=["V001", "V002"])  # here; V001 on the server
    olive = open_as(tmp_path / "first", "olive")
    try:
        for given, village in (("Chikondi", "V001"), ("Dalitso", "V002")):
            olive.run(create_household, household(member(given, "Banda", born=date(1980, 1, 2)), village=village,
                                                  pay_point_code=""))  # fmt: skip
    finally:
        olive.close()
    sync_now(desk)
    yield desk
    desk.close()


def _join(folder: Path, server: CentralServer, username: str, **changes: object) -> object:
    how = {
        "url": server.url,
        "username": username,
        "server_password": PASSWORD,
        "device": server.draw_device(),
        "password": LAPTOP_PASSWORD,
    } | changes
    return join_scheme(folder, **how)  # type: ignore[arg-type]


def test_a_laptop_joins_from_the_server_with_the_scheme_its_places_and_staff(
    first: Desk, server: CentralServer, tmp_path: Path
) -> None:
    steps: list[str] = []
    joined = join_scheme(
        tmp_path / "joined",
        url=server.url,
        username="olive",
        server_password=PASSWORD,
        device=(code := server.draw_device()),
        password=LAPTOP_PASSWORD,
        progress=lambda _f, message: steps.append(message),
    )
    assert (joined.username, joined.role, joined.scheme_name) == (
        "olive",
        Role.ENROLMENT_OFFICER,
        "Test Scheme",
    )
    assert len(joined.recovery_key.split("-")) == 14 and steps[0] == "Creating this laptop's database..."
    assert not (tmp_path / ".joined.joining").exists()
    laptop = open_desk(tmp_path / "joined", "olive", LAPTOP_PASSWORD)
    try:
        info = laptop.run(scheme_info)
        assert (info.name, info.country, info.currency) == (first.run(scheme_info).name, "MW", "MWK")
        assert info.custom_fields_schema == FIELDS
        assert laptop.run(lambda s, _a: s.execute(select(Scheme.device_code)).scalar_one()) == code
        # Her village's household came, the other village's did not (her server account's places).
        names = {h.head_name for h in laptop.run(list_households, HouseholdQuery(text="Banda"))}
        assert names == {"Chikondi Banda"}
        # The scheme's staff came with their names and roles: olive is the same user as on the first.
        users = laptop.run(lambda s, _a: {u.username: (u.role, u.id) for u in s.scalars(select(User))})
        origin = first.run(lambda s, _a: {u.username: (u.role, u.id) for u in s.scalars(select(User))})
        assert users == origin
    finally:
        laptop.close()
    # Staff who came with the sync have no password on this laptop: the message says what to do.
    with pytest.raises(AuthenticationError, match="administrator has given them a password here"):
        open_desk(tmp_path / "joined", "sue", "user-pass-1")


def test_the_joined_laptop_and_the_first_exchange_edits(
    first: Desk, server: CentralServer, tmp_path: Path
) -> None:
    _join(tmp_path / "joined", server, "olive")
    laptop = open_desk(tmp_path / "joined", "olive", LAPTOP_PASSWORD)
    try:
        [row] = laptop.run(list_households, HouseholdQuery(text="Chikondi"))
        data = laptop.run(get_household, row.id).input
        laptop.run(update_household, dataclasses.replace(data, address="Near the new borehole"))
        new = laptop.run(create_household, household(member("Esnart", "Phiri"), pay_point_code=""))
        assert new.code.startswith(
            laptop.run(lambda s, _a: s.execute(select(Scheme.device_code)).scalar_one())
        )
        assert sync_now(laptop).pushed >= 3
    finally:
        laptop.close()
    sync_now(first)
    assert first.run(get_household, row.id).input.address == "Near the new borehole"
    assert first.run(get_household, new.id).input.members[0].given_name == "Esnart"


def test_a_user_new_to_the_scheme_joins_and_becomes_staff_everywhere(
    first: Desk, server: CentralServer, tmp_path: Path
) -> None:
    server.add_user("nora", "enrolment_officer", "/R01/D01/V002/")
    joined = _join(tmp_path / "joined", server, "nora")
    assert joined.places == ("/R01/D01/V002/",)  # type: ignore[attr-defined]
    sync_now(first)
    [nora] = [u for u in first.run(list_users) if u.username == "nora"]
    assert nora.role == Role.ENROLMENT_OFFICER and nora.location_codes == ("V002",)


def test_joining_refuses_what_cannot_work_and_leaves_the_folder_as_it_was(
    first: Desk, server: CentralServer, tmp_path: Path
) -> None:
    folder = tmp_path / "joined"
    with pytest.raises(LoginNeeded, match="Wrong user name or password"):
        _join(folder, server, "olive", server_password="not-it-at-all")
    with pytest.raises(Refused, match="not registered"):
        _join(folder, server, "olive", device="ZZZZ")
    server.add_user("ana", "reader")
    with pytest.raises(PermissionDenied, match="only reads"):
        _join(folder, server, "ana")
    with pytest.raises(ValidationError, match="at least"):
        _join(folder, server, "olive", password="short")
    stop = threading.Event()
    with pytest.raises(Cancelled):
        _join(folder, server, "olive", progress=lambda f, _m: stop.set() if f > 0.1 else None, abort=stop)
    assert not folder.exists() and not (tmp_path / ".joined.joining").exists()
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(ValidationError, match="not empty"):
        _join(folder, server, "olive")
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_a_server_with_no_scheme_yet_says_the_first_laptop_must_sync_first(tmp_path: Path) -> None:
    empty = CentralServer(db=f"sqlite:///{tmp_path / 'empty.sqlite'}")
    empty.add_user("olive", "enrolment_officer", "/R01/D01/")
    empty.start()
    try:
        with pytest.raises(ValidationError, match="first laptop must sync"):
            _join(tmp_path / "joined", empty, "olive")
    finally:
        empty.stop()
