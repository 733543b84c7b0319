"""Where the server login token is kept: a real keyring backend (an in-memory one, as STACK-NOTES
advises) takes it; without a usable keyring it goes into the encrypted database, never a plain file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.fail import Keyring as NoKeyring

from cashdesk.sync import credentials


def memory_keyring() -> KeyringBackend:
    """Made only when a test asks for it: keyring chooses its default among every KeyringBackend subclass
    defined in the process, so a class at module level would become every other test's keyring."""

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

    return MemoryKeyring()


@pytest.fixture
def memory() -> Iterator[Any]:
    before = keyring.get_keyring()
    backend = memory_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def test_a_keyring_keeps_the_token_and_forgets_it(memory: Any) -> None:
    assert credentials.save_token("https://sync.example.org/", "otto", "t0ken", device="7KQ2")
    assert credentials.load_token("https://sync.example.org", "otto", device="7KQ2") == "t0ken"
    assert memory.kept == {(credentials.SERVICE, "otto@https://sync.example.org device 7KQ2"): "t0ken"}
    credentials.forget_token("https://sync.example.org", "otto", device="7KQ2")
    assert memory.kept == {}


def test_without_a_keyring_the_caller_is_told_to_keep_it_in_the_database() -> None:
    before = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        assert not credentials.keyring_available()
        assert credentials.save_token("https://sync.example.org", "otto", "t0ken", device="7KQ2") is False
        assert credentials.load_token("https://sync.example.org", "otto", device="7KQ2") is None
    finally:
        keyring.set_keyring(before)


def test_a_login_keeps_the_token_in_the_keyring_when_there_is_one(memory: Any, admin: object) -> None:
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
