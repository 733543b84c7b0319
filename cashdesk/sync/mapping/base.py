"""What every mapping shares: the synced bookkeeping, a resource's first elements, the registry entry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.models import Household, Location, Scheme
from cashdesk.sync.mapping.elements import Resource, compact, meta, row_id
from cashdesk.sync.mapping.fields import Field, Moment, extensions_of, values_of

# Maintained by each end for itself, never carried: the server's version id and time travel in the
# resource's meta (set by the server), the local edit count and the push flag stay on the device.
BOOKKEEPING = frozenset({"version", "server_version", "dirty", "updated_at"})

SYNCED_FIELDS = (Field("created_at", "created-at", Moment()), Field("deleted_at", "deleted-at", Moment()))

Rows = dict[str, list[dict[str, Any]]]  # child rows of a record by table name (identity documents, ...)


def resource(
    resource_type: str, row: Any, fields: Sequence[Field], *, location_path: str | None, **elements: Any
) -> Resource:
    """A resource with the row's id, its place tag, the declared extensions, then the given elements."""
    extensions = extensions_of(fields, row) + list(elements.pop("extension", ()))
    return compact(
        {
            "resourceType": resource_type,
            "id": str(row.id),
            **meta(location_path),
            "extension": extensions,
            **elements,
        }
    )


def record_values(resource: Resource, fields: Sequence[Field]) -> dict[str, Any]:
    """The row id and the columns carried as extensions."""
    return {"id": row_id(resource)} | values_of(fields, resource.get("extension", ()))


def live(row: Any) -> bool:
    return row.deleted_at is None


def minor_units(session: Session) -> int:
    return session.execute(select(Scheme.currency_minor_units)).scalar_one()


def _cached(session: Session, kind: str, key: Any, find: Callable[[], str]) -> str:
    """Paths looked up once per session: a push reads thousands of records of a few hundred villages.
    (Only the place tag depends on them, which a record's values never include.)"""
    cache: dict[tuple[str, Any], str] = session.info.setdefault("mapping_paths", {})
    if (kind, key) not in cache:
        cache[(kind, key)] = find()
    return cache[(kind, key)]


def path_of(session: Session, location_id: Any) -> str:
    return _cached(
        session,
        "location",
        location_id,
        lambda: session.execute(select(Location.path).where(Location.id == location_id)).scalar_one(),
    )


def household_path(session: Session, household_id: Any) -> str:
    """The path of the household's village: the place of its members, enrolments and payments."""
    return _cached(
        session,
        "household",
        household_id,
        lambda: session.execute(
            select(Location.path)
            .join(Household, Household.location_id == Location.id)
            .where(Household.id == household_id)
        ).scalar_one(),
    )


def _always(resource: Resource) -> bool:
    return True


def _no_children(resource: Resource, minor_units: int) -> Rows:
    return {}


@dataclass(frozen=True)
class Mapping:
    """How one model travels as one FHIR resource type.

    `read(session, row)` builds the resource, reading the related rows it needs through the session
    (one record at a time; a bulk push should load them in sets and call the module's pure `*_to_fhir`).
    `from_fhir(resource, minor_units=...)` gives the row's column values; `children(...)` the rows that
    travel inside it, by table, to replace the stored ones. Amounts need the scheme's minor units
    (Scheme.currency_minor_units), which a FHIR Money does not say. `local_only` names the columns that
    never leave the device besides BOOKKEEPING: they point at rows that exist on that device only.
    """

    model: type[Any]
    resource_type: str
    read: Callable[[Session, Any], Resource]
    values: Callable[[Resource, int], dict[str, Any]]
    child_rows: Callable[[Resource, int], Rows] = _no_children
    child_rows_hold_money: bool = False
    matches: Callable[[Resource], bool] = _always  # tells apart two models sharing a resource type
    local_only: frozenset[str] = field(default_factory=frozenset)
    # The same as `read` for many rows, loading their related rows in sets (a push reads thousands).
    read_rows: Callable[[Session, Sequence[Any]], list[Resource]] | None = None

    def from_fhir(self, resource: Resource, *, minor_units: int) -> dict[str, Any]:
        return self.values(resource, minor_units)

    def read_many(self, session: Session, rows: Sequence[Any]) -> list[Resource]:
        if self.read_rows is not None:
            return self.read_rows(session, rows)
        return [self.read(session, row) for row in rows]

    def children(self, resource: Resource, *, minor_units: int | None = None) -> Rows:
        """Child rows by table. Only a plan's criteria hold amounts: `minor_units` is required for those."""
        if minor_units is None:
            if self.child_rows_hold_money:
                raise ValueError(f"the child rows of a {self.resource_type} hold amounts: give minor_units")
            minor_units = 0
        return self.child_rows(resource, minor_units)


T = TypeVar("T")


def without_money(read: Callable[[Resource], T]) -> Callable[[Resource, int], T]:
    """A reader of a resource that holds no amount, in the registry's common signature."""
    return lambda resource, _minor_units: read(resource)
