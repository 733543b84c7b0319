"""Benefit plans: who is included, how much each gets, how often. Defined in the window or from a JSON or
YAML file (`cashdesk plan import`, docs/plans.md); both go through `save_plan`, which checks everything
before anything is written."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import NotFound, ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import BenefitPlan, Enrolment, PlanCriterion, Scheme
from cashdesk.models.plans import (
    AmountBasis,
    CriteriaMatch,
    CriterionPurpose,
    CriterionScope,
    EnrolmentStatus,
    Frequency,
    PlanStatus,
    PlanTarget,
)
from cashdesk.payroll.criteria import Compiler, Condition, TopUp, check_condition
from cashdesk.payroll.money import format_amount, parse_amount
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission


@dataclass(frozen=True)
class CriterionInput:
    scope: str
    field: str
    operator: str
    value: str
    amount: str = ""  # top-ups only, in major units
    max_count: int | None = None


@dataclass
class PlanInput:
    """A plan as the window's editor or a plan file gives it; amounts in the currency's major units."""

    code: str
    name: str
    target: str = PlanTarget.HOUSEHOLD.value
    description: str = ""
    start: date | None = None
    end: date | None = None
    currency: str = ""
    frequency: str = Frequency.MONTHLY.value
    max_beneficiaries: int | None = None
    budget_per_cycle: str = ""
    match: str = CriteriaMatch.ALL.value
    conditions: list[CriterionInput] = field(default_factory=list)
    base_amount: str = "0"
    amount_per: str = AmountBasis.PER_HOUSEHOLD.value
    cap: str = ""
    top_ups: list[CriterionInput] = field(default_factory=list)
    carry_arrears: bool = False  # unpaid lines of reconciled payrolls go into the next payment


@dataclass(frozen=True)
class PlanSummary:
    id: uuid.UUID
    code: str
    name: str
    target: str
    frequency: str
    currency: str
    start: date
    end: date | None
    status: str
    base_amount: str
    amount_per: str
    cap: str
    budget_per_cycle: str
    max_beneficiaries: int | None
    match: str
    conditions: tuple[str, ...]
    top_ups: tuple[str, ...]
    active_beneficiaries: int
    carry_arrears: bool = False


@dataclass(frozen=True)
class AmountRule:
    """What generation and enrolment need of a plan, without its ORM object."""

    plan_id: uuid.UUID
    code: str
    currency: str
    minor_units: int
    frequency: Frequency
    start: date
    end: date | None
    conditions: list[Condition]
    match_all: bool
    base_minor: int
    per_member: bool
    individual: bool  # one enrolment and one payment per person, not per household
    top_ups: list[TopUp]
    cap_minor: int | None
    budget_minor: int | None
    max_beneficiaries: int | None


def _choice(value: str, allowed: type[Any], where: str) -> Any:
    try:
        return allowed(str(value).strip().lower())
    except ValueError:
        raise ValidationError(
            _("{where} must be one of {choices}, not \u201c{value}\u201d.").format(
                where=where, choices=", ".join(m.value for m in allowed), value=value
            ),
            field=where,
        ) from None


def _custom_schema(session: Session) -> dict[str, Any]:
    return session.execute(select(Scheme.custom_fields_schema)).scalar_one() or {}


def save_plan(session: Session, actor: Actor, data: PlanInput) -> PlanSummary:
    """Create the plan, or replace the definition of the plan with this code (the payrolls already
    generated keep their amounts). Everything is checked first; a refusal names the field."""
    actor.require(Permission.MANAGE_PLANS)
    scheme = session.execute(select(Scheme)).scalar_one()
    code, start = _checked_code_and_dates(data)
    target = _choice(data.target, PlanTarget, "target")
    frequency = _choice(data.frequency, Frequency, "frequency")
    currency = (data.currency or scheme.currency).strip().upper()
    if currency != scheme.currency:
        raise ValidationError(
            _("This scheme pays in {currency}; the plan cannot use {other}.").format(
                currency=scheme.currency, other=currency
            ),
            field="currency",
        )
    units = scheme.currency_minor_units
    base = parse_amount(data.base_amount or "0", minor_units=units, where="amount.base")
    cap = (
        parse_amount(data.cap, minor_units=units, where="amount.cap", allow_zero=False) if data.cap else None
    )
    budget = (
        parse_amount(data.budget_per_cycle, minor_units=units, where="budget_per_cycle", allow_zero=False)
        if data.budget_per_cycle
        else None
    )
    if data.max_beneficiaries is not None and data.max_beneficiaries < 1:
        raise ValidationError(
            _("The maximum number of beneficiaries must be 1 or more."), field="max_beneficiaries"
        )
    criteria = _criteria(data, _custom_schema(session), units)
    if base == 0 and not data.top_ups:
        raise ValidationError(
            _("The amount rule gives nothing: set a base amount above zero, or top-ups."), field="amount.base"
        )
    basis = _choice(data.amount_per, AmountBasis, "amount.per")
    if target == PlanTarget.INDIVIDUAL:
        _check_individual_rule(basis, data.top_ups)
    plan = session.execute(select(BenefitPlan).where(BenefitPlan.code == code)).scalar_one_or_none()
    _check_target_change(session, plan, target)
    before = _definition_snapshot(plan) if plan else None
    if plan is None:
        plan = BenefitPlan(code=code, target=target, status=PlanStatus.ACTIVE)
        session.add(plan)
    plan.deleted_at = None  # a removed plan's code saved again brings it back
    plan.name = data.name.strip()
    plan.description = data.description.strip()
    plan.target = target
    plan.frequency = frequency
    plan.currency = currency
    plan.valid_from = start
    plan.valid_to = data.end
    plan.base_amount_minor = base
    plan.amount_basis = basis
    plan.max_amount_minor = cap
    plan.budget_per_cycle_minor = budget
    plan.max_beneficiaries = data.max_beneficiaries
    plan.carry_arrears = bool(data.carry_arrears)
    plan.criteria_match = _choice(data.match, CriteriaMatch, "criteria.match")
    plan.criteria = criteria
    session.flush()
    audit.record(
        session,
        actor,
        action="plan.updated" if before else "plan.created",
        entity_type="benefit_plan",
        entity_id=plan.id,
        summary=f"{plan.code} {plan.name}",
        before=before,
        after=_definition_snapshot(plan),
    )
    return _summary(session, plan, units)


def _checked_code_and_dates(data: PlanInput) -> tuple[str, date]:
    """The plan's code as stored and its start, once the code, name and dates are known to be usable."""
    code = data.code.strip().upper()
    if not code or len(code) > 32 or not all(ch.isalnum() or ch in "-_" for ch in code):
        raise ValidationError(_("A plan code is 1 to 32 letters, digits, - or _."), field="code")
    if not data.name.strip():
        raise ValidationError(_("Give the plan a name."), field="name")
    if data.start is None:
        raise ValidationError(_("Give the date the plan starts."), field="start")
    if data.end is not None and data.end < data.start:
        raise ValidationError(_("The plan ends before it starts."), field="end")
    return code, data.start


def _target_words(target: PlanTarget) -> str:
    return _("households") if target == PlanTarget.HOUSEHOLD else _("individuals")


def _check_target_change(session: Session, plan: BenefitPlan | None, target: PlanTarget) -> None:
    """Enrolments are of households or of people: a plan with some keeps its target."""
    if plan is None or plan.target == target:
        return
    found = session.execute(select(Enrolment.id).where(Enrolment.plan_id == plan.id).limit(1)).first()
    if found is not None:
        raise ValidationError(
            _(
                "{code} already has beneficiaries enrolled as {was}: its target cannot become {target}. "
                "Define a new plan instead."
            ).format(code=plan.code, was=_target_words(plan.target), target=_target_words(target)),
            field="target",
        )


def _check_individual_rule(basis: AmountBasis, top_ups: list[CriterionInput]) -> None:
    """A plan for individuals pays each person: the base is per person, and a member top-up asks about
    that person, so "per member" and "at most N members" would mean nothing there."""
    if basis == AmountBasis.PER_MEMBER:
        raise ValidationError(
            _(
                "A plan for individuals pays the base amount once to each person: \u201cper member\u201d is "
                "for plans for households."
            ),
            field="amount.per",
        )
    for i, item in enumerate(top_ups, start=1):
        if item.max_count is not None:
            raise ValidationError(
                _(
                    "top-up {n}: in a plan for individuals a member top-up is about the person paid, once; "
                    "\u201cat most\u201d has nothing to count."
                ).format(n=i),
                field=f"top-up {i} max_count",
            )


def _criteria(data: PlanInput, schema: dict[str, Any], units: int) -> list[PlanCriterion]:
    """The plan's conditions and top-ups, each checked against the registry's fields."""
    criteria: list[PlanCriterion] = []
    for i, item in enumerate(data.conditions, start=1):
        where = _("criterion {n}").format(n=i)
        condition = Condition(
            _choice(item.scope, CriterionScope, f"{where} scope"), item.field, item.operator, str(item.value)
        )
        check_condition(condition, schema, where=where)
        criteria.append(
            PlanCriterion(
                purpose=CriterionPurpose.ELIGIBILITY,
                scope=condition.scope,
                field=condition.field,
                operator=condition.operator,
                value=condition.value,
                position=i,
            )
        )
    for i, item in enumerate(data.top_ups, start=1):
        where = _("top-up {n}").format(n=i)
        condition = Condition(
            _choice(item.scope, CriterionScope, f"{where} scope"), item.field, item.operator, str(item.value)
        )
        check_condition(condition, schema, where=where)
        amount = parse_amount(item.amount, minor_units=units, where=f"{where} amount", allow_zero=False)
        if item.max_count is not None and (item.scope != CriterionScope.MEMBER or item.max_count < 1):
            raise ValidationError(
                _(
                    "{where}: \u201cat most\u201d counts members: use it on a member condition, 1 or more."
                ).format(where=where),
                field=f"{where} max_count",
            )
        criteria.append(
            PlanCriterion(
                purpose=CriterionPurpose.TOP_UP,
                scope=condition.scope,
                field=condition.field,
                operator=condition.operator,
                value=condition.value,
                amount_minor=amount,
                max_count=item.max_count,
                position=100 + i,
            )
        )
    return criteria


def _definition_snapshot(plan: BenefitPlan) -> dict[str, Any]:
    snap = audit.snapshot(plan)
    snap["criteria"] = [
        {k: v for k, v in audit.snapshot(c).items() if k not in ("id", "plan_id")} for c in plan.criteria
    ]
    return snap


def _summary(session: Session, plan: BenefitPlan, units: int) -> PlanSummary:
    def money(minor: int | None) -> str:
        return format_amount(minor, minor_units=units, currency=plan.currency) if minor is not None else ""

    active = session.execute(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.plan_id == plan.id, Enrolment.status == EnrolmentStatus.ACTIVE)
    ).scalar_one()
    conditions = [c for c in plan.criteria if c.purpose == CriterionPurpose.ELIGIBILITY]
    top_ups = [c for c in plan.criteria if c.purpose == CriterionPurpose.TOP_UP]
    individual = plan.target == PlanTarget.INDIVIDUAL
    return PlanSummary(
        id=plan.id,
        code=plan.code,
        name=plan.name,
        target=plan.target.value,
        frequency=plan.frequency.value,
        currency=plan.currency,
        start=plan.valid_from,
        end=plan.valid_to,
        status=plan.status.value,
        base_amount=money(plan.base_amount_minor),
        amount_per=plan.amount_basis.value,
        cap=money(plan.max_amount_minor),
        budget_per_cycle=money(plan.budget_per_cycle_minor),
        max_beneficiaries=plan.max_beneficiaries,
        carry_arrears=plan.carry_arrears,
        match=plan.criteria_match.value,
        conditions=tuple(
            Condition(c.scope, c.field, c.operator, c.value).describe(individual=individual)
            for c in conditions
        ),
        top_ups=tuple(
            _("+{amount} if {condition}").format(
                amount=money(c.amount_minor),
                condition=Condition(c.scope, c.field, c.operator, c.value).describe(individual=individual),
            )
            + (_(" (at most {n})").format(n=c.max_count) if c.max_count else "")
            for c in top_ups
        ),
        active_beneficiaries=int(active),
    )


def list_plans(session: Session, actor: Actor) -> list[PlanSummary]:
    actor.require(Permission.VIEW_PAYROLLS)
    units = session.execute(select(Scheme.currency_minor_units)).scalar_one()
    plans = session.execute(
        select(BenefitPlan).where(BenefitPlan.deleted_at.is_(None)).order_by(BenefitPlan.code)
    )
    return [_summary(session, plan, units) for plan in plans.scalars()]


def plan_definition(session: Session, actor: Actor, code: str) -> PlanInput:
    """The plan with this code as a PlanInput (amounts in major units), for the window's editor to show
    and change: what save_plan would take to write the same plan again."""
    actor.require(Permission.VIEW_PAYROLLS)
    plan = plan_by_code(session, code)
    units = session.execute(select(Scheme.currency_minor_units)).scalar_one()

    def major(minor: int | None) -> str:
        return "" if minor is None else str(Decimal(minor).scaleb(-units))

    def criterion(c: PlanCriterion) -> CriterionInput:
        top_up = c.purpose == CriterionPurpose.TOP_UP
        return CriterionInput(
            scope=c.scope.value,
            field=c.field,
            operator=c.operator,
            value=c.value,
            amount=major(c.amount_minor) if top_up else "",
            max_count=c.max_count if top_up else None,
        )

    return PlanInput(
        code=plan.code,
        name=plan.name,
        target=plan.target.value,
        description=plan.description,
        start=plan.valid_from,
        end=plan.valid_to,
        currency=plan.currency,
        frequency=plan.frequency.value,
        max_beneficiaries=plan.max_beneficiaries,
        budget_per_cycle=major(plan.budget_per_cycle_minor),
        match=plan.criteria_match.value,
        conditions=[criterion(c) for c in plan.criteria if c.purpose == CriterionPurpose.ELIGIBILITY],
        base_amount=major(plan.base_amount_minor),
        amount_per=plan.amount_basis.value,
        cap=major(plan.max_amount_minor),
        top_ups=[criterion(c) for c in plan.criteria if c.purpose == CriterionPurpose.TOP_UP],
        carry_arrears=plan.carry_arrears,
    )


def plan_by_code(session: Session, code: str) -> BenefitPlan:
    plan = session.execute(
        select(BenefitPlan).where(func.upper(BenefitPlan.code) == code.strip().upper())
    ).scalar_one_or_none()
    if plan is None or plan.deleted_at is not None:
        raise NotFound(_("There is no benefit plan {code}.").format(code=code))
    return plan


def amount_rule(session: Session, plan: BenefitPlan) -> AmountRule:
    units = session.execute(select(Scheme.currency_minor_units)).scalar_one()
    conditions = [
        Condition(c.scope, c.field, c.operator, c.value)
        for c in plan.criteria
        if c.purpose == CriterionPurpose.ELIGIBILITY
    ]
    top_ups = [
        TopUp(Condition(c.scope, c.field, c.operator, c.value), c.amount_minor or 0, c.max_count)
        for c in plan.criteria
        if c.purpose == CriterionPurpose.TOP_UP
    ]
    return AmountRule(
        plan_id=plan.id,
        code=plan.code,
        currency=plan.currency,
        minor_units=units,
        frequency=plan.frequency,
        start=plan.valid_from,
        end=plan.valid_to,
        conditions=conditions,
        match_all=plan.criteria_match == CriteriaMatch.ALL,
        base_minor=plan.base_amount_minor,
        per_member=plan.amount_basis == AmountBasis.PER_MEMBER,
        individual=plan.target == PlanTarget.INDIVIDUAL,
        top_ups=top_ups,
        cap_minor=plan.max_amount_minor,
        budget_minor=plan.budget_per_cycle_minor,
        max_beneficiaries=plan.max_beneficiaries,
    )


def compiler_for(session: Session, reference: date) -> Compiler:
    return Compiler(_custom_schema(session), reference)


# --- plan files ---------------------------------------------------------------------------------------


def read_plan_file(path: Path) -> PlanInput:
    """A plan file (JSON or YAML, docs/plans.md) as a PlanInput; a message names the file and the field."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValidationError(_("{path} does not exist.").format(path=path), field="file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(
            _("{path} cannot be read: {reason}.").format(path=path, reason=exc), field="file"
        ) from exc
    try:
        raw = yaml.safe_load(text) if path.suffix.lower() in (".yaml", ".yml") else json.loads(text)
    except (ValueError, yaml.YAMLError) as exc:  # JSONDecodeError is a ValueError
        raise ValidationError(
            _("{file} is not a valid plan file: {reason}.").format(file=path.name, reason=_syntax_error(exc)),
            field="file",
        ) from exc
    if not isinstance(raw, Mapping):
        raise ValidationError(_("{file}: a plan file holds one plan (an object).").format(file=path.name))
    try:
        return plan_input(raw)
    except ValidationError as exc:
        raise ValidationError(f"{path.name}: {exc.message}", field=exc.field) from exc


def _syntax_error(exc: Exception) -> str:
    """Where the file breaks, in one line (PyYAML's own message spans several, with a caret)."""
    if isinstance(exc, json.JSONDecodeError):
        return _("{problem} at line {line}, column {column}").format(
            problem=exc.msg, line=exc.lineno, column=exc.colno
        )
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return str(problem)
    return _("{problem} at line {line}, column {column}").format(
        problem=problem, line=mark.line + 1, column=mark.column + 1
    )


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(
            _("{where}: \u201c{value}\u201d is not a date (YYYY-MM-DD).").format(where=where, value=value),
            field=where,
        ) from None


def _criterion(raw: Any, where: str) -> CriterionInput:
    if not isinstance(raw, Mapping):
        raise ValidationError(
            _("{where}: a condition has scope, field, operator and value.").format(where=where)
        )
    unknown = set(raw) - {"scope", "field", "operator", "value", "amount", "max_count"}
    if unknown:
        raise ValidationError(
            _("{where}: unknown key(s) {keys}.").format(where=where, keys=", ".join(sorted(unknown))),
            field=where,
        )
    for key in ("field", "operator"):
        if key not in raw:
            raise ValidationError(_("{where}: {key} is missing.").format(where=where, key=key), field=where)
    value = raw.get("value", "")
    if isinstance(value, list):
        value = ",".join(map(str, value))
    if isinstance(value, bool):
        value = "yes" if value else "no"
    max_count = raw.get("max_count")
    if max_count is not None and (isinstance(max_count, bool) or not isinstance(max_count, int)):
        raise ValidationError(_("{where}: max_count is a whole number.").format(where=where), field=where)
    return CriterionInput(
        scope=str(raw.get("scope", "household")),
        field=str(raw["field"]),
        operator=str(raw["operator"]).lower(),
        value=str(value),
        amount=str(raw.get("amount", "")),
        max_count=max_count,
    )


def plan_input(raw: Mapping[str, Any]) -> PlanInput:
    known = {
        "code", "name", "target", "description", "start", "end", "currency", "frequency",
        "max_beneficiaries", "budget_per_cycle", "criteria", "amount", "carry_arrears",
    }  # fmt: skip
    unknown = set(raw) - known
    if unknown:
        raise ValidationError(_("unknown key(s) {keys}.").format(keys=", ".join(sorted(unknown))))
    criteria = raw.get("criteria") or {}
    amount = raw.get("amount") or {}
    if not isinstance(criteria, Mapping) or not isinstance(amount, Mapping):
        raise ValidationError(_("criteria and amount are objects (see docs/plans.md)."))
    conditions = criteria.get("conditions") or []
    top_ups = amount.get("top_ups") or []
    if not isinstance(conditions, list) or not isinstance(top_ups, list):
        raise ValidationError(_("criteria.conditions and amount.top_ups are lists."))
    max_beneficiaries = raw.get("max_beneficiaries")
    if max_beneficiaries is not None and (
        isinstance(max_beneficiaries, bool) or not isinstance(max_beneficiaries, int)
    ):
        raise ValidationError(_("max_beneficiaries is a whole number."), field="max_beneficiaries")
    carry_arrears = raw.get("carry_arrears", False)
    if not isinstance(carry_arrears, bool):
        raise ValidationError(_("carry_arrears is true or false."), field="carry_arrears")
    return PlanInput(
        carry_arrears=carry_arrears,
        code=str(raw.get("code", "")),
        name=str(raw.get("name", "")),
        target=str(raw.get("target", PlanTarget.HOUSEHOLD.value)),
        description=str(raw.get("description", "")),
        start=_date(raw.get("start"), "start"),
        end=_date(raw.get("end"), "end"),
        currency=str(raw.get("currency", "")),
        frequency=str(raw.get("frequency", Frequency.MONTHLY.value)),
        max_beneficiaries=max_beneficiaries,
        budget_per_cycle=str(raw.get("budget_per_cycle") or ""),
        match=str(criteria.get("match", CriteriaMatch.ALL.value)),
        conditions=[_criterion(c, _("criterion {n}").format(n=i)) for i, c in enumerate(conditions, start=1)],
        base_amount=str(amount.get("base", "0")),
        amount_per=str(amount.get("per", AmountBasis.PER_HOUSEHOLD.value)),
        cap=str(amount.get("cap") or ""),
        top_ups=[_criterion(c, _("top-up {n}").format(n=i)) for i, c in enumerate(top_ups, start=1)],
    )
