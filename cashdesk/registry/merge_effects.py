"""What a "same person" merge does around the two records: roles in the households, enrolments, the
household left empty, and the other pairs of the record that goes.

Every change goes through the ORM, so that the flush hook marks the rows for the next sync (bulk UPDATEs
bypass it).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import (
    DuplicateCandidate,
    DuplicateStatus,
    Enrolment,
    Household,
    Member,
    RecipientRole,
    Relationship,
)


def live_members(session: Session, household_id: uuid.UUID) -> list[Member]:
    return list(
        session.execute(
            select(Member).where(Member.household_id == household_id, Member.deleted_at.is_(None))
        ).scalars()
    )


def check_pair_is_live(left: Member | None, right: Member | None) -> None:
    if left is None or right is None or left.deleted_at is not None or right.deleted_at is not None:
        raise ValidationError(
            _("One of these two records was merged or removed since this pair was found: nothing to decide.")
        )


def hand_over_roles(session: Session, kept: Member, gone: Member) -> bool:
    """Before `gone` is removed: the head or primary recipient of a household must not leave it without
    one. In the same household the kept record takes the role over (they are one person). In another
    household that keeps other members, the merge is refused until someone else there has the role; a
    household with no one else is emptied by the merge. Returns whether gone's household is left empty."""
    others = [m for m in live_members(session, gone.household_id) if m.id not in (gone.id, kept.id)]
    is_head = gone.relation_to_head == Relationship.HEAD
    is_primary = gone.recipient_role == RecipientRole.PRIMARY
    if gone.household_id == kept.household_id:
        if is_head or is_primary:
            gone.relation_to_head, gone.recipient_role = Relationship.OTHER, None
            session.flush()  # one head, one primary recipient at any moment (unique indexes)
            if is_head:
                kept.relation_to_head = Relationship.HEAD
            if is_primary:
                kept.recipient_role = RecipientRole.PRIMARY
        return False
    if others and (is_head or is_primary):
        code = session.get_one(Household, gone.household_id).code
        role = _("head") if is_head else _("primary recipient")
        raise ValidationError(
            _(
                "{name} is the {role} of household {code}, which has other members. Merge those who are "
                "duplicates too, or make someone else {role} there, then merge this pair."
            ).format(name=f"{gone.given_name} {gone.family_name}", role=role, code=code)
        )
    return not others


def move_enrolments(session: Session, kept: Member, gone: Member, *, emptied: bool, now: datetime) -> int:
    """Gone's enrolments become kept's, in kept's household; where kept is enrolled in the same plan
    already, gone's is closed (one person, one enrolment). So are the enrolments of a household the
    merge empties. Returns the enrolments moved."""
    moved = 0
    kept_plans = set(
        session.execute(
            select(Enrolment.plan_id).where(
                or_(Enrolment.member_id == kept.id, Enrolment.household_id == kept.household_id),
                Enrolment.deleted_at.is_(None),
            )
        ).scalars()
    )
    own = Enrolment.member_id == gone.id
    of_household = (Enrolment.household_id == gone.household_id) & Enrolment.member_id.is_(None)
    condition = or_(own, of_household) if emptied else own
    for enrolment in session.execute(
        select(Enrolment).where(condition, Enrolment.deleted_at.is_(None))
    ).scalars():
        if enrolment.plan_id in kept_plans:
            enrolment.deleted_at = now
            continue
        enrolment.household_id = kept.household_id
        if enrolment.member_id is not None:
            enrolment.member_id = kept.id
        kept_plans.add(enrolment.plan_id)
        moved += 1
    return moved


def carry_over_pairs(
    session: Session, kept_id: uuid.UUID, gone_id: uuid.UUID, *, note: str, now: datetime
) -> None:
    """Gone's other open pairs now concern the kept record: each becomes a pair with it (same score and
    reasons), unless it would pair kept with itself or such a pair exists already; then it is closed."""
    pairs = session.execute(
        select(DuplicateCandidate).where(
            DuplicateCandidate.status.in_((DuplicateStatus.OPEN, DuplicateStatus.FIELD_VISIT)),
            or_(DuplicateCandidate.left_member_id == gone_id, DuplicateCandidate.right_member_id == gone_id),
        )
    ).scalars()
    for pair in list(pairs):
        other = pair.right_member_id if pair.left_member_id == gone_id else pair.left_member_id
        left, right = sorted((other, kept_id))
        exists = session.execute(
            select(DuplicateCandidate.id).where(
                DuplicateCandidate.left_member_id == left, DuplicateCandidate.right_member_id == right
            )
        ).first()
        if other == kept_id or exists:
            pair.deleted_at = now  # the pair is gone with the record; its history stays
            pair.decision_note = note
            continue
        pair.left_member_id, pair.right_member_id = left, right
        pair.note = f"{pair.note}\n{note}".strip()
