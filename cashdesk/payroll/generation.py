"""Generating a cycle's payrolls: one per pay point for cash, one per provider for mobile money and bank.

Set-based: one statement selects every active beneficiary not yet on a payroll of the cycle with its
amount (computed in SQL by the plan's rule at the cycle's first day), its recipient and ID number; the
lines go in with bulk inserts. A household is never twice in one cycle (a partial unique index refuses a
second live line). Everything happens in the caller's one transaction: a refusal or a cancel leaves
nothing, and the lines keep the recipient as generated, so an approved payroll never changes.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import String, and_, exists, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from cashdesk.core import bulk, checkpoints
from cashdesk.core.database import note_changed
from cashdesk.core.errors import NotFound, ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.models import (
    Enrolment,
    Household,
    Location,
    Member,
    MemberIdentifier,
    PaymentCycle,
    PaymentLine,
    PaymentServiceProvider,
    PayPoint,
    Payroll,
)
from cashdesk.models.keys import uuid7s
from cashdesk.models.payments import PaymentArrears, PaymentStatus, PayrollStatus
from cashdesk.models.plans import EnrolmentStatus
from cashdesk.models.registry import HouseholdStatus, PaymentMethod, RecipientRole
from cashdesk.payroll import numbers
from cashdesk.payroll.criteria import Compiler, amount_expression
from cashdesk.payroll.cycles import cycle_for, parse_period
from cashdesk.payroll.enrolment import area_filter
from cashdesk.payroll.money import format_amount
from cashdesk.payroll.plans import AmountRule, amount_rule, compiler_for, plan_by_code
from cashdesk.payroll.queries import PayrollSummary, summarise
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

STOP, UP_TO_BUDGET = "stop", "up-to-budget"  # what to do when the cycle would exceed the plan's budget
CHUNK = 20_000
# The columns of a payment line that differ from line to line, in the order _write gives them.
LINE_COLUMNS = (
    "id",
    "transaction_number",
    "enrolment_id",
    "household_id",
    "recipient_member_id",
    "pay_point_id",
    "payment_method",
    "payment_account",
    "amount_minor",
    "household_code",
    "recipient_name",
    "recipient_id_number",
    "position",
    "arrears_minor",
)


@dataclass(frozen=True)
class GenerationResult:
    cycle_code: str
    period_start: date
    period_end: date
    payrolls: tuple[PayrollSummary, ...]
    skipped: dict[str, int]  # reason -> households left off


@dataclass(slots=True)
class _Line:
    """One payment to write. Ids are kept as the database holds them (32 hex digits) and the method as
    its stored text: 100,000 lines are read and written without a conversion per value."""

    enrolment_id: str
    household_id: str
    household_code: str
    method: str
    account: str | None
    pay_point_id: str | None
    provider_id: str
    amount: int
    recipient_id: str
    recipient_name: str
    id_number: str
    sort_key: tuple[str, ...]
    arrears: int = 0  # part of `amount` carried from unpaid lines of earlier cycles


def _raw(column: Any, name: str) -> Any:
    """The column as stored (a UUID's hex, an enum's text), without SQLAlchemy's conversion per row."""
    return type_coerce(column, String).label(name)


def _candidates(
    actor: Actor, *, rule: AmountRule, compiler: Compiler, cycle: PaymentCycle, pay_point: PayPoint | None
) -> Any:
    """Every active beneficiary of the plan not yet on a live payment line of the cycle, with its amount.
    A household is paid through its primary recipient; in a plan for individuals each person is paid."""
    recipient = aliased(Member)
    amount = amount_expression(
        compiler,
        base_minor=rule.base_minor,
        per_member=rule.per_member,
        top_ups=rule.top_ups,
        cap_minor=rule.cap_minor,
        person=recipient if rule.individual else None,
    )
    if rule.individual:
        paid = and_(recipient.id == Enrolment.member_id, recipient.deleted_at.is_(None))
        whose = Enrolment.member_id.isnot(None)
    else:
        paid = and_(
            recipient.household_id == Household.id,
            recipient.recipient_role == RecipientRole.PRIMARY,
            recipient.deleted_at.is_(None),
        )
        whose = Enrolment.member_id.is_(None)
    first_document = (
        select(MemberIdentifier.number)
        .where(MemberIdentifier.member_id == recipient.id)
        .order_by(MemberIdentifier.id)
        .limit(1)
        .scalar_subquery()
    )
    on_payroll = exists().where(
        PaymentLine.cycle_id == cycle.id,
        PaymentLine.enrolment_id == Enrolment.id,
        PaymentLine.status != PaymentStatus.CANCELLED,
    )
    query = (
        select(
            _raw(Enrolment.id, "enrolment_id"),
            _raw(Household.id, "household_id"),
            Household.code,
            _raw(Household.payment_method, "method"),
            Household.payment_account,
            _raw(Household.preferred_pay_point_id, "pay_point_id"),
            _raw(Household.payment_provider_id, "provider_id"),
            amount.label("amount"),
            _raw(recipient.id, "recipient_id"),
            recipient.given_name,
            recipient.family_name,
            first_document,
            Location.name,
        )
        .join(Household, Household.id == Enrolment.household_id)
        .join(Location, Location.id == Household.location_id)
        .outerjoin(recipient, paid)
        .where(
            Enrolment.plan_id == rule.plan_id,
            whose,
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Enrolment.deleted_at.is_(None),
            (Enrolment.enrolled_on.is_(None)) | (Enrolment.enrolled_on <= cycle.period_end),
            Household.deleted_at.is_(None),
            Household.status == HouseholdStatus.ACTIVE,
            ~on_payroll,
        )
    )
    if pay_point is not None:
        query = query.where(Household.preferred_pay_point_id == pay_point.id)
    area = area_filter(actor)
    return query if area is None else query.where(area)


def parameters(
    plan_code: str, period: str, pay_point_code: str | None = None, over_budget: str = STOP
) -> dict[str, Any]:
    """What a generation is started with, saved on its payrolls (and on a failed run's record) to run
    it again."""
    return {"plan": plan_code, "period": period, "pay_point": pay_point_code, "over_budget": over_budget}


def generate_payroll(
    session: Session,
    actor: Actor,
    *,
    plan_code: str,
    period: str,
    pay_point_code: str | None = None,
    over_budget: str = STOP,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> GenerationResult:
    """The payrolls of the plan's cycle starting in `period` (YYYY-MM) for every active beneficiary not on
    one yet, or only those of one pay point. Each payroll waits for a second supervisor's approval."""
    actor.require(Permission.GENERATE_PAYROLL)
    abort = abort or never_abort()
    if over_budget not in (STOP, UP_TO_BUDGET):
        raise ValidationError(_("Over budget: stop or up-to-budget."), field="over_budget")
    plan = plan_by_code(session, plan_code)
    rule = amount_rule(session, plan)
    start = parse_period(period)
    pay_point = _pay_point(session, pay_point_code) if pay_point_code else None
    cycle = cycle_for(session, plan, start)
    progress(0.05, _("Selecting the beneficiaries of {cycle}").format(cycle=cycle.code))
    compiler = compiler_for(session, cycle.period_start)
    points = {p.id.hex: p for p in session.execute(select(PayPoint)).scalars()}
    skipped: Counter[str] = Counter()
    rows = session.execute(_candidates(actor, rule=rule, compiler=compiler, cycle=cycle, pay_point=pay_point))
    lines = _lines(rows, points, skipped, abort, individual=rule.individual)
    carried = _add_arrears(session, plan.id, cycle, lines) if plan.carry_arrears else {}
    check_abort(abort)
    providers = {p.id.hex: p for p in session.execute(select(PaymentServiceProvider)).scalars()}
    _check_providers(lines, providers, cycle)
    lines = _within_budget(session, lines, cycle=cycle, rule=rule, over_budget=over_budget, skipped=skipped)
    if not lines:
        raise ValidationError(
            _("Nobody to pay in {cycle}: {why}.").format(
                cycle=cycle.code,
                why="; ".join(f"{n:,} {reason}" for reason, n in skipped.items())
                or _("every active beneficiary is on a payroll of this cycle already"),
            )
        )
    payrolls = _write(
        session,
        actor,
        cycle=cycle,
        currency=rule.currency,
        lines=lines,
        points=points,
        providers=providers,
        progress=progress,
        abort=abort,
        carried=carried,
        parameters=parameters(
            plan.code, start.strftime("%Y-%m"), pay_point.code if pay_point else None, over_budget
        ),
    )
    summaries = tuple(summarise(session, p) for p in payrolls)
    audit.record(
        session,
        actor,
        action="payroll.generated",
        entity_type="payment_cycle",
        entity_id=cycle.id,
        summary=_("{n} payroll(s), {lines:,} payments, {total} for {cycle}").format(
            n=len(payrolls),
            lines=len(lines),
            total=format_amount(
                sum(line.amount for line in lines), minor_units=rule.minor_units, currency=rule.currency
            ),
            cycle=cycle.code,
        ),
        after={"payrolls": [s.code for s in summaries], "skipped": dict(skipped)},
    )
    progress(1.0, _("{n:,} payments on {p} payroll(s)").format(n=len(lines), p=len(payrolls)))
    return GenerationResult(cycle.code, cycle.period_start, cycle.period_end, summaries, dict(skipped))


def _pay_point(session: Session, code: str) -> PayPoint:
    point = session.execute(
        select(PayPoint).where(func.upper(PayPoint.code) == code.strip().upper())
    ).scalar_one_or_none()
    if point is None:
        raise NotFound(_("There is no pay point {code}.").format(code=code))
    return point


def _lines(
    rows: Any, points: dict[str, PayPoint], skipped: Counter[str], abort: threading.Event, *, individual: bool
) -> list[_Line]:
    """The payment lines of the selected beneficiaries; those who cannot be paid are counted by reason."""
    lines: list[_Line] = []
    for i, row in enumerate(rows):
        if i % CHUNK == 0:
            check_abort(abort)
        (enrolment_id, household_id, code, method, account, point_id, provider_id, value, recipient_id,
         given, family, document, village) = row  # fmt: skip
        value = int(value or 0)
        if value <= 0:
            skipped[_("the amount rule gives them nothing")] += 1
            continue
        if recipient_id is None:
            skipped[
                _("no longer a member of their household") if individual else _("no primary recipient")
            ] += 1
            continue
        point = points.get(point_id) if point_id else None
        if method == PaymentMethod.CASH:
            if point is None or not point.active:
                skipped[_("no active pay point")] += 1
                continue
            provider_id = point.provider_id.hex
        else:
            provider_id = provider_id or (point.provider_id.hex if point else None)
            if provider_id is None:
                skipped[_("no payment provider")] += 1
                continue
        lines.append(
            _Line(
                enrolment_id=enrolment_id,
                household_id=household_id,
                household_code=code,
                method=method,
                account=account,
                pay_point_id=point_id if method == PaymentMethod.CASH else None,
                provider_id=provider_id,
                amount=value,
                recipient_id=recipient_id,
                recipient_name=f"{given} {family}",
                id_number=document or "",
                sort_key=(village, family.lower(), given.lower(), code),
            )
        )
    check_abort(abort)
    return lines


def _check_providers(
    lines: list[_Line], providers: dict[str, PaymentServiceProvider], cycle: PaymentCycle
) -> None:
    """Money flows only through a provider whose contract covers the cycle: refuse before writing."""
    counts = Counter(line.provider_id for line in lines)
    for provider_id, count in sorted(counts.items()):
        provider = providers[provider_id]
        if not provider.active:
            problem = _("is not active")
        elif provider.contract_to is not None and provider.contract_to < cycle.period_start:
            problem = _("has a contract that ended on {day}").format(day=provider.contract_to.isoformat())
        elif provider.contract_from is not None and provider.contract_from > cycle.period_end:
            problem = _("has a contract that starts only on {day}").format(
                day=provider.contract_from.isoformat()
            )
        else:
            continue
        raise ValidationError(
            _(
                "The payment provider {name} ({code}) {problem}: no new payroll can go to it, and {n:,} "
                "households of {cycle} are paid through it. Renew its contract, or generate for other pay "
                "points (--pay-point). Nothing was generated."
            ).format(name=provider.name, code=provider.code, problem=problem, n=count, cycle=cycle.code),
            field="provider",
        )


def _within_budget(
    session: Session,
    lines: list[_Line],
    *,
    cycle: PaymentCycle,
    rule: AmountRule,
    over_budget: str,
    skipped: Counter[str],
) -> list[_Line]:
    """Refuse a cycle that would exceed the plan's budget, saying by how much; or, when asked, keep the
    households in order of household code until the budget is reached (docs/plans.md)."""
    budget = rule.budget_minor
    if budget is None:
        return lines
    already = session.execute(
        select(func.coalesce(func.sum(PaymentLine.amount_minor), 0)).where(
            PaymentLine.cycle_id == cycle.id, PaymentLine.status != PaymentStatus.CANCELLED
        )
    ).scalar_one()
    total = sum(line.amount for line in lines)
    if already + total <= budget:
        return lines
    if over_budget == STOP:

        def money(minor: int) -> str:
            return format_amount(minor, minor_units=rule.minor_units, currency=rule.currency)

        raise ValidationError(
            _(
                "The cycle {cycle} would cost {total} ({already} already on payrolls, {new} now), {over} more "
                "than the plan's budget of {budget} per cycle. Raise the budget, or generate up to the budget "
                "(households in order of household code). Nothing was generated."
            ).format(
                cycle=cycle.code,
                total=money(already + total),
                already=money(int(already)),
                new=money(total),
                over=money(int(already) + total - budget),
                budget=money(budget),
            ),
            field="budget_per_cycle",
        )
    kept, room = [], budget - int(already)
    for line in sorted(lines, key=lambda item: item.household_code):
        if line.amount <= room:
            kept.append(line)
            room -= line.amount
        else:
            skipped[_("over the budget")] += 1
    return kept


def _payroll_code(cycle: PaymentCycle, group: str, taken: set[str]) -> str:
    base = f"{cycle.code}-{group}"
    if len(base) > 28:
        base = f"{cycle.code}-P"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    taken.add(code)
    return code


def _write(
    session: Session,
    actor: Actor,
    *,
    cycle: PaymentCycle,
    currency: str,
    lines: list[_Line],
    points: dict[str, PayPoint],
    providers: dict[str, PaymentServiceProvider],
    progress: Progress,
    abort: threading.Event,
    parameters: dict[str, Any],
    carried: dict[str, list[tuple[str, int]]],
) -> list[Payroll]:
    # Cash goes on the payroll of its pay point; mobile money and bank on the payroll of their provider.
    groups: dict[tuple[str | None, str | None], list[_Line]] = {}
    for line in lines:
        key = (line.pay_point_id, None) if line.pay_point_id else (None, line.provider_id)
        groups.setdefault(key, []).append(line)
    if len(lines) >= checkpoints.LARGE_WRITE_ROWS:  # the log is copied into the file after the commit
        checkpoints.checkpoint_after_commit(session)
    taken = set(session.execute(select(Payroll.code).where(Payroll.cycle_id == cycle.id)).scalars())
    now = datetime.now(UTC)
    transaction_numbers = iter(numbers.reserve(session, len(lines)))
    arrears_rows: list[tuple[str, str, str, int]] = []
    line_ids = iter(uuid7s(len(lines)))
    payrolls = []
    done = 0
    for (point_id, provider_id), members in sorted(
        groups.items(),
        key=lambda g: points[g[0][0]].code if g[0][0] else providers[g[0][1]].code,  # type: ignore[index]
    ):
        point = points[point_id] if point_id else None
        provider = providers[point.provider_id.hex] if point else providers[provider_id]  # type: ignore[index]
        payroll = Payroll(
            code=_payroll_code(cycle, point.code if point else provider.code, taken),
            cycle_id=cycle.id,
            pay_point_id=point.id if point else None,
            provider_id=provider.id,
            status=PayrollStatus.PENDING_APPROVAL,
            parameters=parameters,
            line_count=len(members),
            total_amount_minor=sum(m.amount for m in members),
            currency=currency,
            generated_by_id=actor.user_id,
            generated_at=now,
        )
        session.add(payroll)
        session.flush()
        payrolls.append(payroll)
        members.sort(key=lambda m: m.sort_key)
        written = done

        def wrote(count: int, total: int = len(lines), before: int = written) -> None:
            check_abort(abort)
            progress(
                0.3 + 0.65 * (before + count) / total,
                _("{done:,} of {total:,} payments").format(done=before + count, total=total),
            )

        # Through the import's bulk path: ids and methods are already as stored, the values every line
        # of the payroll shares are written into the statement once (cashdesk.core.bulk).
        rows = []
        for position, m in enumerate(members, start=1):
            line_id = next(line_ids).hex
            rows.append((
                line_id, next(transaction_numbers), m.enrolment_id, m.household_id, m.recipient_id,
                m.pay_point_id, m.method, m.account, m.amount, m.household_code, m.recipient_name,
                m.id_number, position, m.arrears,
            ))  # fmt: skip
            arrears_rows.extend(
                (uuid.uuid4().hex, old, line_id, amount) for old, amount in carried.get(m.enrolment_id, ())
            )
        # Through the import's bulk path: ids and methods are already as stored, the values every line
        # of the payroll shares are written into the statement once (cashdesk.core.bulk). Written in
        # household order, each line keeping its position on the sheet: the index on household_id then
        # grows in sequence rather than at random places of a large tree.
        rows.sort(key=itemgetter(3))
        bulk.insert_converted(
            session,
            "payment_lines",
            LINE_COLUMNS,
            rows,
            shared={
                "payroll_id": payroll.id,
                "cycle_id": cycle.id,
                "currency": currency,
                "status": PaymentStatus.PENDING,
                "created_at": now,
                "updated_at": now,
            },
            done=wrote,
        )
        done += len(members)
    if arrears_rows:
        bulk.insert_converted(
            session, "payment_arrears", ("id", "from_line_id", "into_line_id", "amount_minor"), arrears_rows
        )
    note_changed(session, "payment_lines", "payrolls", "payment_cycles", "payment_arrears")
    return payrolls


def _add_arrears(
    session: Session, plan_id: uuid.UUID, cycle: PaymentCycle, lines: list[_Line]
) -> dict[str, list[tuple[str, int]]]:
    """Add to each line what its beneficiary was not paid in reconciled payrolls of the plan's earlier
    cycles and that no live line carries yet; returns enrolment -> [(unpaid line, amount)] (ids as hex)."""
    taken = (
        select(PaymentArrears.from_line_id)
        .join(PaymentLine, PaymentLine.id == PaymentArrears.into_line_id)
        .where(PaymentLine.status != PaymentStatus.CANCELLED)
    )
    unpaid = session.execute(
        select(_raw(PaymentLine.id, "id"), _raw(PaymentLine.enrolment_id, "enrolment"), PaymentLine.amount_minor)
        .join(Payroll, Payroll.id == PaymentLine.payroll_id)
        .join(PaymentCycle, PaymentCycle.id == PaymentLine.cycle_id)
        .where(
            PaymentCycle.plan_id == plan_id,
            PaymentCycle.period_start < cycle.period_start,
            Payroll.status == PayrollStatus.RECONCILED,
            PaymentLine.status == PaymentStatus.NOT_PAID,
            PaymentLine.id.not_in(taken),
        )
    ).all()  # fmt: skip
    owed: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for line_id, enrolment, amount in unpaid:
        owed[enrolment].append((line_id, amount))
    carried = {}
    for line in lines:
        debts = owed.get(line.enrolment_id)
        if debts:
            line.arrears = sum(amount for _id, amount in debts)
            line.amount += line.arrears
            carried[line.enrolment_id] = debts
    return carried
