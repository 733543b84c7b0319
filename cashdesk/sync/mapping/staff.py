"""Users (the scheme's staff) as Practitioner: who they are, their role and the places they work in.

What travels is the account as the scheme knows it. The password never does: each laptop keeps its own
key file, so a user who arrives from another device logs in here only once an administrator of this
laptop has given them a password (cashdesk.security.users.reset_password). Staff are the scheme's,
not anyone's personal data in the registry's sense: every device receives every user (no place tag),
so that a pay point's clerks and the author of each record are known everywhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.models import Role, User, user_locations
from cashdesk.sync.mapping.base import SYNCED_FIELDS, Mapping, Rows, record_values, resource, without_money
from cashdesk.sync.mapping.elements import Resource, identifier_value, identifiers, row_id
from cashdesk.sync.mapping.fields import Code, Field, Many, Ref, extensions_of, values_of

USER_FIELDS = (Field("role", "staff-role", Code(Role)), *SYNCED_FIELDS)
PLACES = (Field("location_ids", "works-in", Many(Ref("Location"))),)  # user_locations, not a column


def user_to_fhir(user: User, *, location_ids: Sequence[uuid.UUID]) -> Resource:
    return resource(
        "Practitioner",
        user,
        USER_FIELDS,
        location_path=None,
        extension=extensions_of(PLACES, {"location_ids": sorted(location_ids)}),
        identifier=identifiers(("username", user.username)),
        active=user.active,
        name=[{"text": user.full_name}],
    )


def user_from_fhir(practitioner: Resource) -> dict[str, Any]:
    return record_values(practitioner, USER_FIELDS) | {
        "username": identifier_value(practitioner, "username"),
        "full_name": (practitioner.get("name") or [{}])[0].get("text", ""),
        "active": bool(practitioner.get("active", True)),
    }


def user_children(practitioner: Resource) -> Rows:
    places = values_of(PLACES, practitioner.get("extension", ()))["location_ids"]
    user_id = row_id(practitioner)
    return {"user_locations": [{"user_id": user_id, "location_id": place} for place in places]}


def read_users(session: Session, users: Sequence[User]) -> list[Resource]:
    ids = [u.id for u in users]
    places: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in ids}
    for start in range(0, len(ids), 900):
        for user_id, location_id in session.execute(
            select(user_locations.c.user_id, user_locations.c.location_id).where(
                user_locations.c.user_id.in_(ids[start : start + 900])
            )
        ):
            places[user_id].append(location_id)
    return [user_to_fhir(u, location_ids=places[u.id]) for u in users]


USER = Mapping(
    model=User,
    resource_type="Practitioner",
    read=lambda session, row: read_users(session, [row])[0],
    values=without_money(user_from_fhir),
    child_rows=without_money(user_children),
    local_only=User.LOCAL_COLUMNS,  # when it last logged in here, a password to change here
    read_rows=read_users,
)
