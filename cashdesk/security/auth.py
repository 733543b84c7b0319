"""Logging in: unlock the database with a user's password, with lockout after repeated failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from cashdesk.core.database import check_readable, make_engine, translate_errors, upgrade_schema
from cashdesk.core.errors import (
    AccountInactive,
    AccountLocked,
    AuthenticationError,
    CashDeskError,
    NotInitialised,
)
from cashdesk.core.i18n import _
from cashdesk.core.paths import DATABASE_FILE, KEYSTORE_FILE
from cashdesk.models.provider import pay_point_clerks
from cashdesk.models.scheme import Scheme
from cashdesk.models.security import User
from cashdesk.security import audit
from cashdesk.security.keystore import MAX_FAILED_LOGINS, Keystore, Vault
from cashdesk.security.permissions import Actor


def is_initialised(data_dir: Path) -> bool:
    return (data_dir / DATABASE_FILE).exists()


def _locked_message(until: datetime) -> str:
    minutes = max(1, round((until - datetime.now(UTC)).total_seconds() / 60))
    return _(
        "Too many wrong passwords: this account is locked for {minutes} more minute(s), until {time} UTC."
    ).format(minutes=minutes, time=until.strftime("%H:%M"))


def _wrong_password(keystore: Keystore, username: str) -> CashDeskError:
    """Count the failure and build the message to show."""
    state = keystore.record_failure(username)
    if state.locked_until:
        return AccountLocked(_locked_message(state.locked_until), until=state.locked_until)
    if keystore.is_retired(username):
        return AccountInactive(_("This account has been deactivated. Ask an administrator."))
    left = MAX_FAILED_LOGINS - state.failed
    if state.failed and left <= 3:
        return AuthenticationError(
            _(
                "Wrong user name or password. {left} more wrong attempt(s) will lock the account for 5 minutes."
            ).format(left=left)
        )
    if not keystore.has_user(username):
        return AuthenticationError(
            _(
                "Wrong user name or password. Staff who arrived with a sync from another laptop log in on "
                "this one once its administrator has given them a password here (Users, Reset password)."
            )
        )
    return AuthenticationError(_("Wrong user name or password."))


def load_actor(session: Session, user: User) -> Actor:
    pay_points = session.execute(
        select(pay_point_clerks.c.pay_point_id).where(pay_point_clerks.c.user_id == user.id)
    ).scalars()
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        location_paths=tuple(sorted(loc.path for loc in user.locations)),
        pay_point_ids=frozenset(pay_points),
    )


@dataclass(frozen=True)
class Login:
    """What a successful login opens: the database's engine, the key, the user; `cashdesk.desk` makes a
    Desk of it (this module does not import the desk: the desk builds on security, not the reverse)."""

    engine: Engine
    vault: Vault
    actor: Actor
    must_change_password: bool
    backup_written: str | None
    scheme_name: str


def log_in(data_dir: Path, username: str, password: str) -> Login:
    """Log in offline. Raises AuthenticationError, AccountLocked, AccountInactive or DatabaseError."""
    if not is_initialised(data_dir):
        raise NotInitialised(
            _("No CashDesk scheme in {folder} yet. Create one first (cashdesk init).").format(folder=data_dir)
        )
    keystore = Keystore(data_dir / KEYSTORE_FILE)
    state = keystore.login_state(username)
    if state.locked_until:
        raise AccountLocked(_locked_message(state.locked_until), until=state.locked_until)
    key = keystore.unwrap(username, password)
    if key is None:
        raise _wrong_password(keystore, username)

    engine = make_engine(data_dir / DATABASE_FILE, key)
    try:
        check_readable(engine)
        backup = upgrade_schema(engine)
        with translate_errors(), Session(engine, expire_on_commit=False) as session, session.begin():
            user = session.execute(
                select(User).where(func.lower(User.username) == username.strip().lower())
            ).scalar_one_or_none()
            if user is None or not user.active:
                raise AccountInactive(_("This account has been deactivated. Ask an administrator."))
            actor = load_actor(session, user)
            failures = keystore.record_success(username)
            if failures:
                audit.record(
                    session,
                    actor,
                    action="login.failed_attempts",
                    entity_type="user",
                    entity_id=user.id,
                    summary=_("{n} wrong password(s) before this login").format(n=len(failures)),
                    after={"attempts": failures},
                )
            user.last_login_at = datetime.now(UTC)
            audit.record(
                session, actor, action="login", entity_type="user", entity_id=user.id, summary=user.username
            )
            scheme_name = session.execute(select(Scheme.name)).scalar_one()
            must_change = user.must_change_password
    except BaseException:
        engine.dispose()
        raise
    return Login(
        engine=engine,
        vault=Vault(keystore, key),
        actor=actor,
        must_change_password=must_change,
        backup_written=backup,
        scheme_name=scheme_name,
    )


def verify_password(vault: Vault, username: str, password: str) -> bool:
    """Check the logged-in user's password again (idle lock), counting failures like a login."""
    keystore = vault.keystore
    state = keystore.login_state(username)
    if state.locked_until:
        raise AccountLocked(_locked_message(state.locked_until), until=state.locked_until)
    if vault.check_password(username, password):
        keystore.record_success(username)
        return True
    raise _wrong_password(keystore, username)
