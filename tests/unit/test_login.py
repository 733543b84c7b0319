from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cashdesk.core.errors import AccountInactive, AccountLocked, AuthenticationError, NotInitialised
from cashdesk.desk import open_desk
from cashdesk.security import audit, users
from tests.conftest import ADMIN, ADMIN_PASSWORD, USER_PASSWORD


def test_login_opens_the_database_as_the_user(data_dir: Path) -> None:
    desk = open_desk(data_dir, "Sue", USER_PASSWORD)  # user names are not case-sensitive
    assert desk.actor.username == "sue"
    assert desk.must_change_password  # a first password is temporary
    desk.close()


def test_wrong_password_then_lockout_after_five(data_dir: Path) -> None:
    messages = []
    for _ in range(4):
        with pytest.raises(AuthenticationError) as caught:
            open_desk(data_dir, "sue", "not-the-password")
        messages.append(caught.value.message)
    assert "1 more wrong attempt" in messages[-1]
    with pytest.raises(AccountLocked, match="locked for 5 more minute"):
        open_desk(data_dir, "sue", "not-the-password")
    # Even the right password is refused while locked.
    with pytest.raises(AccountLocked):
        open_desk(data_dir, "sue", USER_PASSWORD)


def test_lock_expires_and_failures_are_audited(data_dir: Path) -> None:
    for _ in range(5):
        with pytest.raises((AuthenticationError, AccountLocked)):
            open_desk(data_dir, "sue", "not-the-password")
    keys = json.loads((data_dir / "keys.json").read_text())
    keys["slots"]["sue"]["locked_until"] = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    (data_dir / "keys.json").write_text(json.dumps(keys))
    desk = open_desk(data_dir, "sue", USER_PASSWORD)
    rows = desk.run(audit.list_entries, audit.AuditFilter(action="login.failed_attempts"))
    assert rows and rows[0].username == "sue" and len(rows[0].after["attempts"]) == 5
    desk.close()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(data_dir: Path) -> None:
    with pytest.raises(AuthenticationError, match="Wrong user name or password"):
        open_desk(data_dir, "nobody", "whatever-123")


def test_deactivated_user_is_told_so_and_cannot_decrypt(data_dir: Path) -> None:
    admin = open_desk(data_dir, ADMIN, ADMIN_PASSWORD)
    admin.run(users.set_active, admin.vault, username="olive", active=False)
    admin.close()
    assert "olive" not in json.loads((data_dir / "keys.json").read_text())["slots"]
    with pytest.raises(AccountInactive, match="deactivated"):
        open_desk(data_dir, "olive", USER_PASSWORD)


def test_no_scheme_yet(tmp_path: Path) -> None:
    with pytest.raises(NotInitialised, match="cashdesk init"):
        open_desk(tmp_path / "missing", ADMIN, ADMIN_PASSWORD)


def test_swapped_key_slots_open_nothing(data_dir: Path) -> None:
    keys = json.loads((data_dir / "keys.json").read_text())
    keys["slots"]["sue"], keys["slots"]["carl"] = keys["slots"]["carl"], keys["slots"]["sue"]
    (data_dir / "keys.json").write_text(json.dumps(keys))
    with pytest.raises(AuthenticationError):
        open_desk(data_dir, "sue", USER_PASSWORD)


def test_idle_unlock_checks_the_password_with_the_same_lockout(admin: object) -> None:
    assert admin.check_password(ADMIN_PASSWORD)  # type: ignore[attr-defined]
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            admin.check_password("wrong-password")  # type: ignore[attr-defined]
    with pytest.raises(AccountLocked):
        admin.check_password("wrong-password")  # type: ignore[attr-defined]
