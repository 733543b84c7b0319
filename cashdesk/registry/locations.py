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
    add_location(session, actor, location)
    return LocationInfo(location.id, code, location.name, level, parent.code if parent else None, path)


def add_location(session: Session, actor: Actor, location: Location) -> None:
    """Store a checked location, with its audit entry (also for the villages an import creates)."""
    session.add(location)
    session.flush()
    audit.record(
        session,
        actor,
        action="location.created",
        entity_type="location",
        entity_id=location.id,
        summary=f"{location.code} {location.name}",
        after=audit.snapshot(location),
    )


@dataclass(frozen=True)
class LocationImport:
    created: int
    already_present: int


LEVEL_ORDER = {LocationLevel.REGION: 0, LocationLevel.DISTRICT: 1, LocationLevel.VILLAGE: 2}


@dataclass(frozen=True)
class _Row:
    """A location as a file row (or the database) describes it, in the form it is stored."""

    number: int  # the file's row number; 0 for a location already in the database
    code: str
    name: str
    level: LocationLevel
    parent_code: str  # "" for a region: create_location gives a region no parent

    @classmethod
    def of(cls, number: int, code: str, name: str, level: LocationLevel, parent_code: str) -> _Row:
        parent = "" if level not in PARENT_LEVEL else parent_code.strip().upper()
        return cls(number, code.strip().upper(), name.strip(), level, parent)

    def shown(self, field: str) -> str:
        value = getattr(self, field)
        return f"“{value}”" if value else _("none")


_COMPARED = ("name", "level", "parent_code")


def _differences(a: _Row, b: _Row) -> list[str]:
    return [field for field in _COMPARED if getattr(a, field) != getattr(b, field)]


def _stored_locations(session: Session) -> dict[str, _Row]:
    parent = Location.__table__.alias("parent")
    rows = session.execute(
        select(Location.code, Location.name, Location.level, parent.c.code).outerjoin(
            parent, parent.c.id == Location.parent_id
        )
    )
    return {code.upper(): _Row.of(0, code, name, level, pcode or "") for code, name, level, pcode in rows}


def import_locations(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> LocationImport:
    """Columns code, name, level (region|district|village), parent_code. All rows or none.

    Parents may come after their children in the file. A code already present with the same name, level
    and parent is left as it is, so importing the same file twice changes nothing; one present with other
    data is an error, as is a code given twice with different data: an import never changes or picks
    between locations silently (locations have no update yet).
    """
    from cashdesk.core.tables import iter_rows, normalise_header, open_table

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
    errors: list[tuple[int, str]] = []  # (row, message): shown in row order, whichever check found them

    def error(row: int, field: str, message: str) -> None:
        errors.append((row, _("row {n}, {field}: {message}").format(n=row, field=field, message=message)))

    read = 0
    first: dict[str, _Row] = {}  # code -> the first row giving it
    rows: list[_Row] = []  # each code once, in file order
    for row in iter_rows(info, progress=progress, abort=abort or never_abort()):
        read += 1
        level_text = row.values[columns["level"]].strip().lower()
        try:
            level = LocationLevel(level_text)
        except ValueError:
            error(
                row.number, "level", _("{value} is not region, district or village").format(value=level_text)
            )
            continue
        parent = row.values[parent_col] if parent_col is not None else ""
        item = _Row.of(row.number, row.values[columns["code"]], row.values[columns["name"]], level, parent)
        earlier = first.setdefault(item.code, item) if item.code else item
        if earlier is not item:
            # An identical repeat is harmless; a different one would make one row silently win.
            for field in _differences(earlier, item):
                error(
                    item.number,
                    field,
                    _("{code} is also on row {first} with {field} {old}, here {new}").format(
                        code=item.code,
                        first=earlier.number,
                        field=field,
                        old=earlier.shown(field),
                        new=item.shown(field),
                    ),
                )
            continue
        rows.append(item)
    if not read:
        raise ValidationError(_("{file} has a header but no rows to import.").format(file=path.name))

    stored = _stored_locations(session)
    created = present = 0
    for item in sorted(rows, key=lambda r: LEVEL_ORDER[r.level]):
        known = stored.get(item.code)
        if known is not None:
            differences = _differences(known, item)
            for field in differences:
                error(
                    item.number,
                    field,
                    _(
                        "{code} already exists with {field} {old}, not {new}; an import does not change "
                        "existing locations"
                    ).format(code=item.code, field=field, old=known.shown(field), new=item.shown(field)),
                )
            if not differences:
                present += 1
            continue
        try:
            create_location(
                session,
                actor,
                code=item.code,
                name=item.name,
                level=item.level,
                parent_code=item.parent_code or None,
            )
            created += 1
        except ValidationError as exc:
            error(item.number, exc.field or "code", exc.message)
    if errors:
        errors.sort(key=lambda e: e[0])  # stable: one row's errors keep their order
        shown = "; ".join(message for _row, message in errors[:10]) + (
            _(" (and {n} more)").format(n=len(errors) - 10) if len(errors) > 10 else ""
        )
        raise ValidationError(
            _("{file}: nothing was imported. {errors}").format(file=path.name, errors=shown)
        )
    return LocationImport(created, present)
