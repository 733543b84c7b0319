"""Earlier imports: the list, and undoing one while nothing downstream uses it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from cashdesk.core.database import note_changed
from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import Enrolment, Household, ImportBatch, ImportStatus, Member, PaymentLine
from cashdesk.models.base import utcnow
from cashdesk.registry import key_index, search
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission


def undo_import(session: Session, actor: Actor, batch_id: uuid.UUID) -> int:
    """Remove what a batch created, while nothing downstream uses it. Returns households removed."""
    actor.require(Permission.IMPORT_HOUSEHOLDS)
    batch = session.get(ImportBatch, batch_id)
    if batch is None or batch.status != ImportStatus.COMPLETED:
        raise ValidationError(_("Only a completed import can be undone."))
    if batch.counts.get("households_updated"):
        raise ValidationError(
            _(
                "This import changed {n} households that were already registered; it cannot be undone "
                "automatically."
            ).format(n=batch.counts["households_updated"])
        )
    created = select(Household.id).where(Household.import_batch_id == batch_id)
    used = (
        session.execute(
            select(func.count()).select_from(Enrolment).where(Enrolment.household_id.in_(created))
        ).scalar_one()
        + session.execute(
            select(func.count()).select_from(PaymentLine).where(PaymentLine.household_id.in_(created))
        ).scalar_one()
    )
    if used:
        raise ValidationError(
            _("Households from this import are enrolled in a plan or on a payroll; it cannot be undone.")
        )
    now = utcnow()
    removed = session.execute(
        update(Household)
        .where(Household.import_batch_id == batch_id, Household.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now, dirty=True, version=Household.version + 1)
    )
    assert isinstance(removed, CursorResult)
    # The members of the batch's households, found through them (members.household_id is indexed), so
    # also those added to such a household by hand since: the household is gone, so are they. A batch that
    # updated households already registered is refused above, so no other member came from it.
    session.execute(
        update(Member)
        .where(Member.household_id.in_(created), Member.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now, dirty=True, version=Member.version + 1)
    )
    key_index.drop(
        session, list(session.execute(select(Member.id).where(Member.household_id.in_(created))).scalars())
    )
    search.index_households(session, list(session.execute(created).scalars()))
    batch.status = ImportStatus.UNDONE
    note_changed(session, "households", "members", "import_batches")
    audit.record(
        session,
        actor,
        action="import.undone",
        entity_type="import_batch",
        entity_id=batch.id,
        summary=batch.file_name,
        after={"households_removed": removed.rowcount},
    )
    return int(removed.rowcount)


@dataclass(frozen=True)
class BatchInfo:
    id: uuid.UUID
    file_name: str
    started_at: datetime
    status: str
    counts: dict[str, Any]


def list_batches(session: Session, actor: Actor) -> list[BatchInfo]:
    actor.require(Permission.IMPORT_HOUSEHOLDS)
    return [
        BatchInfo(b.id, b.file_name, b.started_at, b.status.value, dict(b.counts))
        for b in session.execute(select(ImportBatch).order_by(ImportBatch.started_at.desc())).scalars()
    ]
