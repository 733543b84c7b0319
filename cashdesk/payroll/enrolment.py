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

from sqlalchemy import ColumnElement, func, null, or_, select
from sqlalchemy.orm import Session, aliased

from cashdesk.core import bulk, checkpoints
from cashdesk.core.database import note_changed
from cashdesk.core.errors import NotFound, ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.models import Enrolment, EnrolmentStatusChange, Household, Location, Member
from cashdesk.models.keys import uuid7s
from cashdesk.models.plans import EnrolmentStatus, PlanTarget
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


# A beneficiary: its household, and the person in a plan for individuals (None in a plan for households).
Beneficiary = tuple[uuid.UUID, uuid.UUID | None]


@dataclass(frozen=True)
class LocationCount:
    village_code: str
    village: str
    qualifying: int
    already_enrolled: int
    new: int
    cost_minor: int  # per cycle, for every qualifying household (or person)


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
    individual: bool = False  # the counts are of people, not households
    enrolled: bool = False  # True once enrol() wrote them


def area_filter(actor: Actor) -> ColumnElement[bool] | None:
    """Households in the user's areas (None: everywhere), for a village joined as Location."""
    if not actor.location_paths or actor.covers_location("/"):
        return None
    return or_(*[Location.path.startswith(path) for path in actor.location_paths])


def eligible(session: Session, actor: Actor, rule: AmountRule, reference: date) -> Any:
    """(household id, member id, village code, village name, amount) of every live household the criteria
    select; in a plan for individuals, of every live member of a live household (member id None otherwise)."""
    compiler = compiler_for(session, reference)
    person = aliased(Member) if rule.individual else None
    amount = amount_expression(
        compiler,
        base_minor=rule.base_minor,
        per_member=rule.per_member,
        top_ups=rule.top_ups,
        cap_minor=rule.cap_minor,
        person=person,
    )
    eligibility = compiler.eligibility(rule.conditions, match_all=rule.match_all, person=person)
    live = (Household.deleted_at.is_(None), Household.status == HouseholdStatus.ACTIVE, eligibility)
    if person is None:
        query = select(
            Household.id, null().label("member_id"), Location.code, Location.name, amount.label("amount")
        )
    else:
        query = (
            select(Household.id, person.id, Location.code, Location.name, amount.label("amount"))
            .select_from(person)
            .join(Household, Household.id == person.household_id)
            .where(person.deleted_at.is_(None))
        )
    query = query.join(Location, Location.id == Household.location_id).where(*live)
    area = area_filter(actor)
    return query if area is None else query.where(area)


def _enrolled_ids(session: Session, plan_id: uuid.UUID, *, individual: bool) -> set[uuid.UUID]:
    """The households (or, in a plan for individuals, the people) enrolled in the plan, whatever status."""
    if individual:
        query = select(Enrolment.member_id).where(
            Enrolment.plan_id == plan_id, Enrolment.member_id.isnot(None)
        )
    else:
        query = select(Enrolment.household_id).where(
            Enrolment.plan_id == plan_id, Enrolment.member_id.is_(None)
        )
    return {key for key in session.execute(query).scalars() if key is not None}


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
    """How many households (or people) qualify per village, how many are new, what a cycle would cost."""
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
) -> tuple[EnrolmentPreview, list[Beneficiary]]:
    plan = plan_by_code(session, plan_code)
    rule = amount_rule(session, plan)
    reference = on or datetime.now(UTC).date()
    progress(0.05, _("Running the criteria of {plan}").format(plan=plan.code))
    enrolled = _enrolled_ids(session, plan.id, individual=rule.individual)
    counts: dict[tuple[str, str], list[int]] = {}
    new: list[Beneficiary] = []
    for i, (household_id, member_id, code, name, amount) in enumerate(
        session.execute(eligible(session, actor, rule, reference))
    ):
        if i % 20_000 == 0:
            check_abort(abort)
        row = counts.setdefault((code, name), [0, 0, 0, 0])
        row[0] += 1
        row[3] += int(amount or 0)
        if (member_id or household_id) in enrolled:
            row[1] += 1
        else:
            row[2] += 1
            new.append((household_id, member_id))
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
        individual=rule.individual,
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
    """Enrol every household (or person) the criteria select that is not enrolled yet (potential ->
    active)."""
    actor.require(Permission.MANAGE_PLANS)
    abort = abort or never_abort()
    preview, new = _evaluate(session, actor, plan_code, on=on, progress=progress, abort=abort)
    plan = plan_by_code(session, plan_code)
    _check_room(session, plan.id, plan.max_beneficiaries, len(new))
    check_abort(abort)
    unit = _("people") if preview.individual else _("households")
    progress(0.6, _("Enrolling {n:,} {unit}").format(n=len(new), unit=unit))
    _write_enrolments(
        session, actor, plan.id, new, on=preview.reference, reason=_("selected by the plan's criteria")
    )
    audit.record(
        session,
        actor,
        action="enrolment.by_criteria",
        entity_type="benefit_plan",
        entity_id=plan.id,
        summary=_("{n:,} {unit} enrolled in {plan}").format(n=len(new), unit=unit, plan=plan.code),
        after={"enrolled": len(new), "on": preview.reference.isoformat()},
    )
    progress(1.0, _("{n:,} {unit} enrolled").format(n=len(new), unit=unit))
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
    beneficiaries: Sequence[Beneficiary],
    *,
    on: date,
    reason: str,
) -> None:
    # Through the import's bulk path (cashdesk.core.bulk): the values every row shares are converted
    # once, not once per row by SQLAlchemy (100,000 enrolments: 7 s with insert() and lists of dicts).
    if len(beneficiaries) >= checkpoints.LARGE_WRITE_ROWS:  # the log is copied after the commit
        checkpoints.checkpoint_after_commit(session)
    now = datetime.now(UTC)
    ids = [i.hex for i in uuid7s(len(beneficiaries))]
    changes = [i.hex for i in uuid7s(len(beneficiaries))]
    bulk.insert_converted(
        session,
        "enrolments",
        ("id", "household_id", "member_id"),
        (
            (enrolment, household.hex, member.hex if member else None)
            for enrolment, (household, member) in zip(ids, beneficiaries, strict=True)
        ),
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


def _by_hand(
    session: Session,
    actor: Actor,
    plan: Any,
    chosen: list[Beneficiary],
    *,
    reason: str,
    on: date | None,
    what: str,
) -> int:
    _check_room(session, plan.id, plan.max_beneficiaries, len(chosen))
    day = on or datetime.now(UTC).date()
    _write_enrolments(session, actor, plan.id, chosen, on=day, reason=reason.strip())
    audit.record(
        session,
        actor,
        action="enrolment.by_hand",
        entity_type="benefit_plan",
        entity_id=plan.id,
        summary=_("{what} enrolled in {plan} by hand: {reason}").format(
            what=what, plan=plan.code, reason=reason.strip()
        ),
        after={"households": [str(h) for h, _m in chosen], "members": [str(m) for _h, m in chosen if m]},
    )
    return len(chosen)


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise ValidationError(_("Say why they are enrolled by hand."), field="reason")


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
    _require_reason(reason)
    plan = plan_by_code(session, plan_code)
    if plan.target == PlanTarget.INDIVIDUAL:
        raise ValidationError(
            _("{plan} pays individuals: choose the people to enrol, not whole households.").format(
                plan=plan.code
            ),
            field="target",
        )
    enrolled = _enrolled_ids(session, plan.id, individual=False)
    chosen: list[Beneficiary] = []
    for code in codes:
        household = _household(session, actor, code)
        if household.id in enrolled or any(h == household.id for h, _m in chosen):
            raise ValidationError(
                _("Household {code} is already enrolled in {plan}.").format(
                    code=household.code, plan=plan.code
                )
            )
        chosen.append((household.id, None))
    if not chosen:
        raise ValidationError(_("Give the codes of the households to enrol."), field="codes")
    return _by_hand(
        session, actor, plan, chosen, reason=reason, on=on, what=_("{n} households").format(n=len(chosen))
    )


@dataclass(frozen=True)
class Person:
    """A live member of a household, with his or her status in a plan for individuals (None: not in it)."""

    member_id: uuid.UUID
    name: str
    sex: str
    birth: str  # the date of birth, or the year when only that is known
    status: str | None


def household_people(session: Session, actor: Actor, plan_code: str, household_code: str) -> list[Person]:
    """The household's live members, head first, each with their status in the plan."""
    actor.require(Permission.VIEW_PAYROLLS)
    plan = plan_by_code(session, plan_code)
    household = _household(session, actor, household_code)
    rows = session.execute(
        select(Member, Enrolment.status)
        .outerjoin(Enrolment, (Enrolment.member_id == Member.id) & (Enrolment.plan_id == plan.id))
        .where(Member.household_id == household.id, Member.deleted_at.is_(None))
        .order_by(Member.relation_to_head != "head", Member.created_at, Member.id)
    )
    return [
        Person(
            m.id,
            f"{m.given_name} {m.family_name}",
            m.sex.value,
            m.date_of_birth.isoformat() if m.date_of_birth else str(m.birth_year or ""),
            status.value if status else None,
        )
        for m, status in rows
    ]


def enrol_people(
    session: Session,
    actor: Actor,
    plan_code: str,
    household_code: str,
    member_ids: Sequence[uuid.UUID],
    *,
    reason: str,
    on: date | None = None,
) -> int:
    """Enrol chosen members of one household by hand in a plan for individuals, with a reason."""
    actor.require(Permission.MANAGE_PLANS)
    _require_reason(reason)
    plan = plan_by_code(session, plan_code)
    if plan.target != PlanTarget.INDIVIDUAL:
        raise ValidationError(
            _("{plan} pays households: enrol the household, not some of its members.").format(plan=plan.code),
            field="target",
        )
    people = {p.member_id: p for p in household_people(session, actor, plan_code, household_code)}
    if not member_ids:
        raise ValidationError(_("Tick the people to enrol."), field="people")
    household = _household(session, actor, household_code)
    chosen: list[Beneficiary] = []
    for member_id in dict.fromkeys(member_ids):
        person = people.get(member_id)
        if person is None:
            raise NotFound(_("That person is not a member of household {code}.").format(code=household.code))
        if person.status is not None:
            raise ValidationError(
                _("{name} is already enrolled in {plan} ({status}).").format(
                    name=person.name, plan=plan.code, status=person.status
                )
            )
        chosen.append((household.id, member_id))
    names = ", ".join(people[m].name for _h, m in chosen if m)
    return _by_hand(session, actor, plan, chosen, reason=reason, on=on, what=f"{household.code} ({names})")


@dataclass(frozen=True)
class StatusChange:
    from_status: str | None
    to_status: str
    reason: str
    effective_on: date | None
    changed_at: datetime
    changed_by: str
    member_id: uuid.UUID | None = None  # whose status, in a plan for individuals
    person: str = ""


def _enrolment(
    session: Session, plan: Any, household: Household, member_id: uuid.UUID | None
) -> tuple[Enrolment, str]:
    """The household's enrolment in the plan, or the member's in a plan for individuals, and whose."""
    individual = plan.target == PlanTarget.INDIVIDUAL
    if individual and member_id is None:
        raise ValidationError(
            _("{plan} pays individuals: choose whose status changes.").format(plan=plan.code), field="person"
        )
    query = (
        select(Enrolment, Member)
        .outerjoin(Member, Member.id == Enrolment.member_id)
        .where(Enrolment.plan_id == plan.id, Enrolment.household_id == household.id)
    )
    query = query.where(Enrolment.member_id == member_id if individual else Enrolment.member_id.is_(None))
    row = session.execute(query).one_or_none()
    if row is None:
        whom = _("That person") if individual else _("Household {code}").format(code=household.code)
        raise NotFound(_("{whom} is not enrolled in {plan}.").format(whom=whom, plan=plan.code))
    enrolment, member = row
    who = household.code + (f" {member.given_name} {member.family_name}" if member else "")
    return enrolment, who


def change_status(
    session: Session,
    actor: Actor,
    plan_code: str,
    household_code: str,
    *,
    to: str,
    reason: str,
    effective_on: date | None = None,
    member_id: uuid.UUID | None = None,
) -> None:
    """Suspend, reactivate, graduate or exit a household, or in a plan for individuals one of its members."""
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
    enrolment, who = _enrolment(session, plan, household, member_id)
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
        summary=f"{who} {plan.code}: {before['status']} -> {target.value} ({reason.strip()})",
        before=before,
        after=audit.snapshot(enrolment),
    )


def status_history(session: Session, actor: Actor, plan_code: str, household_code: str) -> list[StatusChange]:
    """Every status change of the household's enrolment in the plan (of each of its enrolled members, in a
    plan for individuals), oldest first."""
    actor.require(Permission.VIEW_PAYROLLS)
    from cashdesk.models import User

    plan = plan_by_code(session, plan_code)
    household = _household(session, actor, household_code)
    rows = session.execute(
        select(EnrolmentStatusChange, User.username, Member)
        .join(Enrolment, Enrolment.id == EnrolmentStatusChange.enrolment_id)
        .outerjoin(User, User.id == EnrolmentStatusChange.changed_by_id)
        .outerjoin(Member, Member.id == Enrolment.member_id)
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
            member.id if member else None,
            f"{member.given_name} {member.family_name}" if member else "",
        )
        for c, name, member in rows
    ]
