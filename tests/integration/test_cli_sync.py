"""`cashdesk server login|status|lift-freeze`, `cashdesk sync`, `cashdesk export|import bundle` and
`cashdesk import fhir` as each role runs them: a real process, a real server on 127.0.0.1; refusals name who
may, bad input ends with one line and exit code 1."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cashdesk.scheme.settings import scheme_info
from tests.integration.central_server import PASSWORD, CentralServer
from tests.integration.test_cli_review import command, environment, one_line

ROLES = ("admin", "sue", "olive", "carl")


def run(user: str, *args: str, data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(user, *args, data=data), capture_output=True, text=True, timeout=180,
                          env=environment(user) | env, stdin=subprocess.DEVNULL, check=False)  # fmt: skip


@pytest.fixture
def server(tmp_path: Path, desk_for: object) -> Iterator[CentralServer]:
    running = CentralServer(db=f"sqlite:///{tmp_path / 'central.sqlite'}")
    running.add_user("district", "supervisor")
    running.add_device(desk_for("admin").run(scheme_info).device_code)  # type: ignore[operator]
    running.start()
    yield running
    running.stop()


def test_every_role_logs_in_and_syncs_and_the_status_says_what_happened(
    data_dir: Path, server: CentralServer
) -> None:
    login = ("server", "login", server.url, "--as", "district")
    for user in ROLES:
        done = run(user, *login, data=data_dir, CASHDESK_SERVER_PASSWORD=PASSWORD)
        assert done.returncode == 0 and "Logged in to" in done.stdout, (user, done.stdout, done.stderr)
        synced = run(user, "sync", data=data_dir)
        assert synced.returncode == 0 and synced.stdout.startswith("Pushed "), (user, synced.stderr)
        status = run(user, "server", "status", data=data_dir)
        assert "Nothing waiting, last synced just now" in status.stdout, status.stdout
    wrong = run("olive", *login, data=data_dir, CASHDESK_SERVER_PASSWORD="not-it-at-all")
    assert "Wrong user name or password" in one_line(wrong)
    other = run("olive", "server", "login", "http://127.0.0.1:1", "--as", "district", data=data_dir,
                CASHDESK_SERVER_PASSWORD=PASSWORD)  # fmt: skip
    assert "administrators" in one_line(other)  # another server: the administrator's to change
    assert "not a server address" in one_line(run("admin", "server", "login", "sync.example", "--as", "x", data=data_dir,
                                                  CASHDESK_SERVER_PASSWORD=PASSWORD))  # fmt: skip
    assert "syncs with" in one_line(run("olive", "sync", "--server", "http://elsewhere", data=data_dir))
    server.stop()
    offline = run("olive", "sync", data=data_dir)
    assert offline.returncode == 1 and "Traceback" not in offline.stderr  # the progress lines, then why
    assert "Cannot reach the server: no connection" in offline.stderr.strip().splitlines()[-1]
    assert run("olive", "server", "status", data=data_dir).stdout.startswith("Cannot reach the server")


def test_a_laptop_never_logged_in_says_so(data_dir: Path) -> None:
    assert "log in to the server first" in one_line(run("olive", "sync", data=data_dir))


@pytest.mark.parametrize("user", ["olive", "carl"])
def test_only_supervisors_lift_the_freeze(data_dir: Path, server: CentralServer, user: str) -> None:
    assert run("admin", "server", "login", server.url, "--as", "district", data=data_dir,
               CASHDESK_SERVER_PASSWORD=PASSWORD).returncode == 0  # fmt: skip
    refused = one_line(run(user, "server", "lift-freeze", "--reason", "pay day", data=data_dir))
    assert "Only administrators or supervisors may lift the sync freeze" in refused
    done = run("sue", "server", "lift-freeze", "--reason", "pay day far from the network", data=data_dir)
    assert done.returncode == 0 and "without syncing until" in done.stdout
    assert "Say why" in one_line(run("sue", "server", "lift-freeze", "--reason", " ", data=data_dir))


def test_transfer_files_by_role_and_bad_input(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "office.cdbundle"
    phrase = {"CASHDESK_BUNDLE_PASSPHRASE": "a passphrase long enough"}
    for user in ROLES:
        done = run(user, "export", "bundle", "--out", str(out), data=data_dir, **phrase)
        assert done.returncode == 0 and "records written" in done.stdout, (user, done.stderr)
        again = run(user, "import", "bundle", str(out), data=data_dir, **phrase)
        assert again.returncode == 0 and "Added 0, updated 0" in again.stdout, (
            user,
            again.stdout,
            again.stderr,
        )
    assert "does not exist" in one_line(run("olive", "export", "bundle", "--out", str(tmp_path / "no" / "x"),
                                            data=data_dir, **phrase))  # fmt: skip
    assert "cannot be read" in one_line(run("olive", "import", "bundle", str(tmp_path / "none"), data=data_dir,
                                            **phrase))  # fmt: skip
    fhir = tmp_path / "registry.json"
    fhir.write_text('{"resourceType": "Bundle", "type": "collection", "entry": []}', encoding="utf-8")
    assert "holds no Patient" in one_line(run("olive", "import", "fhir", str(fhir), data=data_dir))
    assert "enrolment officers" in one_line(run("carl", "import", "fhir", str(fhir), data=data_dir))
    assert not any(p.name.endswith(".part") for p in tmp_path.iterdir())
    assert os.path.exists(out)


def test_a_new_laptop_joins_the_scheme_from_the_command_line(
    data_dir: Path, server: CentralServer, tmp_path: Path
) -> None:
    """`cashdesk join` runs before the laptop has any user: the server account is who acts, and its role
    decides (a reader is refused). Bad input: one line, exit 1, no folder left behind."""
    from tests.integration.test_cli_review import CASHDESK

    assert run("admin", "server", "login", server.url, "--as", "district", data=data_dir,
               CASHDESK_SERVER_PASSWORD=PASSWORD).returncode == 0  # fmt: skip
    assert run("admin", "sync", data=data_dir).returncode == 0  # the scheme's first laptop, on the server
    server.add_user("ana", "reader")
    laptop = tmp_path / "laptop"

    def join(
        user: str, password: str = PASSWORD, device: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASHDESK_")}
        return subprocess.run(
            [str(CASHDESK), "--data-dir", str(laptop), "join", server.url, "--as", user,
             "--device", device or server.draw_device()],
            capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL, check=False,
            env=env | {"CASHDESK_SERVER_PASSWORD": password, "CASHDESK_PASSWORD": "laptop-pass-1"},
        )  # fmt: skip

    assert "Wrong user name or password" in one_line(join("district", password="not-it-at-all"))
    assert "not registered" in one_line(join("district", device="ZZZZ"))
    assert "only reads" in one_line(join("ana"))
    assert "not a server address" in one_line(
        subprocess.run([str(CASHDESK), "--data-dir", str(laptop), "join", "sync.example", "--as", "x",
                        "--device", "AB12"], capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL,
                       env=dict(os.environ, CASHDESK_SERVER_PASSWORD=PASSWORD, CASHDESK_PASSWORD="laptop-pass-1"))
    )  # fmt: skip
    assert not laptop.exists()
    done = join("district")
    assert done.returncode == 0, done.stderr
    assert "Joined Test Scheme as district (supervisor, the whole scheme)" in done.stdout
    assert "Recovery key" in done.stdout
    listed = subprocess.run([str(CASHDESK), "--data-dir", str(laptop), "--user", "district", "sync"],
                            capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL,
                            env=dict(os.environ, CASHDESK_PASSWORD="laptop-pass-1"))  # fmt: skip
    assert listed.returncode == 0 and listed.stdout.startswith("Pushed 0, pulled 0"), (
        listed.stdout + listed.stderr
    )
    again = join("district")
    assert "already holds a CashDesk scheme" in one_line(again)
