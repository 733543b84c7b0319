"""Inclusion criteria and top-ups as data, checked when a plan is defined and translated to SQL.

A condition is (scope, field, operator, value), as in openIMIS: "household size >= 5", "some member's age
< 5", "the head's sex = F", "village in V001,V002", "custom.poverty_score <= 30". Nothing a user types is
ever evaluated as code: each field is looked up in a fixed catalogue, its value parsed by the field's type,
and the condition becomes a SQLAlchemy expression with bound parameters, so that one statement runs it on the
whole registry at once.

Ages are compared through birth dates: "age >= 5 at the reference date" is "born on or before that date five
years earlier" (or, with only a year of birth, born that year or before), which SQLite answers from the
stored dates without computing anyone's age.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import aliased

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import Household, Location, Member
from cashdesk.models.plans import CriterionScope
from cashdesk.models.registry import PaymentMethod, Relationship, Sex

INTEGER, NUMBER, TEXT, BOOLEAN, CHOICE = "integer", "number", "text", "boolean", "choice"
OPERATORS = {
    INTEGER: ("eq", "ne", "lt", "lte", "gt", "gte", "in"),
    NUMBER: ("eq", "ne", "lt", "lte", "gt", "gte"),
    TEXT: ("eq", "ne", "starts", "contains", "in"),
    BOOLEAN: ("eq", "ne"),
    CHOICE: ("eq", "ne", "in"),
}
OPERATOR_WORDS = {
    "eq": "=",
    "ne": "\u2260",
    "lt": "<",
    "lte": "\u2264",
    "gt": ">",
    "gte": "\u2265",
    "in": _("is one of"),
    "starts": _("starts with"),
    "contains": _("contains"),
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    label: str
    choices: tuple[str, ...] = ()


HOUSEHOLD_FIELDS = {
    f.name: f
    for f in (
        FieldSpec("size", INTEGER, _("number of members")),
        FieldSpec("village", TEXT, _("village (code)")),
        FieldSpec("area", TEXT, _("in the area of (a location code: village, district, region)")),
        FieldSpec("payment_method", CHOICE, _("payment method"), tuple(m.value for m in PaymentMethod)),
    )
}
MEMBER_FIELDS = {
    f.name: f
    for f in (
        FieldSpec("age", INTEGER, _("age in years")),
        FieldSpec("sex", CHOICE, _("sex"), tuple(s.value for s in Sex)),
        FieldSpec("disability", BOOLEAN, _("has a disability")),
        FieldSpec(
            "relationship", CHOICE, _("relationship to the head"), tuple(r.value for r in Relationship)
        ),
    )
}
_SCHEMA_KINDS = {"integer": INTEGER, "number": NUMBER, "string": TEXT, "boolean": BOOLEAN}


@dataclass(frozen=True)
class Condition:
    scope: CriterionScope
    field: str
    operator: str
    value: str  # as stored: the plan keeps conditions as text

    def describe(self, *, individual: bool = False) -> str:
        subject = {
            CriterionScope.HOUSEHOLD: _("household"),
            CriterionScope.MEMBER: _("the person") if individual else _("a member"),
            CriterionScope.HEAD: _("the head"),
        }[self.scope]
        return f"{subject}: {self.field} {OPERATOR_WORDS.get(self.operator, self.operator)} {self.value}"


def field_catalogue(scope: CriterionScope, custom_schema: Mapping[str, Any]) -> dict[str, FieldSpec]:
    """The fields a condition of this scope may name, the scheme's own fields (custom.NAME) included."""
    fields = dict(HOUSEHOLD_FIELDS if scope == CriterionScope.HOUSEHOLD else MEMBER_FIELDS)
    part = "household" if scope == CriterionScope.HOUSEHOLD else "member"
    for name, prop in ((custom_schema.get(part) or {}).get("properties") or {}).items():
        kind = _SCHEMA_KINDS.get(str(prop.get("type")))
        if prop.get("enum"):
            fields[f"custom.{name}"] = FieldSpec(
                f"custom.{name}", CHOICE, str(prop.get("title", name)), tuple(map(str, prop["enum"]))
            )
        elif kind is not None:
            fields[f"custom.{name}"] = FieldSpec(f"custom.{name}", kind, str(prop.get("title", name)))
    return fields


def _parse_one(spec: FieldSpec, text: str, where: str) -> Any:
    text = text.strip()
    try:
        if spec.kind == INTEGER:
            return int(text)
        if spec.kind == NUMBER:
            from decimal import Decimal

            value = Decimal(text)
            if not value.is_finite():
                raise ValueError(text)
            return value
    except (ValueError, ArithmeticError):
        raise ValidationError(
            _("{where}: {field} takes a number, not \u201c{value}\u201d.").format(
                where=where, field=spec.name, value=text
            ),
            field=where,
        ) from None
    if spec.kind == BOOLEAN:
        answer = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}.get(
            text.lower()
        )
        if answer is None:
            raise ValidationError(
                _("{where}: {field} takes yes or no, not \u201c{value}\u201d.").format(
                    where=where, field=spec.name, value=text
                ),
                field=where,
            )
        return answer
    if spec.kind == CHOICE:
        allowed = {c.lower(): c for c in spec.choices}
        if text.lower() not in allowed:
            raise ValidationError(
                _("{where}: {field} is one of {choices}, not \u201c{value}\u201d.").format(
                    where=where, field=spec.name, choices=", ".join(spec.choices), value=text
                ),
                field=where,
            )
        return allowed[text.lower()]
    if not text:
        raise ValidationError(
            _("{where}: give a value for {field}.").format(where=where, field=spec.name), field=where
        )
    return text.upper() if spec.name in ("village", "area") else text


def check_condition(condition: Condition, custom_schema: Mapping[str, Any], *, where: str) -> FieldSpec:
    """Refuse a condition naming a field that does not exist, an operator its type has not, or a value of
    the wrong type; `where` names it in the message ("criterion 2")."""
    fields = field_catalogue(condition.scope, custom_schema)
    spec = fields.get(condition.field)
    if spec is None:
        raise ValidationError(
            _("{where}: there is no {scope} field \u201c{field}\u201d. The fields are: {fields}.").format(
                where=where, scope=condition.scope.value, field=condition.field, fields=", ".join(fields)
            ),
            field=where,
        )
    if condition.operator not in OPERATORS[spec.kind]:
        raise ValidationError(
            _("{where}: {field} takes the operators {operators}, not \u201c{op}\u201d.").format(
                where=where, field=spec.name, operators=", ".join(OPERATORS[spec.kind]), op=condition.operator
            ),
            field=where,
        )
    _values(spec, condition, where)
    return spec


def _values(spec: FieldSpec, condition: Condition, where: str) -> list[Any]:
    parts = condition.value.split(",") if condition.operator == "in" else [condition.value]
    return [_parse_one(spec, part, where) for part in parts if part.strip() or condition.operator != "in"]


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


class Compiler:
    """Turns conditions into SQL over `households` (and its members) at one reference date."""

    def __init__(self, custom_schema: Mapping[str, Any], reference: date) -> None:
        self.custom_schema = custom_schema
        self.reference = reference

    # --- member fields, on a given alias of members ---

    def _age_at_least(self, member: Any, years: int) -> ColumnElement[bool]:
        born_by = _years_before(self.reference, years)
        # Never NULL: with only a year of birth, `date_of_birth <= x` is NULL, and NOT of it stays NULL,
        # so "age < 5" (NOT at least 5) used to leave out every child known only by the year of birth.
        test: ColumnElement[bool] = func.coalesce(
            member.date_of_birth <= born_by,
            member.birth_year <= self.reference.year - years,
            false(),
            type_=Boolean,
        )
        return test

    def _age(self, member: Any, operator: str, values: list[int]) -> ColumnElement[bool]:
        def at_least(n: int) -> ColumnElement[bool]:
            return self._age_at_least(member, n)

        def exactly(n: int) -> ColumnElement[bool]:
            return and_(at_least(n), not_(at_least(n + 1)))

        n = values[0]
        tests: dict[str, Callable[[], ColumnElement[bool]]] = {
            "gte": lambda: at_least(n),
            "gt": lambda: at_least(n + 1),
            "lt": lambda: not_(at_least(n)),
            "lte": lambda: not_(at_least(n + 1)),
            "eq": lambda: exactly(n),
            "ne": lambda: not_(exactly(n)),
            "in": lambda: or_(*[exactly(v) for v in values]),
        }
        return tests[operator]()

    def _compare(self, column: Any, operator: str, values: list[Any]) -> ColumnElement[bool]:
        value = values[0] if values else None
        if operator == "in":
            return column.in_(values) if values else false()
        if operator in ("starts", "contains"):
            pattern = _like_escape(str(value)) + "%"
            like: ColumnElement[bool] = column.like(
                pattern if operator == "starts" else "%" + pattern, escape="\\"
            )
            return like
        result: ColumnElement[bool] = {
            "eq": lambda: column == value,
            "ne": lambda: column != value,
            "lt": lambda: column < value,
            "lte": lambda: column <= value,
            "gt": lambda: column > value,
            "gte": lambda: column >= value,
        }[operator]()
        return result

    def _custom(self, table: Any, spec: FieldSpec) -> Any:
        raw = func.json_extract(table.custom_fields, f'$."{spec.name[7:]}"')
        if spec.kind == BOOLEAN:
            return type_coerce(raw, Integer) == 1
        return raw

    def member_condition(self, member: Any, condition: Condition) -> ColumnElement[bool]:
        spec = check_condition(condition, self.custom_schema, where=condition.field)
        values = _values(spec, condition, condition.field)
        if spec.name == "age":
            return self._age(member, condition.operator, values)
        if spec.name.startswith("custom."):
            column = self._custom(member, spec)
            if spec.kind == BOOLEAN:
                return _is(column, want=values[0] == (condition.operator == "eq"))
            return self._compare(column, condition.operator, values)
        column = {
            "sex": member.sex,
            "disability": member.disability,
            "relationship": member.relation_to_head,
        }[spec.name]
        return self._compare(column, condition.operator, values)

    # --- conditions on a household ---

    def household_condition(self, condition: Condition, person: Any = None) -> ColumnElement[bool]:
        """The condition on the household joined as Household. In a plan for individuals, `person` is the
        member being considered: a member condition is then about that person, not some member."""
        if condition.scope == CriterionScope.HOUSEHOLD:
            return self._household_field(condition)
        if person is not None and condition.scope == CriterionScope.MEMBER:
            return self.member_condition(person, condition)
        member = aliased(Member)
        own = and_(member.household_id == Household.id, member.deleted_at.is_(None))
        if condition.scope == CriterionScope.HEAD:
            own = and_(own, member.relation_to_head == Relationship.HEAD)
        return exists(select(literal(1)).where(own, self.member_condition(member, condition)))

    def matching_members(self, condition: Condition) -> Any:
        """How many of the household's live members match (for a member top-up)."""
        member = aliased(Member)
        return (
            select(func.count())
            .where(
                member.household_id == Household.id,
                member.deleted_at.is_(None),
                self.member_condition(member, condition),
            )
            .scalar_subquery()
        )

    def _household_field(self, condition: Condition) -> ColumnElement[bool]:
        spec = check_condition(condition, self.custom_schema, where=condition.field)
        values = _values(spec, condition, condition.field)
        if spec.name == "size":
            return self._compare(household_size(), condition.operator, values)
        if spec.name == "payment_method":
            return self._compare(Household.payment_method, condition.operator, values)
        if spec.name in ("village", "area"):
            place = aliased(Location)
            if spec.name == "village":
                test = self._compare(func.upper(place.code), condition.operator, values)
            else:  # the household's village lies under one of these locations (its path names them)
                paths = [place.path.like(f"%/{_like_escape(v)}/%", escape="\\") for v in values]
                test = or_(*paths) if condition.operator in ("in", "eq") else not_(or_(*paths))
                if condition.operator in ("starts", "contains"):
                    raise ValidationError(
                        _("{field}: use = or \u201cin\u201d with location codes.").format(field=spec.name)
                    )
            return exists(select(literal(1)).where(place.id == Household.location_id, test))
        column = self._custom(Household, spec)
        if spec.kind == BOOLEAN:
            return _is(column, want=values[0] == (condition.operator == "eq"))
        return self._compare(column, condition.operator, values)

    def eligibility(
        self, conditions: list[Condition], *, match_all: bool, person: Any = None
    ) -> ColumnElement[bool]:
        if not conditions:
            return true()
        parts = [self.household_condition(c, person) for c in conditions]
        return and_(*parts) if match_all else or_(*parts)


def _is(test: Any, *, want: bool) -> ColumnElement[bool]:
    """A yes/no custom field tested for yes (want) or no."""
    return cast("ColumnElement[bool]", test) if want else not_(test)


def household_size() -> Any:
    member = aliased(Member)
    return (
        select(func.count())
        .where(member.household_id == Household.id, member.deleted_at.is_(None))
        .scalar_subquery()
    )


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class TopUp:
    condition: Condition
    amount_minor: int
    max_count: int | None


def amount_expression(
    compiler: Compiler,
    *,
    base_minor: int,
    per_member: bool,
    top_ups: list[TopUp],
    cap_minor: int | None,
    person: Any = None,
) -> Any:
    """Each household's amount for one cycle, in minor units: the base (once, or per live member), plus
    each top-up (once for a household or head condition, per matching member for a member condition, at
    most max_count members), at most the cap. In a plan for individuals (`person` given), the base is paid
    once per person and a member top-up once when the person matches it."""
    total: Any = literal(base_minor) * household_size() if per_member else literal(base_minor)
    for top_up in top_ups:
        if person is not None and top_up.condition.scope == CriterionScope.MEMBER:
            total = total + case(
                (compiler.member_condition(person, top_up.condition), top_up.amount_minor), else_=0
            )
        elif top_up.condition.scope == CriterionScope.MEMBER:
            count: Any = compiler.matching_members(top_up.condition)
            if top_up.max_count is not None:
                count = func.min(count, top_up.max_count)
            total = total + count * top_up.amount_minor
        else:
            total = total + case(
                (compiler.household_condition(top_up.condition), top_up.amount_minor), else_=0
            )
    if cap_minor is not None:
        total = func.min(total, cap_minor)
    return total
