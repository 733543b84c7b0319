"""Managing user accounts. Passwords live only in the key file, as wrappings of the database key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from cashdesk.core.database import after_commit
from cashdesk.core.errors import AuthenticationError, NotFound, ValidationError
from cashdesk.core.i18n import _
from cashdesk.models.location import Location
from cashdesk.models.security import Role, User
from cashdesk.security import audit
from cashdesk.security.keystore import Vault
from cashdesk.security.passwords import check_password, check_username
from cashdesk.security.permissions import Actor, Permission


@dataclass(frozen=True)
class UserInfo:
    id: uuid.UUID
    username: str
    full_name: str
    role: Role
    active: bool
    must_change_password: bool
    location_codes: tuple[str, ...]
    last_login_at: datetime | None


def _info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        active=user.active,
        must_change_password=user.must_change_password,
        location_codes=tuple(sorted(loc.code for loc in user.locations)),
        last_login_at=user.last_login_at,
    )


def _snapshot(user: User) -> dict[str, object]:
    return audit.snapshot(user) | {"locations": sorted(loc.code for loc in user.locations)}


def _get(session: Session, username: str) -> User:
    user = session.execute(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).scalar_one_or_none()
    if user is None:
        raise NotFound(_("There is no user called {name}.").format(name=username))
    return user


def _locations(session: Session, codes: Sequence[str]) -> list[Location]:
    wanted = {c.strip().upper() for c in codes if c.strip()}
    found = list(session.execute(select(Location).where(func.upper(Location.code).in_(wanted))).scalars())
    missing = wanted - {loc.code.upper() for loc in found}
    if missing:
        raise ValidationError(
            _("Unknown location code(s): {codes}.").format(codes=", ".join(sorted(missing))),
            field="locations",
        )
    return found


def _require_an_admin_remains(session: Session, user: User) -> None:
    others = session.execute(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMINISTRATOR, User.active.is_(True), User.id != user.id)
    ).scalar_one()
    if others == 0:
        raise ValidationError(
            _("{name} is the last active administrator: keep at least one.").format(name=user.username)
        )


def list_users(session: Session, actor: Actor) -> list[UserInfo]:
    actor.require(Permission.MANAGE_USERS)
    users = session.execute(
        select(User).options(selectinload(User.locations)).order_by(User.username)
    ).scalars()
    return [_info(u) for u in users]


def current_user(session: Session, actor: Actor) -> UserInfo:
    return _info(session.get_one(User, actor.user_id))


def create_user(
    session: Session,
    actor: Actor,
    vault: Vault,
    *,
    username: str,
    full_name: str,
    role: Role,
    password: str,
    location_codes: Sequence[str] = (),
) -> UserInfo:
    """The first password is set by the administrator; the user must change it at first login."""
    actor.require(Permission.MANAGE_USERS)
    name = check_username(username)
    check_password(password, username=name)
    if not full_name.strip():
        raise ValidationError(_("Give the user's full name."), field="full_name")
    if session.execute(select(User.id).where(func.lower(User.username) == name)).first():
        raise ValidationError(_("The user name {name} is taken.").format(name=name), field="username")
    locations = _locations(session, location_codes)
    if role == Role.ENROLMENT_OFFICER and not locations:
        raise ValidationError(
            _("An enrolment officer needs at least one location to work in."), field="locations"
        )
    user = User(
        username=name, full_name=full_name.strip(), role=role, must_change_password=True, locations=locations
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:  # another window created the same name a moment ago
        raise ValidationError(
            _("The user name {name} is taken.").format(name=name), field="username"
        ) from exc
    audit.record(
        session,
        actor,
        action="user.created",
        entity_type="user",
        entity_id=user.id,
        summary=name,
        after=_snapshot(user),
    )
    after_commit(session, lambda: vault.set_password(name, password))
    return _info(user)


def update_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    full_name: str | None = None,
    role: Role | None = None,
    location_codes: Sequence[str] | None = None,
) -> UserInfo:
    actor.require(Permission.MANAGE_USERS)
    user = _get(session, username)
    before = _snapshot(user)
    if full_name is not None:
        if not full_name.strip():
            raise ValidationError(_("Give the user's full name."), field="full_name")
        user.full_name = full_name.strip()
    if role is not None and role != user.role:
        if user.role == Role.ADMINISTRATOR:
            _require_an_admin_remains(session, user)
        user.role = role
    if location_codes is not None:
        user.locations = _locations(session, location_codes)
    if user.role == Role.ENROLMENT_OFFICER and not user.locations:
        raise ValidationError(
            _("An enrolment officer needs at least one location to work in."), field="locations"
        )
    after = _snapshot(user)
    if after != before:
        audit.record(
            session,
            actor,
            action="user.updated",
            entity_type="user",
            entity_id=user.id,
            summary=user.username,
            before=before,
            after=after,
        )
    return _info(user)


def reset_password(
    session: Session, actor: Actor, vault: Vault, *, username: str, new_password: str
) -> UserInfo:
    """An administrator sets a temporary password; it also lifts a lockout."""
    actor.require(Permission.MANAGE_USERS)
    user = _get(session, username)
    check_password(new_password, username=user.username)
    if not user.active:
        raise ValidationError(
            _("{name} is deactivated: reactivate the account first.").format(name=user.username)
        )
    before = _snapshot(user)
    user.must_change_password = True
    audit.record(
        session,
        actor,
        action="user.password_reset",
        entity_type="user",
        entity_id=user.id,
        summary=user.username,
        before=before,
        after=_snapshot(user),
    )
    after_commit(session, lambda: vault.set_password(user.username, new_password))
    return _info(user)


def set_active(
    session: Session,
    actor: Actor,
    vault: Vault,
    *,
    username: str,
    active: bool,
    new_password: str | None = None,
) -> UserInfo:
    """Deactivating removes the user's key slot at once; reactivating needs a new temporary password."""
    actor.require(Permission.MANAGE_USERS)
    user = _get(session, username)
    if user.active == active:
        return _info(user)
    before = _snapshot(user)
    if not active:
        if user.id == actor.user_id:
            raise ValidationError(_("You cannot deactivate your own account."))
        if user.role == Role.ADMINISTRATOR:
            _require_an_admin_remains(session, user)
        user.active = False
        after_commit(session, lambda: vault.retire(user.username))
    else:
        if not new_password:
            raise ValidationError(_("Give a temporary password to reactivate the account."), field="password")
        check_password(new_password, username=user.username)
        user.active = True
        user.must_change_password = True
        after_commit(session, lambda: vault.set_password(user.username, new_password))
    audit.record(
        session,
        actor,
        action="user.activated" if active else "user.deactivated",
        entity_type="user",
        entity_id=user.id,
        summary=user.username,
        before=before,
        after=_snapshot(user),
    )
    return _info(user)


def change_own_password(
    session: Session, actor: Actor, vault: Vault, *, current_password: str, new_password: str
) -> UserInfo:
    """Every user may change their own password, knowing the current one."""
    user = session.get_one(User, actor.user_id)
    if not vault.check_password(user.username, current_password):
        raise AuthenticationError(_("The current password is wrong."))
    check_password(new_password, username=user.username, field="new_password")
    if new_password == current_password:
        raise ValidationError(_("Choose a password different from the current one."), field="new_password")
    user.must_change_password = False
    audit.record(
        session,
        actor,
        action="user.password_changed",
        entity_type="user",
        entity_id=user.id,
        summary=user.username,
    )
    after_commit(session, lambda: vault.set_password(user.username, new_password))
    return _info(user)
