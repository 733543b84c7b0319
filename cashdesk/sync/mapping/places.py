"""Places as Location, payment service providers as Organization, pay points as Location of a provider."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.models import (
    Location,
    LocationLevel,
    PaymentServiceProvider,
    PayPoint,
    ProviderKind,
    pay_point_clerks,
)
from cashdesk.sync.mapping.base import (
    SYNCED_FIELDS,
    Mapping,
    Rows,
    live,
    path_of,
    record_values,
    resource,
    without_money,
)
from cashdesk.sync.mapping.elements import (
    Resource,
    compact,
    concept,
    concept_code,
    find_code,
    identifier_value,
    identifiers,
    location_path_of,
    reference,
    referenced_id,
    row_id,
)
from cashdesk.sync.mapping.fields import Day, Field, Logical, Many, Text, extensions_of, values_of

PAY_POINT = "pay-point"  # Location.type of a pay point; places have their level there


def _status(active: bool) -> str:
    return "active" if active else "inactive"


def _parent(resource_: Resource) -> uuid.UUID | None:
    return referenced_id(resource_["partOf"], "Location") if "partOf" in resource_ else None


def _is_pay_point(location: Resource) -> bool:
    return find_code(location.get("type"), "location-type") == PAY_POINT


# ---- Location -> Location ----


def location_to_fhir(location: Location) -> Resource:
    """A region, district or village; its own path is its place tag."""
    return resource(
        "Location",
        location,
        SYNCED_FIELDS,
        location_path=location.path,
        identifier=identifiers(("location-code", location.code)),
        status=_status(live(location)),
        name=location.name,
        mode="instance",
        type=[concept("location-type", location.level.value)],
        partOf=reference("Location", location.parent_id) if location.parent_id else None,
    )


def location_from_fhir(location: Resource) -> dict[str, Any]:
    return record_values(location, SYNCED_FIELDS) | {
        "code": identifier_value(location, "location-code"),
        "name": location["name"],
        "level": LocationLevel(concept_code(location["type"], "location-type")),
        "parent_id": _parent(location),
        "path": location_path_of(location),
    }


LOCATION = Mapping(
    model=Location,
    resource_type="Location",
    read=lambda _session, row: location_to_fhir(row),
    values=without_money(location_from_fhir),
    matches=lambda r: not _is_pay_point(r),
)

# ---- PaymentServiceProvider -> Organization ----

PROVIDER_FIELDS = (
    Field("contract_ref", "contract-ref", Text()),
    Field("contract_from", "contract-from", Day()),
    Field("contract_to", "contract-to", Day()),
    *SYNCED_FIELDS,
)


def _contact(provider: PaymentServiceProvider) -> list[dict[str, Any]]:
    telecom = [
        {"system": s, "value": v} for s, v in (("phone", provider.phone), ("email", provider.email)) if v
    ]
    contact = compact(
        {"name": {"text": provider.contact_name} if provider.contact_name else None, "telecom": telecom}
    )
    return [contact] if contact else []


def provider_to_fhir(provider: PaymentServiceProvider) -> Resource:
    """A provider belongs to no place: no place tag."""
    return resource(
        "Organization",
        provider,
        PROVIDER_FIELDS,
        location_path=None,
        identifier=identifiers(("provider-code", provider.code)),
        active=provider.active,
        type=[concept("provider-kind", provider.kind.value)],
        name=provider.name,
        contact=_contact(provider),
    )


def provider_from_fhir(organization: Resource) -> dict[str, Any]:
    contact = (organization.get("contact") or [{}])[0]
    telecom = {t["system"]: t["value"] for t in contact.get("telecom", ())}
    return record_values(organization, PROVIDER_FIELDS) | {
        "code": identifier_value(organization, "provider-code"),
        "name": organization["name"],
        "kind": ProviderKind(concept_code(organization["type"], "provider-kind")),
        "active": organization["active"],
        "contact_name": contact.get("name", {}).get("text"),
        "phone": telecom.get("phone"),
        "email": telecom.get("email"),
    }


PROVIDER = Mapping(
    model=PaymentServiceProvider,
    resource_type="Organization",
    read=lambda _session, row: provider_to_fhir(row),
    values=without_money(provider_from_fhir),
)

# ---- PayPoint -> Location (managingOrganization: its provider; partOf: its village) ----

CLERKS = (Field("clerk_ids", "clerk", Many(Logical("user"))),)  # pay_point_clerks, not a column


def pay_point_to_fhir(point: PayPoint, *, clerk_ids: Sequence[uuid.UUID], location_path: str) -> Resource:
    """`clerk_ids` are the users who record payments there, `location_path` its village's path."""
    days = point.opening_days.split(",") if point.opening_days else []
    return resource(
        "Location",
        point,
        SYNCED_FIELDS,
        location_path=location_path,
        extension=extensions_of(CLERKS, {"clerk_ids": clerk_ids}),
        identifier=identifiers(("pay-point-code", point.code)),
        status=_status(point.active),
        name=point.name,
        mode="instance",
        type=[concept("location-type", PAY_POINT)],
        address={"text": point.address} if point.address else None,
        managingOrganization=reference("Organization", point.provider_id),
        partOf=reference("Location", point.location_id),
        hoursOfOperation=[{"daysOfWeek": days}] if days else None,
    )


def pay_point_from_fhir(location: Resource) -> dict[str, Any]:
    hours = location.get("hoursOfOperation") or [{}]
    return record_values(location, SYNCED_FIELDS) | {
        "code": identifier_value(location, "pay-point-code"),
        "name": location["name"],
        "provider_id": referenced_id(location["managingOrganization"], "Organization"),
        "location_id": _parent(location),
        "address": location.get("address", {}).get("text"),
        "active": location["status"] == "active",
        "opening_days": ",".join(hours[0].get("daysOfWeek", ())),
    }


def pay_point_children(location: Resource) -> Rows:
    clerks = values_of(CLERKS, location.get("extension", ()))["clerk_ids"]
    return {"pay_point_clerks": [{"pay_point_id": row_id(location), "user_id": c} for c in clerks]}


def read_pay_point(session: Session, point: PayPoint) -> Resource:
    clerks = session.execute(
        select(pay_point_clerks.c.user_id)
        .where(pay_point_clerks.c.pay_point_id == point.id)
        .order_by(pay_point_clerks.c.user_id)
    ).scalars()
    return pay_point_to_fhir(point, clerk_ids=list(clerks), location_path=path_of(session, point.location_id))


PAY_POINT_MAPPING = Mapping(
    model=PayPoint,
    resource_type="Location",
    read=read_pay_point,
    values=without_money(pay_point_from_fhir),
    child_rows=without_money(pay_point_children),
    matches=_is_pay_point,
)
