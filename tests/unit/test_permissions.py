"""The permission matrix, checked by calling each service directly as each role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cashdesk.core.errors import PermissionDenied
from cashdesk.demo.district import load_demo_district
from cashdesk.desk import Desk
from cashdesk.models.location import LocationLevel
from cashdesk.models.security import Role
from cashdesk.registry.locations import create_location
from cashdesk.reports.overview import overview
from cashdesk.scheme.settings import scheme_info, update_settings
from cashdesk.security import audit, users
from cashdesk.security.permissions import Actor

ROLES = {
    "admin": "administrator",
    "sue": "supervisor",
    "olive": "enrolment_officer",
    "carl": "pay_point_clerk",
}

# action name -> (call, roles allowed)
ACTIONS: dict[str, tuple[Callable[[Desk], Any], set[str]]] = {
    "list users": (lambda d: d.run(users.list_users), {"administrator"}),
    "create user": (
        lambda d: d.run(
            users.create_user,
            d.vault,
            username="newone",
            full_name="New One",
            role=Role.SUPERVISOR,
            password="some-pass-1",
        ),
        {"administrator"},
    ),
    "reset password": (
        lambda d: d.run(users.reset_password, d.vault, username="carl", new_password="some-pass-1"),
        {"administrator"},
    ),
    "deactivate user": (
        lambda d: (
            d.run(users.set_active, d.vault, username="carl", active=False)
            if d.actor.username != "carl"
            else d.run(users.set_active, d.vault, username="sue", active=False)
        ),
        {"administrator"},
    ),
    "change settings": (lambda d: d.run(update_settings, idle_lock_minutes=15), {"administrator"}),
    "create location": (
        lambda d: d.run(
            create_location, code="V009", name="New", level=LocationLevel.VILLAGE, parent_code="D01"
        ),
        {"administrator"},
    ),
    "load demo data": (lambda d: d.run(load_demo_district, households=5), {"administrator"}),
    "read audit trail": (
        lambda d: d.run(audit.list_entries, audit.AuditFilter()),
        {"administrator", "supervisor"},
    ),
    "verify audit trail": (lambda d: d.run(audit.verify_chain), {"administrator", "supervisor"}),
    "read scheme settings": (lambda d: d.run(scheme_info), set(ROLES.values())),
    "see overview": (lambda d: d.run(overview), set(ROLES.values())),
    "see own account": (lambda d: d.run(users.current_user), set(ROLES.values())),
}


@pytest.mark.parametrize("username", list(ROLES))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(desk_for: Callable[[str], Desk], username: str, action: str) -> None:
    call, allowed = ACTIONS[action]
    desk = desk_for(username)
    if ROLES[username] in allowed:
        try:
            call(desk)
        except PermissionDenied:  # pragma: no cover - the failure message is the point
            pytest.fail(f"{username} ({ROLES[username]}) should be allowed to {action}")
        except Exception as exc:
            assert not isinstance(exc, PermissionDenied)
    else:
        with pytest.raises(PermissionDenied):
            call(desk)


def _actor(role: Role, paths: tuple[str, ...] = ()) -> Actor:
    import uuid

    return Actor(user_id=uuid.uuid4(), username="x", full_name="X", role=role, location_paths=paths)


def test_location_scope() -> None:
    officer = _actor(Role.ENROLMENT_OFFICER, ("/R01/D01/V001/",))
    assert officer.covers_location("/R01/D01/V001/")
    assert not officer.covers_location("/R01/D01/V002/")
    assert not _actor(Role.ENROLMENT_OFFICER).covers_location("/R01/")  # no area: nothing
    assert _actor(Role.SUPERVISOR).covers_location("/R01/D01/V002/")  # no area: everywhere
    assert not _actor(Role.SUPERVISOR, ("/R02/",)).covers_location("/R01/D01/")
    assert _actor(Role.ADMINISTRATOR, ("/R02/",)).covers_location("/R01/D01/")
