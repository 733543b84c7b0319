"""The location tree (region > district > village)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models.location import Location, LocationLevel
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

PARENT_LEVEL = {LocationLevel.DISTRICT: LocationLevel.REGION, LocationLevel.VILLAGE: LocationLevel.DISTRICT}


@dataclass(frozen=True)
class LocationInfo:
    id: uuid.UUID
    code: str
    name: str
    level: LocationLevel
    parent_code: str | None
    path: str


def list_locations(session: Session, actor: Actor) -> list[LocationInfo]:
    """Every location, parents before children (ordered by path)."""
    parent = Location.__table__.alias("parent")
    rows = session.execute(
        select(Location, parent.c.code)
        .outerjoin(parent, parent.c.id == Location.parent_id)
        .where(Location.deleted_at.is_(None))
        .order_by(Location.path)
    )
    return [LocationInfo(loc.id, loc.code, loc.name, loc.level, pcode, loc.path) for loc, pcode in rows]


def create_location(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    level: LocationLevel,
    parent_code: str | None = None,
) -> LocationInfo:
    actor.require(Permission.MANAGE_LOCATIONS)
    code = code.strip().upper()
    if not code or "/" in code:
        raise ValidationError(_("A location code is required and may not contain '/'."), field="code")
    if not name.strip():
        raise ValidationError(_("A location needs a name."), field="name")
    if session.execute(select(Location.id).where(func.upper(Location.code) == code)).first():
        raise ValidationError(_("The location code {code} is taken.").format(code=code), field="code")
    parent: Location | None = None
    if level in PARENT_LEVEL:
        if not parent_code:
            raise ValidationError(
                _("A {level} needs a parent location.").format(level=level.value), field="parent_code"
            )
        parent = session.execute(
            select(Location).where(func.upper(Location.code) == parent_code.strip().upper())
        ).scalar_one_or_none()
        if parent is None or parent.level != PARENT_LEVEL[level]:
            raise ValidationError(
                _("The parent of a {level} must be an existing {parent}.").format(
                    level=level.value, parent=PARENT_LEVEL[level].value
                ),
                field="parent_code",
            )
    path = f"{parent.path if parent else '/'}{code}/"
    location = Location(
        code=code, name=name.strip(), level=level, parent_id=parent.id if parent else None, path=path
    )
    session.add(location)
    session.flush()
    audit.record(
        session,
        actor,
        action="location.created",
        entity_type="location",
        entity_id=location.id,
        summary=f"{code} {location.name}",
        after=audit.snapshot(location),
    )
    return LocationInfo(location.id, code, location.name, level, parent.code if parent else None, path)
