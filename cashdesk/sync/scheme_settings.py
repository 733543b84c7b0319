"""The scheme's shared settings on the server: its name, country, currency and custom fields.

They travel as one Basic resource, `Basic/scheme-settings` (code record-kind|scheme-settings), so that a
new laptop can join the scheme from the server (cashdesk.sync.join) and a custom field added on one
laptop reaches the others. The device code, the idle lock and the sync limits stay each laptop's own.

What this device last exchanged is kept as a cursor row ("scheme-settings": "<version> <fingerprint>"):
a change made here since then is pushed (with If-Match on that version); a change on the server is taken
when nothing changed here. When both changed, the change pushed last wins: settings change seldom,
and only administrators change them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.core.i18n import _
from cashdesk.models import Scheme, SyncCursor
from cashdesk.sync.connection import Refused, ServerConnection, SyncError
from cashdesk.sync.mapping import dumps
from cashdesk.sync.mapping.elements import Resource, compact, concept, find_code
from cashdesk.sync.mapping.fields import Field, Integer, Json, Text, extensions_of, values_of

KIND = "scheme-settings"
RESOURCE_ID = "scheme-settings"
PATH = f"Basic/{RESOURCE_ID}"
STATE = "scheme-settings"  # its row in sync_cursors
FIELDS = (
    Field("name", "scheme-name", Text()),
    Field("country", "scheme-country", Text()),
    Field("currency", "scheme-currency", Text()),
    Field("currency_minor_units", "currency-minor-units", Integer()),
    Field("custom_fields_schema", "custom-fields-schema", Json()),
)


class NotTheSameScheme(SyncError):
    kind = "refused"


@dataclass(frozen=True)
class Settings:
    name: str
    country: str
    currency: str
    currency_minor_units: int
    custom_fields_schema: dict[str, Any]

    def fingerprint(self) -> str:
        return hashlib.sha256(dumps(to_fhir(self)).encode("utf-8")).hexdigest()[:32]


def is_settings(resource: Resource) -> bool:
    return resource.get("resourceType") == "Basic" and find_code(resource.get("code"), "record-kind") == KIND


def to_fhir(settings: Settings) -> Resource:
    return compact(
        {
            "resourceType": "Basic",
            "id": RESOURCE_ID,
            "extension": extensions_of(FIELDS, settings),
            "code": concept("record-kind", KIND),
        }
    )


def from_fhir(resource: Resource) -> Settings:
    return Settings(**values_of(FIELDS, resource.get("extension", ())))


def local_settings(session: Session) -> Settings:
    scheme = session.execute(select(Scheme)).scalar_one()
    return Settings(
        scheme.name,
        scheme.country,
        scheme.currency,
        scheme.currency_minor_units,
        dict(scheme.custom_fields_schema or {}),
    )


def _state(session: Session) -> tuple[str | None, str | None]:
    row = session.get(SyncCursor, STATE)
    if row is None or not row.cursor:
        return None, None
    version, _space, fingerprint = row.cursor.partition(" ")
    return version, fingerprint


def remember(session: Session, version: str, settings: Settings) -> None:
    session.merge(SyncCursor(resource_type=STATE, cursor=f"{version} {settings.fingerprint()}"))


def check_same_scheme(mine: Settings, theirs: Settings) -> None:
    if (mine.country, mine.currency) != (theirs.country, theirs.currency):
        raise NotTheSameScheme(
            _(
                "This laptop's scheme ({mine}, {country}, {currency}) is not the server's ({theirs}, "
                "{their_country}, {their_currency}): it cannot sync with this server."
            ).format(
                mine=mine.name,
                country=mine.country,
                currency=mine.currency,
                theirs=theirs.name,
                their_country=theirs.country,
                their_currency=theirs.currency,
            )
        )


def apply(session: Session, resource: Resource) -> None:
    """The server's settings arrive in a pulled page: taken unless they were changed here too."""
    theirs = from_fhir(resource)
    mine = local_settings(session)
    check_same_scheme(mine, theirs)
    version = str((resource.get("meta") or {}).get("versionId", "0"))
    _known, fingerprint = _state(session)
    if fingerprint is not None and fingerprint != mine.fingerprint():
        # Changed here since the last exchange: keep this device's, and push it over this version.
        session.merge(SyncCursor(resource_type=STATE, cursor=f"{version} {fingerprint}"))
        return
    scheme = session.execute(select(Scheme)).scalar_one()
    scheme.name = theirs.name
    scheme.custom_fields_schema = theirs.custom_fields_schema
    remember(session, version, theirs)


def push_if_changed(
    session_factory: Callable[[], AbstractContextManager[Session]], server: ServerConnection
) -> bool:
    """PUT the settings when they changed here since the last exchange (or were never sent). Returns
    whether they went; False also when the server had a newer version (the next pull brings it)."""
    with session_factory() as session:
        mine = local_settings(session)
        version, fingerprint = _state(session)
    if fingerprint == mine.fingerprint():
        return False
    try:
        answer = server.put(PATH, dumps(to_fhir(mine)), if_match=version)
    except Refused as exc:
        if exc.status == 412:
            return False
        raise
    with session_factory() as session:
        remember(session, str(answer.body.get("meta", {}).get("versionId", "1")), mine)
    return True


def read_from_server(server: ServerConnection) -> tuple[Settings, str] | None:
    """The server's settings and their version, or None when no laptop has sent them yet."""
    try:
        answer = server.get(PATH)
    except Refused as exc:
        if exc.status in (404, 410):
            return None
        raise
    return from_fhir(answer.body), str(answer.body.get("meta", {}).get("versionId", "1"))
