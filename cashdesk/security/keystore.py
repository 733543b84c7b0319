"""The key file: the database key, wrapped once per user by a key derived from that user's password.

Layout of keys.json (next to cashdesk.db):
    {"format": 1, "key_check": "...", "slots": {"<username>": {slot}}}
A slot holds scrypt parameters and salt, an AES-256-GCM nonce and the wrapped database key, plus the
failed-login counter that drives the lockout (it must live outside the database, which cannot be
opened without a correct password). The username is bound to its slot as GCM associated data, so
swapping two users' slots makes both fail.

Nothing in this file reveals the database key without a password; see docs/security.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cashdesk.core.errors import DatabaseError
from cashdesk.core.i18n import _

FORMAT = 1
# scrypt cost: ~100 ms and 32 MiB per attempt on a cheap laptop. Tests lower it (tests/conftest.py).
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=5)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def normalise_username(username: str) -> str:
    return username.strip().lower()


def derive_key(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=32
    )


def key_check(database_key: bytes) -> str:
    """A fingerprint that tells whether a key belongs to this database, without revealing it."""
    return hmac.new(database_key, b"cashdesk key check", hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class LoginState:
    failed: int
    locked_until: datetime | None


class Keystore:
    """Reads and atomically rewrites keys.json. Not thread-safe: callers serialise writes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exists(self) -> bool:
        return self.path.exists()

    def _load(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise DatabaseError(
                _(
                    "The key file {path} is missing. Restore it from a backup, or use the recovery key."
                ).format(path=self.path)
            ) from exc
        except (OSError, ValueError) as exc:
            raise DatabaseError(
                _(
                    "The key file {path} is damaged. Restore it from a backup, or use the recovery key."
                ).format(path=self.path)
            ) from exc
        if data.get("format") != FORMAT or not isinstance(data.get("slots"), dict):
            raise DatabaseError(_("{path} is not a CashDesk key file.").format(path=self.path))
        return data

    def _save(self, data: dict[str, Any]) -> None:
        """Write a new copy beside the old one, flush it to disk, then swap: never half a file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def create(self, database_key: bytes) -> None:
        self._save({"format": FORMAT, "key_check": key_check(database_key), "slots": {}})

    def usernames(self) -> list[str]:
        return sorted(self._load()["slots"])

    def matches(self, database_key: bytes) -> bool:
        return hmac.compare_digest(self._load()["key_check"], key_check(database_key))

    def set_password(self, username: str, password: str, database_key: bytes) -> None:
        """Wrap the database key with `password` for `username` (new slot or replaced slot)."""
        name = normalise_username(username)
        salt, nonce = os.urandom(16), os.urandom(12)
        wrapping_key = derive_key(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        wrapped = AESGCM(wrapping_key).encrypt(nonce, database_key, name.encode("utf-8"))
        data = self._load()
        data.get("retired", {}).pop(name, None)
        data["slots"][name] = {
            "kdf": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": _b64(salt),
            "nonce": _b64(nonce),
            "wrapped_key": _b64(wrapped),
            "failed_logins": 0,
            "locked_until": None,
            "failures": [],
        }
        self._save(data)

    def retire(self, username: str) -> None:
        """Remove a deactivated user's slot, so their password no longer opens the database."""
        name = normalise_username(username)
        data = self._load()
        data["slots"].pop(name, None)
        data.setdefault("retired", {})[name] = datetime.now(UTC).isoformat()
        self._save(data)

    def is_retired(self, username: str) -> bool:
        return normalise_username(username) in self._load().get("retired", {})

    def has_user(self, username: str) -> bool:
        return normalise_username(username) in self._load()["slots"]

    def unwrap(self, username: str, password: str) -> bytes | None:
        """The database key, or None if there is no such user or the password is wrong."""
        slot = self._load()["slots"].get(normalise_username(username))
        if slot is None:
            # Spend the same time as a real attempt, so timing does not reveal which users exist.
            derive_key(password, b"\0" * 16, SCRYPT_N, SCRYPT_R, SCRYPT_P)
            return None
        wrapping_key = derive_key(password, _unb64(slot["salt"]), slot["n"], slot["r"], slot["p"])
        try:
            return AESGCM(wrapping_key).decrypt(
                _unb64(slot["nonce"]),
                _unb64(slot["wrapped_key"]),
                normalise_username(username).encode("utf-8"),
            )
        except InvalidTag:
            return None

    # --- lockout ---------------------------------------------------------------------------------

    def login_state(self, username: str, now: datetime | None = None) -> LoginState:
        slot = self._load()["slots"].get(normalise_username(username))
        if slot is None:
            return LoginState(0, None)
        until = slot.get("locked_until")
        locked_until = datetime.fromisoformat(until) if until else None
        if locked_until and locked_until <= (now or datetime.now(UTC)):
            locked_until = None
        return LoginState(int(slot.get("failed_logins", 0)), locked_until)

    def record_failure(self, username: str, now: datetime | None = None) -> LoginState:
        """Count a wrong password; the fifth in a row locks the account for five minutes."""
        now = now or datetime.now(UTC)
        data = self._load()
        slot = data["slots"].get(normalise_username(username))
        if slot is None:
            return LoginState(0, None)
        until = slot.get("locked_until")
        if until and datetime.fromisoformat(until) <= now:
            slot["failed_logins"] = 0  # the previous lock has expired: a fresh count
            slot["locked_until"] = None
        slot["failed_logins"] = int(slot.get("failed_logins", 0)) + 1
        slot.setdefault("failures", []).append(now.isoformat())
        del slot["failures"][:-50]
        locked_until = None
        if slot["failed_logins"] >= MAX_FAILED_LOGINS:
            locked_until = now + LOCKOUT
            slot["locked_until"] = locked_until.isoformat()
        self._save(data)
        return LoginState(slot["failed_logins"], locked_until)

    def record_success(self, username: str) -> list[str]:
        """Reset the counter; returns the failed attempts since the last success (for the audit)."""
        data = self._load()
        slot = data["slots"].get(normalise_username(username))
        if slot is None:
            return []
        failures: list[str] = list(slot.get("failures", []))
        if failures or slot.get("failed_logins") or slot.get("locked_until"):
            slot["failed_logins"] = 0
            slot["locked_until"] = None
            slot["failures"] = []
            self._save(data)
        return failures


class Vault:
    """The key file together with the unlocked database key, held by a logged-in session.

    Services that set passwords receive it; the key itself never leaves this object.
    """

    def __init__(self, keystore: Keystore, database_key: bytes) -> None:
        self.keystore = keystore
        self._key = database_key

    def set_password(self, username: str, password: str) -> None:
        self.keystore.set_password(username, password, self._key)

    def retire(self, username: str) -> None:
        self.keystore.retire(username)

    def check_password(self, username: str, password: str) -> bool:
        return self.keystore.unwrap(username, password) == self._key
