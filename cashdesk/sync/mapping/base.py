"""What every mapping shares: the synced bookkeeping, a resource's first elements, the registry entry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.models import Location, Scheme
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


def path_of(session: Session, location_id: Any) -> str:
    return session.execute(select(Location.path).where(Location.id == location_id)).scalar_one()


def _always(resource: Resource) -> bool:
    return True


def _no_children(resource: Resource) -> Rows:
    return {}


@dataclass(frozen=True)
class Mapping:
    """How one model travels as one FHIR resource type.

    `read(session, row)` builds the resource, reading the related rows it needs through the session
    (one record at a time; a bulk push should load them in sets and call the module's pure `*_to_fhir`).
    `from_fhir(resource, minor_units=...)` gives the row's column values; `children(resource)` the rows
    that travel inside it, to replace the stored ones (by table). `local_only` names the columns that never
    leave the device besides BOOKKEEPING: they point at rows that exist on that device only.
    """

    model: type[Any]
    resource_type: str
    read: Callable[[Session, Any], Resource]
    values: Callable[[Resource, int], dict[str, Any]]
    children: Callable[[Resource], Rows] = _no_children
    matches: Callable[[Resource], bool] = _always  # tells apart two models sharing a resource type
    local_only: frozenset[str] = field(default_factory=frozenset)

    def from_fhir(self, resource: Resource, *, minor_units: int) -> dict[str, Any]:
        return self.values(resource, minor_units)


def without_money(values: Callable[[Resource], dict[str, Any]]) -> Callable[[Resource, int], dict[str, Any]]:
    """A `from_fhir` that holds no amount, in the registry's common signature."""
    return lambda resource, _minor_units: values(resource)
