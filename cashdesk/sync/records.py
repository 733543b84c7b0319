"""Local records as the mapping sees them: their values, and writing the server's values into them.

Writes here run with session.info["applying_remote"] set (the caller's job), so that what comes from
the server is not marked to be pushed back (cashdesk.core.database._mark_synced_rows).
"""

from __future__ import annotations

from collections.abc import Mapping as Values
from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from cashdesk.core.i18n import _
from cashdesk.models import Base, User
from cashdesk.models.security import Role
from cashdesk.sync.mapping import Mapping, Resource


def local_values(session: Session, mapping: Mapping, row: Any, minor_units: int) -> dict[str, Any]:
    """The row's synced values and child rows, exactly as they would arrive from the server."""
    resource = mapping.read(session, row)
    return values_of(mapping, resource, minor_units)


def values_of(mapping: Mapping, resource: Resource, minor_units: int) -> dict[str, Any]:
    """Column values, with each child table as one more value (a merge compares them whole).

    Child rows are compared by what they say, not by their ids: a device that saves a member's identity
    documents again gives the same documents new row ids, which is no change anyone made. They are
    stored with ids of this device's own."""
    values = mapping.from_fhir(resource, minor_units=minor_units)
    for table, rows in mapping.children(resource, minor_units=minor_units).items():
        values[f"children:{table}"] = sorted(
            ({k: v for k, v in r.items() if k != "id"} for r in rows), key=_sort_key
        )
    return values


def _sort_key(row: dict[str, Any]) -> str:
    return str(sorted((k, str(v)) for k, v in row.items()))


def write(
    session: Session, mapping: Mapping, row: Any | None, values: Values[str, Any], *, version: str | None
) -> Any:
    """Store `values` in `row` (a new row when None), at the server's `version` (None: the version it
    has stays); returns the row."""
    model = mapping.model
    columns = set(model.__table__.columns.keys()) - {"id", "version", "server_version", "dirty", "updated_at"}
    plain = {k: v for k, v in values.items() if k in columns and k not in mapping.local_only}
    ensure_users(session, model.__table__, [plain])
    if model is User:
        named = [plain | {"id": values["id"]}]
        keep_usernames_unique(session, named)
        plain["username"] = named[0]["username"]
    if row is None:
        row = model(id=values["id"], **plain)
        session.add(row)
    else:
        for name, value in plain.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    if version is not None:
        row.server_version = version
    session.flush()
    for key, rows in values.items():
        if key.startswith("children:"):
            _replace_children(session, model.__table__, values["id"], Base.metadata.tables[key[9:]], rows)
    return row


def ensure_users(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Users are each device's own (their passwords are in its key file), so a record made on another
    device names a user this one may not have: it gets an inactive stand-in that cannot log in, which
    keeps who-did-what (the id) and the database's foreign keys intact."""
    user_columns = [
        c.name for c in table.columns if any(fk.column.table is User.__table__ for fk in c.foreign_keys)
    ]
    named = {row[c] for row in rows for c in user_columns if row.get(c) is not None}
    if not named:
        return
    known = set(session.scalars(select(User.id).where(User.id.in_(named))))
    for missing in named - known:
        session.add(
            User(
                id=missing,
                username=f"~{missing.hex[:12]}",
                full_name=_("a user of another device"),
                role=Role.PAY_POINT_CLERK,  # the least: an inactive account holds no power anyway
                active=False,
                dirty=False,  # nothing to push: the user's own record replaces it when it arrives
            )
        )
    if named - known:
        session.flush()


def keep_usernames_unique(session: Session, rows: list[dict[str, Any]]) -> None:
    """Two laptops that each made a "carl" have two users of one name: the one arriving is known here
    as "carl-3f2a" (the start of its id), so that each keeps logging in on the laptop that made it.
    Stand-ins of the same user (same id) are not a clash: the arriving record replaces them."""
    names = {row["username"]: row["id"] for row in rows if row.get("username")}
    if not names:
        return
    for user_id, username in session.execute(
        select(User.id, User.username).where(User.username.in_(list(names)))
    ):
        for row in rows:
            if row.get("username") == username and row["id"] != user_id:
                row["username"] = f"{username}-{row['id'].hex[:4]}"


def _replace_children(
    session: Session, parent: Table, parent_id: Any, table: Table, rows: list[dict[str, Any]]
) -> None:
    (link,) = (c for c in table.columns if any(fk.column.table is parent for fk in c.foreign_keys))
    session.execute(delete(table).where(link == parent_id))
    kept = [r for r in rows if _references_exist(session, table, r, skip=link.name)]
    if kept:
        session.execute(insert(table), kept)


def _references_exist(session: Session, table: Table, row: dict[str, Any], *, skip: str) -> bool:
    """A child row naming a record this device does not hold (a clerk who is a user on another laptop
    only) is left out here; the record keeps it on the server."""
    for column in table.columns:
        if column.name == skip or row.get(column.name) is None:
            continue
        for fk in column.foreign_keys:
            target = fk.column
            if target.table is User.__table__:
                ensure_users(session, table, [row])
                continue
            found = session.execute(select(target).where(target == row[column.name]).limit(1)).first()
            if found is None:
                return False
    return True
