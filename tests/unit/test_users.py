from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cashdesk.core.errors import AuthenticationError, ValidationError
from cashdesk.desk import Desk, open_desk
from cashdesk.models.security import Role
from cashdesk.security import audit, users
from tests.conftest import USER_PASSWORD


def test_admin_creates_a_user_who_logs_in_and_must_change_password(admin: Desk, data_dir: Path) -> None:
    info = admin.run(
        users.create_user,
        admin.vault,
        username="Pat",
        full_name="Pat Phiri",
        role=Role.PAY_POINT_CLERK,
        password="first-pass-9",
    )
    assert info.username == "pat" and info.must_change_password
    desk = open_desk(data_dir, "pat", "first-pass-9")
    assert desk.must_change_password
    desk.run(
        users.change_own_password, desk.vault, current_password="first-pass-9", new_password="my-own-pass-2"
    )
    desk.close()
    again = open_desk(data_dir, "pat", "my-own-pass-2")
    assert not again.must_change_password
    again.close()


def test_a_failed_write_leaves_no_password_behind(admin: Desk, data_dir: Path) -> None:
    with pytest.raises(ValidationError, match="taken"):
        admin.run(
            users.create_user,
            admin.vault,
            username="sue",
            full_name="Other Sue",
            role=Role.SUPERVISOR,
            password="another-pass-1",
        )
    # The original sue still logs in with her own password.
    open_desk(data_dir, "sue", USER_PASSWORD).close()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "a b"}, "username"),
        ({"password": "short"}, "password"),
        ({"password": "newbie"}, "password"),
        ({"full_name": "  "}, "full_name"),
        ({"role": Role.ENROLMENT_OFFICER}, "locations"),
        ({"location_codes": ["NOPE"]}, "locations"),
    ],
)
def test_bad_input_names_the_field(admin: Desk, kwargs: dict[str, object], field: str) -> None:
    values: dict[str, object] = {
        "username": "newbie",
        "full_name": "New Bie",
        "role": Role.SUPERVISOR,
        "password": "good-pass-1",
    } | kwargs
    with pytest.raises(ValidationError) as caught:
        admin.run(users.create_user, admin.vault, **values)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_reset_password_gives_a_temporary_one(admin: Desk, data_dir: Path) -> None:
    admin.run(users.reset_password, admin.vault, username="sue", new_password="temp-pass-77")
    with pytest.raises(AuthenticationError):
        open_desk(data_dir, "sue", USER_PASSWORD)
    desk = open_desk(data_dir, "sue", "temp-pass-77")
    assert desk.must_change_password
    desk.close()


def test_deactivate_and_reactivate(admin: Desk, data_dir: Path) -> None:
    admin.run(users.set_active, admin.vault, username="carl", active=False)
    with pytest.raises(ValidationError, match="temporary password"):
        admin.run(users.set_active, admin.vault, username="carl", active=True)
    admin.run(users.set_active, admin.vault, username="carl", active=True, new_password="back-again-1")
    open_desk(data_dir, "carl", "back-again-1").close()
    actions = [r.action for r in admin.run(audit.list_entries, audit.AuditFilter(entity_type="user"))]
    assert "user.deactivated" in actions and "user.activated" in actions


def test_the_last_administrator_cannot_be_removed_or_demoted(admin: Desk) -> None:
    with pytest.raises(ValidationError, match="own account"):
        admin.run(users.set_active, admin.vault, username="admin", active=False)
    with pytest.raises(ValidationError, match="last active administrator"):
        admin.run(users.update_user, username="admin", role=Role.SUPERVISOR)


def test_change_own_password_needs_the_current_one(desk_for: Callable[[str], Desk]) -> None:
    sue = desk_for("sue")
    with pytest.raises(AuthenticationError, match="current password"):
        sue.run(
            users.change_own_password, sue.vault, current_password="guess-1234", new_password="new-pass-123"
        )


def test_update_user_records_before_and_after(admin: Desk) -> None:
    admin.run(users.update_user, username="olive", location_codes=["V001", "V002"], full_name="Olive Banda")
    row = admin.run(audit.list_entries, audit.AuditFilter(action="user.updated"))[0]
    assert row.before is not None and row.after is not None
    assert row.before["locations"] == ["V001"] and row.after["locations"] == ["V001", "V002"]
    assert row.after["full_name"] == "Olive Banda"
