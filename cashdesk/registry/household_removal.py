"""Removing a household entered by mistake (a test entry, a form typed twice): its record and its
members' become tombstones, which sync carries to every device. A household that was ever enrolled or
paid is history and is not removed: it is marked inactive instead."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import NotFound, ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import Enrolment, Household, Location, Member, PaymentLine
from cashdesk.models.base import utcnow
from cashdesk.registry import search
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission


def remove_household(session: Session, actor: Actor, household_id: uuid.UUID, *, reason: str) -> str:
    """Tombstone the household and its members; returns its code."""
    actor.require(Permission.REGISTER_HOUSEHOLDS)
    household = session.get(Household, household_id)
    if household is None or household.deleted_at is not None:
        raise NotFound(_("This household no longer exists."))
    actor.require_location(session.get_one(Location, household.location_id).path)
    if not reason.strip():
        raise ValidationError(_("Say why the household is removed."), field="reason")
    for model, what in ((Enrolment, _("enrolled in a plan")), (PaymentLine, _("on a payroll"))):
        held = session.execute(
            select(func.count()).select_from(model).where(model.household_id == household.id)
        ).scalar_one()
        if held:
            raise ValidationError(
                _("Household {code} was {what}: it stays as history. Mark it inactive instead.").format(
                    code=household.code, what=what
                )
            )
    now = utcnow()
    household.deleted_at = now
    for person in session.scalars(select(Member).where(Member.household_id == household.id)):
        if person.deleted_at is None:
            person.deleted_at = now
    session.flush()
    search.index_households(session, {household.id})
    audit.record(
        session,
        actor,
        action="household.removed",
        entity_type="household",
        entity_id=household.id,
        summary=_("{code} removed: {reason}").format(code=household.code, reason=reason.strip()),
    )
    return household.code
