"""The straightforward ways, for the payroll benchmark to time beside CashDesk's own on the same data.

- Enrolment: every household loaded through the ORM with its members, the plan's conditions evaluated in
  Python on the objects; enrolling adds an Enrolment and its status change per household as ORM objects.
- Generation: the beneficiaries loaded through the ORM (households, members, documents), amounts and
  recipients worked out in Python, one PaymentLine object per line, committed every 500 lines (the way
  openIMIS generates a payroll).
- Sheet: one reportlab platypus Table of all rows (SimpleDocTemplate), a QrCodeWidget drawing per row.
- Approval: every line loaded as an ORM object and the fingerprint hashed in Python.

Each reads the plan's stored conditions and rule (cashdesk.payroll.plans.amount_rule) and applies the same
meaning as the SQL of cashdesk.payroll.criteria, so that its result can be checked equal to the service's.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cashdesk.models import (
    Enrolment,
    EnrolmentStatusChange,
    Household,
    Location,
    Member,
    PaymentCycle,
    PaymentLine,
    Payroll,
)
from cashdesk.models.keys import uuid7
from cashdesk.models.payments import PaymentStatus, PayrollStatus
from cashdesk.models.plans import CriterionScope, EnrolmentStatus
from cashdesk.models.registry import HouseholdStatus, PaymentMethod, RecipientRole, Relationship
from cashdesk.payroll import numbers
from cashdesk.payroll.criteria import Condition, _years_before
from cashdesk.payroll.cycles import cycle_for, parse_period
from cashdesk.payroll.plans import AmountRule, amount_rule, plan_by_code

BATCH = 500  # lines per commit in the generation baseline, as openIMIS does


# --- the plan's conditions, in Python --------------------------------------------------------------


def _compare(value: Any, operator: str, wanted: list[Any]) -> bool:
    if value is None:  # SQL: a comparison with NULL is not true
        return False
    if operator == "in":
        return value in wanted
    target = wanted[0]
    result: bool = {
        "eq": value == target,
        "ne": value != target,
        "lt": value < target,
        "lte": value <= target,
        "gt": value > target,
        "gte": value >= target,
    }[operator]
    return result


def _wanted(condition: Condition, kind: Callable[[str], Any]) -> list[Any]:
    parts = condition.value.split(",") if condition.operator == "in" else [condition.value]
    return [kind(p.strip()) for p in parts if p.strip()]


class Evaluator:
    """A plan's conditions and amount on loaded Household objects, at one reference date."""

    def __init__(self, rule: AmountRule, reference: date, paths: dict[uuid.UUID, str]) -> None:
        self.rule = rule
        self.reference = reference
        self.paths = paths  # location id -> path (for area conditions)

    def _age_at_least(self, member: Member, years: int) -> bool:
        if member.date_of_birth is not None:
            return member.date_of_birth <= _years_before(self.reference, years)
        return member.birth_year is not None and member.birth_year <= self.reference.year - years

    def _member(self, member: Member, condition: Condition) -> bool:
        field, operator = condition.field, condition.operator
        if field == "age":
            n = int(condition.value) if operator != "in" else 0

            def exactly(k: int) -> bool:
                return self._age_at_least(member, k) and not self._age_at_least(member, k + 1)

            tests: dict[str, Callable[[], bool]] = {
                "gte": lambda: self._age_at_least(member, n),
                "gt": lambda: self._age_at_least(member, n + 1),
                "lt": lambda: not self._age_at_least(member, n),
                "lte": lambda: not self._age_at_least(member, n + 1),
                "eq": lambda: exactly(n),
                "ne": lambda: not exactly(n),
                "in": lambda: any(exactly(v) for v in _wanted(condition, int)),
            }
            return tests[operator]()
        if field == "sex":
            return _compare(member.sex.value, operator, _wanted(condition, str.upper))
        if field == "relationship":
            return _compare(member.relation_to_head.value, operator, _wanted(condition, str.lower))
        if field.startswith("custom."):
            return _compare(
                (member.custom_fields or {}).get(field[7:]), operator, _wanted(condition, _number)
            )
        raise NotImplementedError(f"baseline: member field {field}")

    def _household(self, household: Household, live: Sequence[Member], condition: Condition) -> bool:
        field, operator = condition.field, condition.operator
        if field == "size":
            return _compare(len(live), operator, _wanted(condition, int))
        if field == "area":
            path = self.paths[household.location_id]
            found = any(f"/{code.upper()}/" in path for code in _wanted(condition, str))
            return found if operator in ("eq", "in") else not found
        if field.startswith("custom."):
            return _compare(
                (household.custom_fields or {}).get(field[7:]), operator, _wanted(condition, _number)
            )
        raise NotImplementedError(f"baseline: household field {field}")

    def holds(self, household: Household, live: Sequence[Member], condition: Condition) -> bool:
        if condition.scope == CriterionScope.HOUSEHOLD:
            return self._household(household, live, condition)
        if condition.scope == CriterionScope.HEAD:
            live = [m for m in live if m.relation_to_head == Relationship.HEAD]
        return any(self._member(m, condition) for m in live)

    def eligible(self, household: Household, live: Sequence[Member]) -> bool:
        conditions = self.rule.conditions
        if not conditions:
            return True
        tests = (self.holds(household, live, c) for c in conditions)
        return all(tests) if self.rule.match_all else any(tests)

    def amount(self, household: Household, live: Sequence[Member]) -> int:
        rule = self.rule
        total = rule.base_minor * len(live) if rule.per_member else rule.base_minor
        for top_up in rule.top_ups:
            if top_up.condition.scope == CriterionScope.MEMBER:
                count = sum(1 for m in live if self._member(m, top_up.condition))
                if top_up.max_count is not None:
                    count = min(count, top_up.max_count)
                total += count * top_up.amount_minor
            elif self.holds(household, live, top_up.condition):
                total += top_up.amount_minor
        return min(total, rule.cap_minor) if rule.cap_minor is not None else total


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def _live_households(session: Session) -> list[Household]:
    return list(
        session.execute(
            select(Household)
            .where(Household.deleted_at.is_(None), Household.status == HouseholdStatus.ACTIVE)
            .options(selectinload(Household.members))
        ).scalars()
    )


def _locations(session: Session) -> dict[uuid.UUID, Location]:
    return {loc.id: loc for loc in session.execute(select(Location)).scalars()}


# --- enrolment ---------------------------------------------------------------------------------------


def orm_preview(session: Session, plan_code: str, reference: date) -> dict[str, Any]:
    """What preview_enrolment tells, from ORM objects: qualifying, new and cost, per village."""
    plan = plan_by_code(session, plan_code)
    locations = _locations(session)
    evaluator = Evaluator(amount_rule(session, plan), reference, {k: v.path for k, v in locations.items()})
    enrolled = {
        e.household_id
        for e in session.execute(select(Enrolment).where(Enrolment.plan_id == plan.id)).scalars()
        if e.member_id is None
    }
    by_village: dict[str, list[int]] = {}
    chosen = []
    for household in _live_households(session):
        live = [m for m in household.members if m.deleted_at is None]
        if not evaluator.eligible(household, live):
            continue
        row = by_village.setdefault(locations[household.location_id].code, [0, 0, 0])
        row[0] += 1
        row[2] += evaluator.amount(household, live)
        if household.id not in enrolled:
            row[1] += 1
            chosen.append(household.id)
    return {
        "qualifying": sum(r[0] for r in by_village.values()),
        "new": len(chosen),
        "cost": sum(r[2] for r in by_village.values()),
        "by_village": sorted([code, *r] for code, r in by_village.items()),
        "chosen": chosen,
    }


def orm_enrol(session: Session, actor_id: uuid.UUID, plan_code: str, reference: date) -> dict[str, Any]:
    """Evaluate as orm_preview does, then one Enrolment and one status change object per household."""
    found = orm_preview(session, plan_code, reference)
    plan = plan_by_code(session, plan_code)
    now = datetime.now(UTC)
    for household_id in found["chosen"]:
        enrolment = Enrolment(
            id=uuid7(),  # the status change refers to it (the model has no relationship to follow)
            plan_id=plan.id,
            household_id=household_id,
            status=EnrolmentStatus.ACTIVE,
            enrolled_on=reference,
        )
        session.add(enrolment)
        session.add(
            EnrolmentStatusChange(
                enrolment_id=enrolment.id,
                from_status=EnrolmentStatus.POTENTIAL,
                to_status=EnrolmentStatus.ACTIVE,
                reason="selected by the plan's criteria",
                effective_on=reference,
                changed_at=now,
                changed_by_id=actor_id,
            )
        )
    session.commit()
    return {"enrolled": len(found["chosen"]), "qualifying": found["qualifying"]}


# --- generation --------------------------------------------------------------------------------------


def orm_generate(session: Session, actor_id: uuid.UUID, plan_code: str, period: str) -> dict[str, Any]:
    """The plan's payroll of `period` with ORM objects, committed every BATCH lines. Mobile money and bank
    only (one payroll per provider), which is what the benchmark's caseload has."""
    plan = plan_by_code(session, plan_code)
    rule = amount_rule(session, plan)
    cycle = cycle_for(session, plan, parse_period(period))
    session.commit()
    locations = _locations(session)
    evaluator = Evaluator(rule, cycle.period_start, {k: v.path for k, v in locations.items()})
    rows = session.execute(
        select(Enrolment, Household)
        .join(Household, Household.id == Enrolment.household_id)
        .where(
            Enrolment.plan_id == plan.id,
            Enrolment.member_id.is_(None),
            Enrolment.status == EnrolmentStatus.ACTIVE,
            Enrolment.deleted_at.is_(None),
            Household.deleted_at.is_(None),
            Household.status == HouseholdStatus.ACTIVE,
        )
        .options(selectinload(Household.members).selectinload(Member.identifiers))
    ).all()
    already = {
        line.enrolment_id
        for line in session.execute(select(PaymentLine).where(PaymentLine.cycle_id == cycle.id)).scalars()
        if line.status != PaymentStatus.CANCELLED
    }
    by_provider: dict[uuid.UUID, list[tuple[Any, ...]]] = {}
    for enrolment, household in rows:
        if enrolment.id in already or (enrolment.enrolled_on and enrolment.enrolled_on > cycle.period_end):
            continue
        live = [m for m in household.members if m.deleted_at is None]
        amount = evaluator.amount(household, live)
        primary = next((m for m in live if m.recipient_role == RecipientRole.PRIMARY), None)
        if amount <= 0 or primary is None or household.payment_method == PaymentMethod.CASH:
            continue
        document = min(primary.identifiers, key=lambda d: d.id.int).number if primary.identifiers else ""
        village = locations[household.location_id].name
        key = (village, primary.family_name.lower(), primary.given_name.lower(), household.code)
        by_provider.setdefault(household.payment_provider_id, []).append(  # type: ignore[arg-type]
            (key, enrolment, household, primary, document, amount)
        )
    now = datetime.now(UTC)
    made = []
    for provider_id, lines in by_provider.items():
        lines.sort(key=lambda item: item[0])
        payroll = Payroll(
            code=f"{cycle.code}-KMM",
            cycle_id=cycle.id,
            provider_id=provider_id,
            status=PayrollStatus.PENDING_APPROVAL,
            parameters={"plan": plan.code, "period": period},
            currency=rule.currency,
            generated_by_id=actor_id,
            generated_at=now,
        )
        session.add(payroll)
        session.commit()
        for start in range(0, len(lines), BATCH):
            batch = lines[start : start + BATCH]
            for k, (number, (_key, enrolment, household, primary, document, amount)) in enumerate(
                zip(numbers.reserve(session, len(batch)), batch, strict=True)
            ):
                session.add(
                    PaymentLine(
                        payroll_id=payroll.id,
                        cycle_id=cycle.id,
                        transaction_number=number,
                        enrolment_id=enrolment.id,
                        household_id=household.id,
                        recipient_member_id=primary.id,
                        pay_point_id=None,
                        payment_method=household.payment_method,
                        payment_account=household.payment_account,
                        amount_minor=amount,
                        currency=rule.currency,
                        household_code=household.code,
                        recipient_name=f"{primary.given_name} {primary.family_name}",
                        recipient_id_number=document,
                        position=start + k + 1,
                        status=PaymentStatus.PENDING,
                    )
                )
            session.commit()
        payroll.line_count = len(lines)
        payroll.total_amount_minor = sum(item[5] for item in lines)
        session.commit()
        made.append((payroll.code, payroll.line_count, payroll.total_amount_minor))
    return {"payrolls": made}


# --- approval ----------------------------------------------------------------------------------------


def orm_fingerprint(session: Session, code: str) -> dict[str, Any]:
    """The fingerprint of approval.fingerprint, from every line loaded as an ORM object."""
    payroll = session.execute(select(Payroll).where(Payroll.code == code)).scalar_one()
    cycle = session.get_one(PaymentCycle, payroll.cycle_id)
    digest = hashlib.sha256()
    header = ["cashdesk-payroll-1", payroll.code, cycle.code, str(payroll.pay_point_id or "")]
    digest.update("|".join([*header, str(payroll.provider_id or ""), payroll.currency]).encode())
    lines = session.execute(
        select(PaymentLine).where(PaymentLine.payroll_id == payroll.id).order_by(PaymentLine.position)
    ).scalars()
    count = total = 0
    for line in lines:
        digest.update(
            f"\n{line.position}|{line.transaction_number}|{line.household_code}|{line.recipient_name}|"
            f"{line.recipient_id_number}|{line.payment_method.value}|{line.payment_account or ''}|"
            f"{line.amount_minor}|{line.currency}".encode()
        )
        count += 1
        total += line.amount_minor
    digest.update(f"\n{count}|{total}".encode())
    return {"fingerprint": digest.hexdigest(), "lines": count}


# --- the sheet ---------------------------------------------------------------------------------------


def platypus_sheet(session: Session, code: str, out: Path) -> dict[str, Any]:
    """The payroll's sheet as one platypus Table of every row: the same columns as the real sheet (row
    number, QR code of the transaction number, transaction number, household, recipient, ID number,
    amount, a box to sign), the header row repeated on each page. No page subtotals: platypus has no
    simple way to know which rows land on a page."""
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    from cashdesk.payroll.pdf import PAGE, fonts

    font = fonts()
    payroll = session.execute(select(Payroll).where(Payroll.code == code)).scalar_one()
    lines = session.execute(
        select(PaymentLine).where(PaymentLine.payroll_id == payroll.id).order_by(PaymentLine.position)
    ).scalars()

    def qr(text: str) -> Drawing:
        widget = QrCodeWidget(text)
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(34, 34, transform=[34 / (x1 - x0), 0, 0, 34 / (y1 - y0), 0, 0])
        drawing.add(widget)
        return drawing

    data: list[list[Any]] = [
        ["No.", "", "Transaction number", "Household", "Recipient", "ID number", "Amount (MWK)", "Signature"]
    ]
    total = 0
    for line in lines:
        data.append(
            [
                str(line.position),
                qr(line.transaction_number),
                line.transaction_number,
                line.household_code,
                line.recipient_name,
                line.recipient_id_number,
                f"{line.amount_minor / 100:,.2f}",
                "",
            ]
        )
        total += line.amount_minor
    table = Table(
        data,
        colWidths=[32, 40, 114, 108, 182, 92, 84, 134],
        rowHeights=[18] + [38] * (len(data) - 1),
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), font.bold, 8.5),
                ("FONT", (0, 1), (-1, -1), font.regular, 10),
                ("FONT", (2, 1), (2, -1), font.mono, 10.5),
                ("ALIGN", (0, 0), (0, -1), "RIGHT"),
                ("ALIGN", (6, 0), (6, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.88, 0.88, 0.88)),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
            ]
        )
    )
    styles = getSampleStyleSheet()
    doc = SimpleDocTemplate(
        str(out), pagesize=PAGE, leftMargin=28, rightMargin=28, topMargin=28, bottomMargin=28
    )
    doc.build(
        [
            Paragraph(f"Payroll sheet {payroll.code}", styles["Title"]),
            Paragraph(f"Fingerprint (SHA-256): {payroll.fingerprint}", styles["Normal"]),
            table,
        ]
    )
    return {"rows": len(data) - 1, "total": total, "pages": doc.page}
