"""The FHIR R4 mapping shared by the sync client and the central server (validated against R4B models).

Each model has a `Mapping` in MAPPINGS (by model name, in the order a bundle must be applied: a row's
foreign keys point at rows of the mappings before it). `mapping_for(resource)` finds the mapping of a
resource that arrives. `wire.dumps`/`wire.loads` turn resources into JSON and back with exact decimals.
See docs/fhir.md for every element, extension and identifier.
"""

from __future__ import annotations

from typing import Any

from cashdesk.sync.mapping.base import BOOKKEEPING, Mapping
from cashdesk.sync.mapping.duplicates import CANDIDATE, MERGE
from cashdesk.sync.mapping.elements import Resource, location_path_of
from cashdesk.sync.mapping.payments import EVENT, LINE, PAYROLL
from cashdesk.sync.mapping.people import HOUSEHOLD, MEMBER
from cashdesk.sync.mapping.places import LOCATION, PAY_POINT_MAPPING, PROVIDER
from cashdesk.sync.mapping.plans import CYCLE, ENROLMENT, PLAN
from cashdesk.sync.mapping.staff import USER
from cashdesk.sync.mapping.urls import BASE
from cashdesk.sync.mapping.wire import dumps, loads

MAPPINGS: dict[str, Mapping] = {
    m.model.__name__: m
    for m in (
        LOCATION,
        USER,  # after the places they work in, before every record that names its author
        PROVIDER,
        PAY_POINT_MAPPING,
        HOUSEHOLD,
        MEMBER,
        PLAN,
        ENROLMENT,
        CYCLE,
        PAYROLL,
        LINE,
        EVENT,
        CANDIDATE,
        MERGE,
    )
}


def mapping_for(resource: Resource) -> Mapping:
    """The mapping of a resource by its type (and, where two models share one, by what tells them apart)."""
    for mapping in MAPPINGS.values():
        if mapping.resource_type == resource.get("resourceType") and mapping.matches(resource):
            return mapping
    raise ValueError(f"no CashDesk record is a {resource.get('resourceType')!r} like this one")


def mapping_of(row: Any) -> Mapping:
    return MAPPINGS[type(row).__name__]


def validate(resource: Resource) -> Any:
    """The resource as its fhir.resources R4B model; raises pydantic's ValidationError when it is not
    valid FHIR. A server checks what devices send with it; the mapping's tests check what it writes."""
    from fhir.resources.R4B import get_fhir_model_class  # a second to import: only where it is used

    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


__all__ = [
    "BASE",
    "BOOKKEEPING",
    "MAPPINGS",
    "Mapping",
    "Resource",
    "dumps",
    "loads",
    "location_path_of",
    "mapping_for",
    "mapping_of",
    "validate",
]
