"""Shared fixtures: a scheme database made once per run and copied for each test (fast and isolated)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import pytest

from cashdesk.desk import Desk, open_desk
from cashdesk.models.security import Role
from cashdesk.scheme.create import create_scheme
from cashdesk.security import keystore, users

ADMIN = "admin"
ADMIN_PASSWORD = "admin-pass-1"
USER_PASSWORD = "user-pass-1"


@pytest.fixture(autouse=True)
def cheap_key_derivation(monkeypatch: pytest.MonkeyPatch) -> None:
    """scrypt at full cost takes ~100 ms a password; the logic under test is the same at lower cost.

    Slots record their own cost parameters, so files written here still open with the real code.
    """
    monkeypatch.setattr(keystore, "SCRYPT_N", 2**10)


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scheme with the admin, a supervisor, an officer (village V001's area) and a clerk, and locations."""
    from cashdesk.models.location import LocationLevel
    from cashdesk.registry.locations import create_location

    original = keystore.SCRYPT_N
    keystore.SCRYPT_N = 2**10
    try:
        folder = tmp_path_factory.mktemp("template") / "data"
        create_scheme(
            folder,
            name="Test Scheme",
            country="MW",
            currency="MWK",
            admin_username=ADMIN,
            admin_password=ADMIN_PASSWORD,
            admin_full_name="Ada Admin",
        )
        desk = open_desk(folder, ADMIN, ADMIN_PASSWORD)
        desk.run(create_location, code="R01", name="South", level=LocationLevel.REGION)
        desk.run(
            create_location, code="D01", name="Riverside", level=LocationLevel.DISTRICT, parent_code="R01"
        )
        desk.run(
            create_location, code="V001", name="Chikwawa", level=LocationLevel.VILLAGE, parent_code="D01"
        )
        desk.run(create_location, code="V002", name="Mbewe", level=LocationLevel.VILLAGE, parent_code="D01")
        for name, role, locations in (
            ("sue", Role.SUPERVISOR, []),
            ("olive", Role.ENROLMENT_OFFICER, ["V001"]),
            ("carl", Role.PAY_POINT_CLERK, []),
        ):
            desk.run(
                users.create_user,
                desk.vault,
                username=name,
                full_name=name.title(),
                role=role,
                password=USER_PASSWORD,
                location_codes=locations,
            )
        desk.close()
    finally:
        keystore.SCRYPT_N = original
    return folder


@pytest.fixture
def data_dir(template_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(template_dir, target)
    return target


@pytest.fixture
def desk_for(data_dir: Path) -> Iterator[object]:
    opened: list[Desk] = []

    def login(username: str) -> Desk:
        desk = open_desk(data_dir, username, ADMIN_PASSWORD if username == ADMIN else USER_PASSWORD)
        opened.append(desk)
        return desk

    yield login
    for desk in opened:
        desk.close()


@pytest.fixture
def admin(desk_for: object) -> Desk:
    return desk_for(ADMIN)  # type: ignore[operator]


@pytest.fixture
def empty_dir(tmp_path: Path) -> Path:
    """A scheme with only its administrator (no locations), for the demo district."""
    folder = tmp_path / "empty"
    create_scheme(
        folder, name="Demo", country="MW", currency="MWK", admin_username=ADMIN, admin_password=ADMIN_PASSWORD
    )
    return folder
