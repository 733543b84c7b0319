"""The `cashdesk` command as a user runs it: a real process on a real encrypted database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ADMIN_PASSWORD = "admin-pass-1"


def cashdesk(
    *args: str, data: Path, password: str | None = ADMIN_PASSWORD, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CASHDESK_")}
    environ |= {"CASHDESK_HOME": str(data)} | env
    if password is not None:
        environ["CASHDESK_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "cashdesk", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture(scope="module")
def scheme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("cli") / "data"
    result = cashdesk(
        "init",
        "--scheme",
        "Inua Jamii",
        "--country",
        "KE",
        "--currency",
        "KES",
        "--admin",
        "chief",
        data=data,
    )
    assert result.returncode == 0, result.stderr
    assert "Recovery key" in result.stdout
    return data


def test_version_and_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cashdesk", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.startswith("CashDesk ")
    for args in (
        ["--help"],
        ["user", "--help"],
        ["user", "add", "--help"],
        ["demo", "--help"],
        ["init", "--help"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "cashdesk", *args], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0 and "usage: cashdesk" in result.stdout


def test_database_is_encrypted_on_disk(scheme: Path) -> None:
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(scheme / "cashdesk.db").execute("SELECT name FROM sqlite_master").fetchall()


def test_init_twice_is_refused(scheme: Path) -> None:
    result = cashdesk(
        "init", "--scheme", "Again", "--country", "KE", "--currency", "KES", "--admin", "x", data=scheme
    )
    assert result.returncode == 1
    assert "already holds a CashDesk scheme" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_add_and_list_users_then_the_new_user_logs_in(scheme: Path) -> None:
    added = cashdesk(
        "--user",
        "chief",
        "user",
        "add",
        "wanjiru",
        "--role",
        "supervisor",
        "--full-name",
        "Wanjiru Kamau",
        data=scheme,
        CASHDESK_NEW_PASSWORD="wanjiru-pass-1",
    )
    assert added.returncode == 0, added.stderr
    listing = cashdesk("user", "list", data=scheme, CASHDESK_USER="chief")
    assert listing.returncode == 0
    assert "wanjiru" in listing.stdout and "supervisor" in listing.stdout
    # A supervisor may not manage users: same rule as in the window.
    refused = cashdesk("--user", "wanjiru", "user", "list", data=scheme, password="wanjiru-pass-1")
    assert refused.returncode == 1
    assert "Only administrators may manage users; you are logged in as supervisor." in refused.stderr


def test_unknown_role_and_missing_password_fail_cleanly(scheme: Path) -> None:
    bad_role = cashdesk("--user", "chief", "user", "add", "x", "--role", "boss", data=scheme)
    assert bad_role.returncode == 2 and "invalid choice" in bad_role.stderr
    no_password = cashdesk("--user", "chief", "user", "list", data=scheme, password=None)
    assert no_password.returncode == 1 and "CASHDESK_PASSWORD" in no_password.stderr


def test_lockout_is_the_same_on_the_command_line(scheme: Path) -> None:
    cashdesk(
        "--user",
        "chief",
        "user",
        "add",
        "otieno",
        "--role",
        "pay_point_clerk",
        data=scheme,
        CASHDESK_NEW_PASSWORD="otieno-pass-1",
    )
    for _ in range(4):
        wrong = cashdesk("--user", "otieno", "user", "list", data=scheme, password="bad-guess-1")
        assert wrong.returncode == 1 and "Wrong user name or password" in wrong.stderr
    locked = cashdesk("--user", "otieno", "user", "list", data=scheme, password="bad-guess-1")
    assert "locked" in locked.stderr
    still = cashdesk("--user", "otieno", "user", "list", data=scheme, password="otieno-pass-1")
    assert still.returncode == 1 and "locked" in still.stderr


def test_audit_verify_finds_the_first_broken_link(scheme: Path, tmp_path: Path) -> None:
    ok = cashdesk("--user", "chief", "audit", "verify", data=scheme)
    assert ok.returncode == 0 and "intact" in ok.stdout
    listing = cashdesk("--user", "chief", "audit", "list", "--action", "user.created", "--json", data=scheme)
    assert '"action": "user.created"' in listing.stdout

    # Someone with the key edits entry 2 behind CashDesk's back.
    import shutil

    copy = tmp_path / "tampered"
    shutil.copytree(scheme, copy)
    from cashdesk.security.keystore import Keystore

    key = Keystore(copy / "keys.json").unwrap("chief", ADMIN_PASSWORD)
    assert key is not None
    from cashdesk.core.database import make_engine

    engine = make_engine(copy / "cashdesk.db", key)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_entries_no_update")
        conn.exec_driver_sql("UPDATE audit_entries SET summary = 'nothing happened' WHERE seq = 2")
    engine.dispose()
    broken = cashdesk("--user", "chief", "audit", "verify", data=copy)
    assert broken.returncode == 1
    assert "broken at entry 2" in broken.stderr


def test_demo_then_recover_access_with_the_recovery_key(tmp_path: Path) -> None:
    data = tmp_path / "data"
    init = cashdesk(
        "init", "--scheme", "SCTP", "--country", "MW", "--currency", "MWK", "--admin", "admin", data=data
    )
    recovery_key = init.stdout.strip().splitlines()[-1].strip()
    demo = cashdesk("--user", "admin", "demo", "--households", "300", "--seed", "4", data=data)
    assert demo.returncode == 0, demo.stderr
    assert "300 households" in demo.stdout
    again = cashdesk("--user", "admin", "demo", "--households", "10", data=data)
    assert again.returncode == 1 and "new one" in again.stderr

    (data / "keys.json").unlink()  # the key file is lost
    lost = cashdesk("--user", "admin", "user", "list", data=data)
    assert lost.returncode == 1 and "recovery key" in lost.stderr
    recovered = cashdesk(
        "--data-dir",
        str(data),
        "recover",
        "--admin",
        "admin",
        data=tmp_path / "elsewhere",
        CASHDESK_RECOVERY_KEY=recovery_key.lower(),
        CASHDESK_NEW_PASSWORD="brand-new-pass",
    )
    assert recovered.returncode == 0, recovered.stderr
    listing = cashdesk("--user", "admin", "user", "list", data=data, password="brand-new-pass")
    assert listing.returncode == 0 and "admin" in listing.stdout


def test_missing_data_folder_and_foreign_file(tmp_path: Path) -> None:
    missing = cashdesk("--user", "admin", "user", "list", data=tmp_path / "nowhere")
    assert missing.returncode == 1 and "cashdesk init" in missing.stderr
    data = tmp_path / "foreign"
    data.mkdir()
    sqlite3.connect(data / "cashdesk.db").execute("CREATE TABLE x (y)").connection.commit()
    (data / "keys.json").write_text("{not json")
    damaged = cashdesk("--user", "admin", "user", "list", data=data)
    assert damaged.returncode == 1 and "damaged" in damaged.stderr


def test_no_display_gets_a_message_not_a_crash(tmp_path: Path) -> None:
    environ = {
        k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    environ["CASHDESK_HOME"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "cashdesk"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "no display" in result.stderr
