"""Enrolment: who a plan's criteria select, what they would cost, and each beneficiary's status over time.

The criteria run as one statement over the whole registry (cashdesk.payroll.criteria); enrolling writes
the new enrolments and their first status change in bulk. A status changes only with a date, a reason and
who did it, and every change is kept.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from cashdesk.core import bulk, checkpoints
from cashdesk.core.database import note_changed
from cashdesk.core.errors import NotFound, ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.models import Enrolment, EnrolmentStatusChange, Household, Location
from cashdesk.models.keys import uuid7s
from cashdesk.models.plans import EnrolmentStatus
from cashdesk.models.registry import HouseholdStatus
from cashdesk.payroll.criteria import amount_expression
from cashdesk.payroll.plans import AmountRule, amount_rule, compiler_for, plan_by_code
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

# Which changes a supervisor may make, from each status.
ALLOWED_CHANGES = {
    EnrolmentStatus.POTENTIAL: {EnrolmentStatus.ACTIVE, EnrolmentStatus.EXITED},
    EnrolmentStatus.ACTIVE: {EnrolmentStatus.SUSPENDED, EnrolmentStatus.GRADUATED, EnrolmentStatus.EXITED},
    EnrolmentStatus.SUSPENDED: {EnrolmentStatus.ACTIVE, EnrolmentStatus.GRADUATED, EnrolmentStatus.EXITED},
    EnrolmentStatus.GRADUATED: set(),
    EnrolmentStatus.EXITED: set(),
}


@dataclass(frozen=True)
class LocationCount:
    village_code: str
    village: str
    qualifying: int
    already_enrolled: int
    new: int
    cost_minor: int  # per cycle, for every qualifying household


@dataclass(frozen=True)
class EnrolmentPreview:
    plan_code: str
    currency: str
    minor_units: int
    reference: date
    by_location: tuple[LocationCount, ...]
    qualifying: int
    already_enrolled: int
    new: int
    cost_per_cycle_minor: int
    max_beneficiaries: int | None
    enrolled: bool = False  # True once enrol() wrote them


def area_filter(actor: Actor) -> ColumnElement[bool] | None:
    """Households in the user's areas (None: everywhere), for a village joined as Location."""
    if not actor.location_paths or actor.covers_location("/"):
        return None
    return or_(*[Location.path.startswith(path) for path in actor.location_paths])


def eligible_households(session: Session, actor: Actor, rule: AmountRule, reference: date) -> Any:
    """(household id, village code, village name, amount) of every live household the criteria select."""
    compiler = compiler_for(session, reference)
    amount = amount_expression(
        compiler,
        base_minor=rule.base_minor,
        per_member=rule.per_member,
        top_ups=rule.top_ups,
        cap_minor=rule.cap_minor,
    )
    query = (
        select(Household.id, Location.code, Location.name, amount.label("amount"))
        .join(Location, Location.id == Household.location_id)
        .where(
            Household.deleted_at.is_(None),
            Household.status == HouseholdStatus.ACTIVE,
            compiler.eligibility(rule.conditions, match_all=rule.match_all),
        )
    )
    area = area_filter(actor)
    return query if area is None else query.where(area)


def _enrolled_ids(session: Session, plan_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        session.execute(
            select(Enrolment.household_id).where(Enrolment.plan_id == plan_id, Enrolment.member_id.is_(None))
        ).scalars()
    )


def _active_count(session: Session, plan_id: uuid.UUID) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(Enrolment)
            .where(Enrolment.plan_id == plan_id, Enrolment.status == EnrolmentStatus.ACTIVE)
        ).scalar_one()
    )


def preview_enrolment(
    session: Session,
    actor: Actor,
    plan_code: str,
    *,
    on: date | None = None,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> EnrolmentPreview:
    """How many households qualify per village, how many are new, and what a cycle would cost."""
    actor.require(Permission.MANAGE_PLANS)
    preview, _new = _evaluate(
        session, actor, plan_code, on=on, progress=progress, abort=abort or never_abort()
    )
    return preview


def _evaluate(
    session: Session,
    actor: Actor,
    plan_code: str,
    *,
    on: date | None,
    progress: Progress,
    abort: threading.Event,
) -> tuple[EnrolmentPreview, list[uuid.UUID]]:
    plan = plan_by_code(session, plan_code)
    rule = amount_rule(session, plan)
    reference = on or datetime.now(UTC).date()
    progress(0.05, _("Running the criteria of {plan}").format(plan=plan.code))
    enrolled = _enrolled_ids(session, plan.id)
    counts: dict[tuple[str, str], list[int]] = {}
    new: list[uuid.UUID] = []
    for i, (household_id, code, name, amount) in enumerate(
        session.execute(eligible_households(session, actor, rule, reference))
    ):
        if i % 20_000 == 0:
            check_abort(abort)
        row = counts.setdefault((code, name), [0, 0, 0, 0])
        row[0] += 1
        row[3] += int(amount or 0)
        if household_id in enrolled:
            row[1] += 1
        else:
            row[2] += 1
            new.append(household_id)
    by_location = tuple(
        LocationCount(code, name, q, e, n, cost) for (code, name), (q, e, n, cost) in sorted(counts.items())
    )
    preview = EnrolmentPreview(
        plan_code=plan.code,
        currency=rule.currency,
        minor_units=rule.minor_units,
        reference=reference,
        by_location=by_location,
        qualifying=sum(c.qualifying for c in by_location),
        already_enrolled=sum(c.already_enrolled for c in by_location),
        new=len(new),
        cost_per_cycle_minor=sum(c.cost_minor for c in by_location),
        max_beneficiaries=rule.max_beneficiaries,
    )
    return preview, new


def enrol(
    session: Session,
    actor: Actor,
    plan_code: str,
    *,
    on: date | None = None,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> EnrolmentPreview:
    """Enrol every household the criteria select that is not enrolled yet (potential -> active)."""
    actor.require(Permission.MANAGE_PLANS)
    abort = abort or never_abort()
    preview, new = _evaluate(session, actor, plan_code, on=on, progress=progress, abort=abort)
    plan = plan_by_code(session, plan_code)
    _check_room(session, plan.id, plan.max_beneficiaries, len(new))
    check_abort(abort)
    progress(0.6, _("Enrolling {n:,} households").format(n=len(new)))
    _write_enrolments(
        session, actor, plan.id, new, on=preview.reference, reason=_("selected by the plan's criteria")
    )
    audit.record(
        session,
        actor,
        action="enrolment.by_criteria",
        entity_type="benefit_plan",
        entity_id=plan.id,
        summary=_("{n:,} households enrolled in {plan}").format(n=len(new), plan=plan.code),
        after={"enrolled": len(new), "on": preview.reference.isoformat()},
    )
    progress(1.0, _("{n:,} households enrolled").format(n=len(new)))
    return replace(preview, enrolled=True)


def _check_room(session: Session, plan_id: uuid.UUID, maximum: int | None, adding: int) -> None:
    if maximum is None:
        return
    active = _active_count(session, plan_id)
    if active + adding > maximum:
        raise ValidationError(
            _(
                "The plan takes at most {max:,} beneficiaries; {active:,} are active and {new:,} would be "
                "added, {over:,} too many. Narrow the criteria or raise the maximum."
            ).format(max=maximum, active=active, new=adding, over=active + adding - maximum),
            field="max_beneficiaries",
        )


def _write_enrolments(
    session: Session,
    actor: Actor,
    plan_id: uuid.UUID,
    household_ids: Sequence[uuid.UUID],
    *,
    on: date,
    reason: str,
) -> None:
    # Through the import's bulk path (cashdesk.core.bulk): the values every row shares are converted
    # once, not once per row by SQLAlchemy (100,000 enrolments: 7 s with insert() and lists of dicts).
    if len(household_ids) >= checkpoints.LARGE_WRITE_ROWS:  # the log is copied after the commit
        checkpoints.checkpoint_after_commit(session)
    now = datetime.now(UTC)
    ids = [i.hex for i in uuid7s(len(household_ids))]
    changes = [i.hex for i in uuid7s(len(household_ids))]
    bulk.insert_converted(
        session,
        "enrolments",
        ("id", "household_id"),
        zip(ids, (h.hex for h in household_ids), strict=True),
        shared={
            "plan_id": plan_id,
            "status": EnrolmentStatus.ACTIVE,
            "enrolled_on": on,
            "created_at": now,
            "updated_at": now,
        },
    )
    bulk.insert_converted(
        session,
        "enrolment_status_changes",
        ("id", "enrolment_id", "reason"),  # the reason is bound: a supervisor may have typed it
        ((change, enrolment, reason) for change, enrolment in zip(changes, ids, strict=True)),
        shared={
            "from_status": EnrolmentStatus.POTENTIAL,
            "to_status": EnrolmentStatus.ACTIVE,
            "effective_on": on,
            "changed_at": now,
            "changed_by_id": actor.user_id,
        },
    )
    note_changed(session, "enrolments", "enrolment_status_changes")


def _household(session: Session, actor: Actor, code: str) -> Household:
    row = session.execute(
        select(Household, Location.path)
        .join(Location, Location.id == Household.location_id)
        .where(func.upper(Household.code) == code.strip().upper(), Household.deleted_at.is_(None))
    ).one_or_none()
    if row is None:
        raise NotFound(_("There is no household {code}.").format(code=code))
    household, path = row
    actor.require_location(path)
    return household


def enrol_households(
    session: Session,
    actor: Actor,
    plan_code: str,
    codes: Sequence[str],
    *,
    reason: str,
    on: date | None = None,
) -> int:
    """Enrol chosen households by hand (a supervisor's decision, whatever the criteria say), with a reason."""
    actor.require(Permission.MANAGE_PLANS)
    if not reason.strip():
        raise ValidationError(_("Say why these households are enrolled by hand."), field="reason")
    plan = plan_by_code(session, plan_code)
    enrolled = _enrolled_ids(session, plan.id)
    chosen = []
    for code in codes:
        household = _household(session, actor, code)
        if household.id in enrolled:
            raise ValidationError(
                _("Household {code} is already enrolled in {plan}.").format(
                    code=household.code, plan=plan.code
                )
            )
        chosen.append(household.id)
    _check_room(session, plan.id, plan.max_beneficiaries, len(chosen))
    day = on or datetime.now(UTC).date()
    _write_enrolments(session, actor, plan.id, chosen, on=day, reason=reason.strip())
    audit.record(
        session,
        actor,
        action="enrolment.by_hand",
        entity_type="benefit_plan",
        entity_id=plan.id,
        summary=_("{n} households enrolled in {plan} by hand: {reason}").format(
            n=len(chosen), plan=plan.code, reason=reason.strip()
        ),
        after={"households": [str(h) for h in chosen]},
    )
    return len(chosen)


@dataclass(frozen=True)
class StatusChange:
    from_status: str | None
    to_status: str
    reason: str
    effective_on: date | None
    changed_at: datetime
    changed_by: str


def change_status(
    session: Session,
    actor: Actor,
    plan_code: str,
    household_code: str,
    *,
    to: str,
    reason: str,
    effective_on: date | None = None,
) -> None:
    actor.require(Permission.MANAGE_PLANS)
    try:
        target = EnrolmentStatus(to)
    except ValueError:
        raise ValidationError(
            _("The status is one of {choices}.").format(choices=", ".join(s.value for s in EnrolmentStatus)),
            field="status",
        ) from None
    if not reason.strip():
        raise ValidationError(_("Say why the status changes."), field="reason")
    plan = plan_by_code(session, plan_code)
    household = _household(session, actor, household_code)
    enrolment = session.execute(
        select(Enrolment).where(
            Enrolment.plan_id == plan.id,
            Enrolment.household_id == household.id,
            Enrolment.member_id.is_(None),
        )
    ).scalar_one_or_none()
    if enrolment is None:
        raise NotFound(
            _("Household {code} is not enrolled in {plan}.").format(code=household.code, plan=plan.code)
        )
    if target not in ALLOWED_CHANGES[enrolment.status]:
        raise ValidationError(
            _("A {status} beneficiary cannot become {target}.").format(
                status=enrolment.status.value, target=target.value
            ),
            field="status",
        )
    before = audit.snapshot(enrolment)
    session.add(
        EnrolmentStatusChange(
            enrolment_id=enrolment.id,
            from_status=enrolment.status,
            to_status=target,
            reason=reason.strip(),
            effective_on=effective_on or datetime.now(UTC).date(),
            changed_by_id=actor.user_id,
        )
    )
    enrolment.status = target
    session.flush()
    audit.record(
        session,
        actor,
        action="enrolment.status",
        entity_type="enrolment",
        entity_id=enrolment.id,
        summary=f"{household.code} {plan.code}: {before['status']} -> {target.value} ({reason.strip()})",
        before=before,
        after=audit.snapshot(enrolment),
    )


def status_history(session: Session, actor: Actor, plan_code: str, household_code: str) -> list[StatusChange]:
    actor.require(Permission.VIEW_PAYROLLS)
    from cashdesk.models import User

    plan = plan_by_code(session, plan_code)
    household = _household(session, actor, household_code)
    rows = session.execute(
        select(EnrolmentStatusChange, User.username)
        .join(Enrolment, Enrolment.id == EnrolmentStatusChange.enrolment_id)
        .outerjoin(User, User.id == EnrolmentStatusChange.changed_by_id)
        .where(Enrolment.plan_id == plan.id, Enrolment.household_id == household.id)
        .order_by(EnrolmentStatusChange.changed_at, EnrolmentStatusChange.id)
    )
    return [
        StatusChange(
            c.from_status.value if c.from_status else None,
            c.to_status.value,
            c.reason,
            c.effective_on,
            c.changed_at,
            name or "",
        )
        for c, name in rows
    ]
