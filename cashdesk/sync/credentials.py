"""Where the server login token is kept: the operating system's keyring when it has one, otherwise the
encrypted local database (sync_server.token). Never in a plain file.

A keyring "backend" that writes plain text (keyrings.alt's files) counts as no keyring.
"""

from __future__ import annotations

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

SERVICE = "CashDesk central server"


def _usable(backend: KeyringBackend) -> bool:
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")):
        return False
    try:
        return float(backend.priority) > 0
    except Exception:  # a backend that cannot even say whether it works does not
        return False


def keyring_available() -> bool:
    return _usable(keyring.get_keyring())


def _account(url: str, username: str, device: str) -> str:
    """One entry per device: two schemes (or two test laptops) on one computer never share a token, which
    would make one push under the other's device code."""
    return f"{username}@{url.rstrip('/')} device {device}"


def save_token(url: str, username: str, token: str, *, device: str) -> bool:
    """True when the keyring took it; False means: keep it in the encrypted database instead."""
    if not keyring_available():
        return False
    try:
        keyring.set_password(SERVICE, _account(url, username, device), token)
    except keyring.errors.KeyringError:
        return False
    return True


def load_token(url: str, username: str, *, device: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, _account(url, username, device)) if keyring_available() else None
    except keyring.errors.KeyringError:
        return None


def forget_token(url: str, username: str, *, device: str) -> None:
    try:
        if keyring_available():
            keyring.delete_password(SERVICE, _account(url, username, device))
    except keyring.errors.KeyringError:
        pass  # nothing stored there
