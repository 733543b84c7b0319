"""Small FHIR building blocks every mapping shares: references, identifiers, codings, the place tag."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from cashdesk.sync.mapping.urls import LOCATION_PATH, code_system, identifier_system

Resource = dict[str, Any]


def reference(resource_type: str, row_id: uuid.UUID) -> dict[str, Any]:
    return {"reference": f"{resource_type}/{row_id}"}


def referenced_id(ref: dict[str, Any], resource_type: str) -> uuid.UUID:
    """The row id of a literal reference "Type/uuid"; refuses a reference to another resource type."""
    kind, _, row_id = str(ref.get("reference", "")).partition("/")
    if kind != resource_type:
        raise ValueError(f"expected a reference to a {resource_type}, got {ref!r}")
    return uuid.UUID(row_id)


def logical_reference(system_name: str, row_id: uuid.UUID) -> dict[str, Any]:
    """A reference by identifier, for rows the mapping does not turn into resources (users, cycles):
    valid FHIR that no server tries to resolve."""
    return {"identifier": {"system": identifier_system(system_name), "value": str(row_id)}}


def logical_id(ref: dict[str, Any], system_name: str) -> uuid.UUID:
    ident = ref.get("identifier") or {}
    if ident.get("system") != identifier_system(system_name):
        raise ValueError(f"expected a {system_name} identifier, got {ref!r}")
    return uuid.UUID(ident["value"])


def identifier(system_name: str, value: str) -> dict[str, Any]:
    return {"system": identifier_system(system_name), "value": value}


def identifiers(*pairs: tuple[str, str | None]) -> list[dict[str, Any]]:
    """Identifiers for the (system name, value) pairs that have a value."""
    return [identifier(name, value) for name, value in pairs if value]


def identifier_value(resource: Resource, system_name: str) -> str | None:
    system = identifier_system(system_name)
    return next((i["value"] for i in resource.get("identifier", ()) if i.get("system") == system), None)


def coding(system_name: str, code: str) -> dict[str, Any]:
    return {"system": code_system(system_name), "code": code}


def concept(system_name: str, code: str) -> dict[str, Any]:
    return {"coding": [coding(system_name, code)]}


def find_code(value: dict[str, Any] | list[dict[str, Any]] | None, system_name: str) -> str | None:
    """The code of our code system in a CodeableConcept (or the first of a list of them)."""
    concepts = value if isinstance(value, list) else [value] if value else []
    system = code_system(system_name)
    for item in concepts:
        for c in item.get("coding", ()):
            if c.get("system") == system:
                return str(c["code"])
    return None


def concept_code(value: dict[str, Any] | list[dict[str, Any]] | None, system_name: str) -> str:
    code = find_code(value, system_name)
    if code is None:
        raise ValueError(f"no {system_name} code in {value!r}")
    return code


def meta(location_path: str | None) -> dict[str, Any]:
    """`meta` of a resource: the place tag when the record belongs to a place (the server scopes tokens
    by its prefix), nothing otherwise."""
    if location_path is None:
        return {}
    return {"meta": {"tag": [{"system": LOCATION_PATH, "code": location_path}]}}


def location_path_of(resource: Resource) -> str | None:
    """The materialised path ("/R01/D01/V003/") of the place a resource belongs to, None for one that
    belongs to no place (a provider, a benefit plan)."""
    for tag in resource.get("meta", {}).get("tag", ()):
        if tag.get("system") == LOCATION_PATH:
            return str(tag["code"])
    return None


def common_path(paths: Iterable[str]) -> str | None:
    """The deepest place holding all the paths ("/R01/D01/V001/", "/R01/D01/V002/" -> "/R01/D01/"):
    a payroll or a duplicate pair spanning villages is tagged with the district that holds them."""
    found = sorted(set(paths))
    if not found:
        return None
    # Between the first and the last in sort order, every path starts with what those two share.
    first, last = found[0].strip("/").split("/"), found[-1].strip("/").split("/")
    shared = 0
    while shared < min(len(first), len(last)) and first[shared] == last[shared]:
        shared += 1
    return "/" + "".join(f"{segment}/" for segment in first[:shared])


def row_id(resource: Resource) -> uuid.UUID:
    return uuid.UUID(resource["id"])


def compact(resource: Resource) -> Resource:
    """The resource without empty elements: FHIR JSON has no null, no [] and no {}."""
    return {k: v for k, v in resource.items() if v is not None and v not in ([], {})}
