"""Where the server login token is kept: a real keyring backend (an in-memory one, as STACK-NOTES
advises) takes it; without a usable keyring it goes into the encrypted database, never a plain file."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.fail import Keyring as NoKeyring

from cashdesk.sync import credentials


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.kept.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.kept[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.kept.pop((service, username), None)


@pytest.fixture
def memory() -> Iterator[MemoryKeyring]:
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def test_a_keyring_keeps_the_token_and_forgets_it(memory: MemoryKeyring) -> None:
    assert credentials.save_token("https://sync.example.org/", "otto", "t0ken")
    assert credentials.load_token("https://sync.example.org", "otto") == "t0ken"
    assert memory.kept == {(credentials.SERVICE, "otto@https://sync.example.org"): "t0ken"}
    credentials.forget_token("https://sync.example.org", "otto")
    assert memory.kept == {}


def test_without_a_keyring_the_caller_is_told_to_keep_it_in_the_database() -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        assert not credentials.keyring_available()
        assert credentials.save_token("https://sync.example.org", "otto", "t0ken") is False
        assert credentials.load_token("https://sync.example.org", "otto") is None
    finally:
        keyring.set_keyring(before)


def test_a_login_keeps_the_token_in_the_keyring_when_there_is_one(
    memory: MemoryKeyring, admin: object
) -> None:
    """Through the real login, against a real server, the database then holds no token."""
    import tempfile
    from pathlib import Path

    from cashdesk.models import SyncServer
    from cashdesk.scheme.settings import scheme_info
    from cashdesk.sync.login import log_in_to_server
    from tests.integration.central_server import PASSWORD, CentralServer

    folder = Path(tempfile.mkdtemp())
    server = CentralServer(db=f"sqlite:///{folder / 'central.sqlite'}")
    server.add_user("otto", "supervisor")
    server.add_device(admin.run(scheme_info).device_code)  # type: ignore[attr-defined]
    server.start()
    try:
        done = log_in_to_server(admin, url=server.url, username="otto", password=PASSWORD)  # type: ignore[arg-type]
    finally:
        server.stop()
    assert done.in_keyring and list(memory.kept.values())
    kept = admin.run(lambda s, _a: s.get(SyncServer, 1))  # type: ignore[attr-defined]
    assert kept.token is None and kept.token_in_keyring
