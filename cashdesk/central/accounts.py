"""Who may use the central server: users with a role and the locations they work in, the devices an
administrator registered, and the bearer tokens a login hands out.

A token is good for one user on one device for TOKEN_HOURS; only its SHA-256 is stored, so a copy of the
database does not let anyone in. Passwords are hashed with scrypt (hashlib's, as the standard library
offers it everywhere).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, insert, select, update

from cashdesk.central.schema import devices, tokens, users
from cashdesk.core.errors import CashDeskError, NotFound, PermissionDenied, ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.ids import new_device_code

TOKEN_HOURS = 12
ROLES = ("administrator", "supervisor", "enrolment_officer", "pay_point_clerk", "reader")
# Roles that may write resources; a reader (a ministry analyst, another system) only reads.
WRITERS = frozenset(ROLES) - {"reader"}
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class LoginFailed(CashDeskError):
    """Wrong name or password, or an expired or unknown token: answered 401."""


def instant(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


@dataclass(frozen=True)
class Caller:
    """The user a request acts for, with the places whose records they may see."""

    username: str
    role: str
    device: str
    locations: tuple[str, ...]  # location paths; empty with `everywhere` for administrators and readers

    @property
    def everywhere(self) -> bool:
        """Administrators and readers see the whole scheme, and so does a supervisor given no place."""
        return self.role in ("administrator", "reader") or (self.role == "supervisor" and not self.locations)

    def sees(self, location_path: str | None) -> bool:
        """A resource of no place (a provider, a plan) is the scheme's: everyone sees it."""
        if location_path is None or self.everywhere:
            return True
        return any(location_path.startswith(p) for p in self.locations)


def location_path(text: str) -> str:
    """A location path as the desktop keeps them, "/R01/D01/": from that, "R01/D01" or "R01.D01"."""
    codes = [c.strip().upper() for c in text.replace(".", "/").split("/") if c.strip()]
    if not codes or not all(c.replace("-", "").replace("_", "").isalnum() for c in codes):
        raise ValidationError(
            _("{text} is not a location path such as /R01/D01/ (codes from the region down).").format(
                text=text
            ),
            field="locations",
        )
    return "/" + "/".join(codes) + "/"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def _password_matches(stored: str, password: str) -> bool:
    _scheme, salt, digest = stored.split("$")
    found = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(found.hex(), digest)


def add_user(
    conn: Connection,
    *,
    username: str,
    password: str,
    role: str,
    locations: list[str],
    full_name: str = "",
) -> None:
    name = username.strip().lower()
    if not name or not name.replace(".", "").replace("_", "").replace("-", "").isalnum():
        raise ValidationError(_("A user name is letters, digits and . _ - only."), field="username")
    if role not in ROLES:
        raise ValidationError(
            _("{role} is not a role; choose one of {roles}.").format(role=role, roles=", ".join(ROLES)),
            field="role",
        )
    if len(password) < 10:
        raise ValidationError(_("A password has at least 10 characters."), field="password")
    if role in ("enrolment_officer", "pay_point_clerk") and not locations:
        raise ValidationError(
            _("An {role} works somewhere: give at least one --location.").format(role=role.replace("_", " ")),
            field="locations",
        )
    if conn.execute(select(users.c.username).where(users.c.username == name)).first():
        raise ValidationError(_("There is already a user {name}.").format(name=name), field="username")
    conn.execute(
        insert(users).values(
            username=name,
            full_name=full_name.strip(),
            role=role,
            password_hash=hash_password(password),
            locations=json.dumps(sorted({location_path(p) for p in locations})),
            active=True,
            created_at=instant(),
        )
    )


def add_device(conn: Connection, *, code: str | None, name: str, registered_by: str) -> str:
    """Registers the device and returns its code. Without a code (a laptop that will join the scheme
    from the server), one is drawn that no registered device has: codes prefix the numbers a laptop
    gives offline (households, transaction numbers), so two laptops must never share one."""
    if code is None:
        taken = set(conn.execute(select(devices.c.code)).scalars())
        code = next(c for c in iter(new_device_code, None) if c not in taken)
    device = code.strip().upper()
    if not (2 <= len(device) <= 32 and device.replace("-", "").isalnum()):
        raise ValidationError(_("A device code is 2 to 32 letters, digits or -."), field="code")
    if conn.execute(select(devices.c.code).where(devices.c.code == device)).first():
        raise ValidationError(_("Device {code} is already registered.").format(code=device), field="code")
    conn.execute(
        insert(devices).values(
            code=device, name=name.strip(), registered_by=registered_by, registered_at=instant(), active=True
        )
    )
    return device


def retire_device(conn: Connection, code: str) -> None:
    """A lost or stolen laptop: its tokens stop working at once."""
    done = conn.execute(update(devices).where(devices.c.code == code.strip().upper()).values(active=False))
    if done.rowcount == 0:
        raise NotFound(_("There is no device {code}.").format(code=code))
    conn.execute(delete(tokens).where(tokens.c.device == code.strip().upper()))


def log_in(conn: Connection, *, username: str, password: str, device: str) -> tuple[str, int]:
    """A new bearer token and its lifetime in seconds; LoginFailed names no detail a guesser could use."""
    user = conn.execute(select(users).where(users.c.username == username.strip().lower())).first()
    if user is None or not user.active or not _password_matches(user.password_hash, password):
        raise LoginFailed(_("Wrong user name or password."))
    known = conn.execute(
        select(devices.c.active).where(devices.c.code == device.strip().upper())
    ).scalar_one_or_none()
    if not known:
        raise PermissionDenied(
            _("Device {code} is not registered with the server: ask the administrator to add it.").format(
                code=device.strip().upper() or "?"
            )
        )
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    conn.execute(delete(tokens).where(tokens.c.expires_at < instant(now)))  # keep the table small
    conn.execute(
        insert(tokens).values(
            token_sha256=hashlib.sha256(token.encode()).hexdigest(),
            username=user.username,
            device=device.strip().upper(),
            issued_at=instant(now),
            expires_at=instant(now + timedelta(hours=TOKEN_HOURS)),
        )
    )
    return token, TOKEN_HOURS * 3600


def caller_for(conn: Connection, token: str) -> Caller:
    row = conn.execute(
        select(tokens.c.device, tokens.c.expires_at, users.c.username, users.c.role, users.c.locations)
        .join(users, users.c.username == tokens.c.username)
        .where(tokens.c.token_sha256 == hashlib.sha256(token.encode()).hexdigest(), users.c.active)
    ).first()
    if row is None or row.expires_at < instant():
        raise LoginFailed(_("The login to the server expired: log in again."))
    return Caller(
        username=row.username, role=row.role, device=row.device, locations=tuple(json.loads(row.locations))
    )


def expire_tokens(conn: Connection, username: str) -> None:
    """For the tests and for an administrator who must cut a user off now."""
    conn.execute(
        update(tokens)
        .where(tokens.c.username == username)
        .values(expires_at=instant(datetime(2000, 1, 1, tzinfo=UTC)))
    )
