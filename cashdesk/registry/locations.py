"""The location tree (region > district > village)."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, never_abort, no_progress
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


@dataclass(frozen=True)
class LocationImport:
    created: int
    already_present: int


LEVEL_ORDER = {LocationLevel.REGION: 0, LocationLevel.DISTRICT: 1, LocationLevel.VILLAGE: 2}


def import_locations(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> LocationImport:
    """Columns code, name, level (region|district|village), parent_code. All rows or none.

    Parents may come after their children in the file; a code already present with the same parent is
    left as it is, so importing the same file twice changes nothing.
    """
    from cashdesk.registry.importing.fields import normalise_header
    from cashdesk.registry.importing.tables import iter_rows, open_table

    actor.require(Permission.MANAGE_LOCATIONS)
    info = open_table(path)
    columns = {normalise_header(h).replace(" ", "_"): i for i, h in enumerate(info.headers)}
    missing = [c for c in ("code", "name", "level") if c not in columns]
    if missing:
        raise ValidationError(
            _("{file}: no column {cols} (need code, name, level, parent_code).").format(
                file=path.name, cols=", ".join(missing)
            ),
            field="columns",
        )
    parent_col = columns.get("parent_code", columns.get("parent"))
    rows = []
    errors = []
    for row in iter_rows(info, progress=progress, abort=abort or never_abort()):
        level_text = row.values[columns["level"]].strip().lower()
        try:
            level = LocationLevel(level_text)
        except ValueError:
            errors.append(
                _("row {n}, level: {value} is not region, district or village").format(
                    n=row.number, value=level_text
                )
            )
            continue
        parent = row.values[parent_col].strip() if parent_col is not None else ""
        rows.append(
            (
                row.number,
                row.values[columns["code"]].strip(),
                row.values[columns["name"]].strip(),
                level,
                parent,
            )
        )
    created = present = 0
    for number, code, name, level, parent in sorted(rows, key=lambda r: LEVEL_ORDER[r[3]]):
        if session.execute(select(Location.id).where(func.upper(Location.code) == code.upper())).first():
            present += 1
            continue
        try:
            create_location(session, actor, code=code, name=name, level=level, parent_code=parent or None)
            created += 1
        except ValidationError as exc:
            errors.append(
                _("row {n}, {field}: {message}").format(
                    n=number, field=exc.field or "code", message=exc.message
                )
            )
    if errors:
        shown = "; ".join(errors[:10]) + (
            _(" (and {n} more)").format(n=len(errors) - 10) if len(errors) > 10 else ""
        )
        raise ValidationError(
            _("{file}: nothing was imported. {errors}").format(file=path.name, errors=shown)
        )
    return LocationImport(created, present)
