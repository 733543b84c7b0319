"""Withdrawing what moved out of this device's places.

When a household moves to another district, the server tells the devices of the old district (a history
entry carrying the `moved-out` extension, without the resource: it is no longer theirs to read). They
withdraw their copy of the household, its members and its enrolments, so that the old district neither
pays it again nor keeps its personal data in its lists. Withdrawn is not deleted: the row stays as a
tombstone this device never pushes (its payment history still points at it), and it comes back as it
is if the household ever moves back. Other kinds of record that follow a household (payment lines,
payment events) are the old district's history and stay.

A withdrawn record this device had changed and not yet pushed is noted among the server's refusals (the
Sync screen's outbox shows them), so that the change is passed on to the new district, not lost unseen.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cashdesk.core.i18n import _
from cashdesk.models import Enrolment, Household, Member, SyncRefusal
from cashdesk.registry import search
from cashdesk.sync.mapping import MAPPINGS
from cashdesk.sync.mapping.urls import MOVED_OUT

WITHDRAWN_WHEN_MOVED = (Household, Member, Enrolment)


@dataclass(frozen=True)
class MovedOut:
    resource_type: str
    id: uuid.UUID
    version: int
    at: datetime


def moved_out(entry: dict[str, Any]) -> MovedOut | None:
    """The entry's withdrawal notice, or None for an ordinary history entry."""
    if not any(e.get("url") == MOVED_OUT and e.get("valueBoolean") for e in entry.get("extension") or ()):
        return None
    resource_type, _slash, rid = str((entry.get("request") or {}).get("url", "")).partition("/")
    response = entry.get("response") or {}
    version = str(response.get("etag", "")).removeprefix("W/").strip('"')
    return MovedOut(
        resource_type,
        uuid.UUID(rid),
        int(version) if version.isdigit() else 0,
        datetime.fromisoformat(str(response["lastModified"])),
    )


def withdraw(session: Session, notices: list[MovedOut]) -> int:
    """Withdraws the records the notices name (in the caller's transaction); returns how many households
    left this device."""
    households: set[uuid.UUID] = set()
    for notice in notices:
        for mapping in MAPPINGS.values():
            if mapping.resource_type != notice.resource_type or mapping.model not in WITHDRAWN_WHEN_MOVED:
                continue
            row = session.get(mapping.model, notice.id)
            if row is None or (row.server_version and int(row.server_version) >= notice.version):
                continue  # never here, or already newer (it moved back since)
            if row.dirty and row.deleted_at is None:
                session.merge(
                    SyncRefusal(
                        table_name=mapping.model.__tablename__,
                        row_id=row.id,
                        version=row.version,
                        reason=_(
                            "It moved to another district before this laptop's changes were sent, so they "
                            "were not sent: give them to that district's office."
                        ),
                    )
                )
            if row.deleted_at is None:
                row.deleted_at = notice.at
            row.dirty = False
            row.server_version = str(notice.version)
            if isinstance(row, Household):
                households.add(row.id)
    if households:
        session.flush()
        search.index_households(session, households)  # no longer found by the household search
    return len(households)
