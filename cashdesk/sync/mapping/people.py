"""Members as Patient, households as Group (type person, actual)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import unquote

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.models import (
    Household,
    HouseholdStatus,
    Location,
    Member,
    MemberIdentifier,
    PaymentMethod,
    RecipientRole,
    Relationship,
    Sex,
)
from cashdesk.sync.mapping.base import (
    SYNCED_FIELDS,
    Mapping,
    Rows,
    household_path,
    live,
    path_of,
    record_values,
    resource,
    without_money,
)
from cashdesk.sync.mapping.elements import (
    Resource,
    compact,
    identifier_value,
    identifiers,
    reference,
    row_id,
)
from cashdesk.sync.mapping.fields import (
    Boolean,
    Code,
    CustomFields,
    Exact,
    Field,
    Logical,
    Ref,
    Text,
    extension,
    extensions_of,
    find_extension,
    values_of,
)
from cashdesk.sync.mapping.urls import document_system

# ---- Member -> Patient ----

GENDER = {Sex.FEMALE: "female", Sex.MALE: "male"}
SEX = {gender: sex for sex, gender in GENDER.items()}
DOCUMENT_PREFIX = document_system("")

# The member's place in the household: on the Patient (the member's row), and repeated on Group.member.
ROLE_FIELDS = (
    Field("relation_to_head", "relationship", Code(Relationship)),
    Field("recipient_role", "recipient-role", Code(RecipientRole)),
)
MEMBER_FIELDS = (
    Field("household_id", "household", Ref("Group")),
    *ROLE_FIELDS,
    Field("birth_date_estimated", "birth-date-estimated", Boolean()),
    Field("disability", "disability", Boolean()),
    Field("custom_fields", "custom-field", CustomFields()),
    *SYNCED_FIELDS,
)


def _birth(member: Member) -> tuple[str | None, list[dict[str, Any]]]:
    """birthDate is the date, or the year alone when only the year is known (FHIR allows "1984"). The
    year is repeated only when it says something else than the date (a merge may take one from each)."""
    if member.date_of_birth is None:
        return (None if member.birth_year is None else f"{member.birth_year:04d}"), []
    if member.birth_year in (None, member.date_of_birth.year):
        return member.date_of_birth.isoformat(), []
    return member.date_of_birth.isoformat(), [extension("birth-year", valueInteger=member.birth_year)]


def _document(ident: MemberIdentifier) -> dict[str, Any]:
    # Element id = the document row's id, so that a round trip gives back the very rows.
    return {"id": str(ident.id), "system": document_system(ident.id_type), "value": ident.number}


def member_to_fhir(member: Member, *, documents: Sequence[MemberIdentifier], location_path: str) -> Resource:
    """The member as a Patient; `documents` are its identity documents, `location_path` its
    household's village path."""
    birth_date, birth_year = _birth(member)
    given = [member.given_name, *([member.other_names] if member.other_names else [])]
    return resource(
        "Patient",
        member,
        MEMBER_FIELDS,
        location_path=location_path,
        extension=birth_year,
        identifier=identifiers(("member-ref", member.source_ref)) + [_document(d) for d in documents],
        active=live(member),
        name=[{"use": "official", "family": member.family_name, "given": given}],
        telecom=[{"system": "phone", "value": member.phone}] if member.phone else None,
        gender=GENDER[member.sex],
        birthDate=birth_date,
    )


def member_from_fhir(patient: Resource) -> dict[str, Any]:
    name = patient["name"][0]
    birth = patient.get("birthDate")
    born = date.fromisoformat(birth) if birth and len(birth) == 10 else None
    odd_year = find_extension(patient, "birth-year")
    return record_values(patient, MEMBER_FIELDS) | {
        "source_ref": identifier_value(patient, "member-ref"),
        "given_name": name["given"][0],
        "family_name": name["family"],
        "other_names": name["given"][1] if len(name["given"]) > 1 else None,
        "sex": SEX[patient["gender"]],
        "date_of_birth": born,
        "birth_year": odd_year["valueInteger"] if odd_year else int(birth[:4]) if birth else None,
        "phone": next((t["value"] for t in patient.get("telecom", ()) if t["system"] == "phone"), None),
    }


def member_children(patient: Resource) -> Rows:
    member_id = row_id(patient)
    documents = [i for i in patient.get("identifier", ()) if i["system"].startswith(DOCUMENT_PREFIX)]
    return {
        "member_identifiers": [
            {
                "id": row_id(i),
                "member_id": member_id,
                "id_type": unquote(i["system"][len(DOCUMENT_PREFIX) :]),
                "number": i["value"],
            }
            for i in documents
        ]
    }


def read_member(session: Session, member: Member) -> Resource:
    return member_to_fhir(
        member, documents=member.identifiers, location_path=household_path(session, member.household_id)
    )


def read_members(session: Session, people: Sequence[Member]) -> list[Resource]:
    """read_member for many: their documents and households' paths in two queries."""
    ids = [p.id for p in people]
    documents: dict[Any, list[MemberIdentifier]] = {i: [] for i in ids}
    for start in range(0, len(ids), 900):
        for document in session.scalars(
            select(MemberIdentifier).where(MemberIdentifier.member_id.in_(ids[start : start + 900]))
        ):
            documents[document.member_id].append(document)
    households = list({p.household_id for p in people})
    paths: dict[Any, str] = {}
    for start in range(0, len(households), 900):
        paths.update(
            session.execute(
                select(Household.id, Location.path)
                .join(Location, Location.id == Household.location_id)
                .where(Household.id.in_(households[start : start + 900]))
            ).all()
        )
    return [member_to_fhir(p, documents=documents[p.id], location_path=paths[p.household_id]) for p in people]


MEMBER = Mapping(
    model=Member,
    resource_type="Patient",
    read=read_member,
    read_rows=read_members,
    values=without_money(member_from_fhir),
    child_rows=without_money(member_children),
    local_only=frozenset({"import_batch_id"}),  # an import is undone on the device that made it
)

# ---- Household -> Group ----

HOUSEHOLD_FIELDS = (
    Field("location_id", "location", Ref("Location")),
    Field("preferred_pay_point_id", "preferred-pay-point", Ref("Location")),
    Field("payment_method", "payment-method", Code(PaymentMethod)),
    Field("payment_provider_id", "payment-provider", Ref("Organization")),
    Field("payment_account", "payment-account", Text()),
    Field("status", "household-status", Code(HouseholdStatus)),
    Field("custom_fields", "custom-field", CustomFields()),
    Field("registered_by_id", "registered-by", Logical("user")),
    *SYNCED_FIELDS,
)
# FHIR's own geolocation extension, whose parts are named latitude and longitude.
GEOLOCATION = "http://hl7.org/fhir/StructureDefinition/geolocation"
GPS_FIELDS = (Field("gps_latitude", "latitude", Exact()), Field("gps_longitude", "longitude", Exact()))


def _address(household: Household) -> list[dict[str, Any]]:
    gps = extensions_of(GPS_FIELDS, household, nested=True)
    address = compact(
        {"text": household.address, "extension": [{"url": GEOLOCATION, "extension": gps}] if gps else []}
    )
    return [extension("address", valueAddress=address)] if address else []


def _address_values(group: Resource) -> dict[str, Any]:
    found = find_extension(group, "address")
    address = found["valueAddress"] if found else {}
    geolocation: dict[str, Any] = next(
        (e for e in address.get("extension", ()) if e["url"] == GEOLOCATION), {}
    )
    return {"address": address.get("text")} | values_of(
        GPS_FIELDS, geolocation.get("extension", ()), nested=True
    )


def _group_member(member: Member) -> dict[str, Any]:
    return {
        "extension": extensions_of(ROLE_FIELDS, member),
        "entity": reference("Patient", member.id),
        "inactive": not live(member),
    }


def household_to_fhir(household: Household, *, members: Sequence[Member], location_path: str) -> Resource:
    """The household as a Group; `members` are all its members, the removed ones included (inactive),
    `location_path` its village's path."""
    return resource(
        "Group",
        household,
        HOUSEHOLD_FIELDS,
        location_path=location_path,
        extension=_address(household),
        identifier=identifiers(("household-code", household.code), ("household-ref", household.source_ref)),
        active=live(household) and household.status == HouseholdStatus.ACTIVE,
        type="person",
        actual=True,
        quantity=sum(1 for m in members if live(m)),
        member=[_group_member(m) for m in members],
    )


def household_from_fhir(group: Resource) -> dict[str, Any]:
    return (
        record_values(group, HOUSEHOLD_FIELDS)
        | _address_values(group)
        | {
            "code": identifier_value(group, "household-code"),
            "source_ref": identifier_value(group, "household-ref"),
        }
    )


def read_household(session: Session, household: Household) -> Resource:
    members = session.execute(
        select(Member).where(Member.household_id == household.id).order_by(Member.created_at, Member.id)
    ).scalars()
    return household_to_fhir(
        household, members=list(members), location_path=path_of(session, household.location_id)
    )


def read_households(session: Session, households: Sequence[Household]) -> list[Resource]:
    """read_household for many: their members and villages' paths in two queries."""
    ids = [h.id for h in households]
    members: dict[Any, list[Member]] = {i: [] for i in ids}
    for start in range(0, len(ids), 900):
        for person in session.scalars(
            select(Member)
            .where(Member.household_id.in_(ids[start : start + 900]))
            .order_by(Member.created_at, Member.id)
        ):
            members[person.household_id].append(person)
    paths = dict(session.execute(select(Location.id, Location.path)).all())
    return [
        household_to_fhir(h, members=members[h.id], location_path=paths[h.location_id]) for h in households
    ]


HOUSEHOLD = Mapping(
    model=Household,
    resource_type="Group",
    read=read_household,
    read_rows=read_households,
    values=without_money(household_from_fhir),
    local_only=frozenset({"import_batch_id"}),  # an import is undone on the device that made it
)
