"""Payment cycles: the period a payroll pays for. A plan's cycles never overlap."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import BenefitPlan, PaymentCycle
from cashdesk.models.plans import Frequency

MONTHS = {Frequency.MONTHLY: 1, Frequency.BIMONTHLY: 2, Frequency.QUARTERLY: 3, Frequency.ONE_OFF: 1}
_PERIOD = re.compile(r"(\d{4})-(\d{2})")


def parse_period(text: str) -> date:
    """'2026-03' -> the first day of that month."""
    found = _PERIOD.fullmatch(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12:
        raise ValidationError(
            _("The period is a month written YYYY-MM (e.g. 2026-03), not \u201c{text}\u201d.").format(
                text=text
            ),
            field="period",
        )
    return date(int(found.group(1)), int(found.group(2)), 1)


def period_end(start: date, frequency: Frequency) -> date:
    months = start.month - 1 + MONTHS[frequency]
    following = date(start.year + months // 12, months % 12 + 1, 1)
    return following - timedelta(days=1)


def cycle_for(session: Session, plan: BenefitPlan, start: date) -> PaymentCycle:
    """The plan's cycle that starts on `start`, opened now if there is none. Refuses a period outside the
    plan's dates, a one-off plan's second cycle, and a period that overlaps another cycle of the plan."""
    end = period_end(start, plan.frequency)
    if start < plan.valid_from.replace(day=1) or (plan.valid_to is not None and start > plan.valid_to):
        raise ValidationError(
            _("{plan} runs from {start} to {end}: {period} is outside it.").format(
                plan=plan.code,
                start=plan.valid_from.isoformat(),
                end=plan.valid_to.isoformat() if plan.valid_to else _("no end date"),
                period=start.strftime("%Y-%m"),
            ),
            field="period",
        )
    cycles = list(session.execute(select(PaymentCycle).where(PaymentCycle.plan_id == plan.id)).scalars())
    for cycle in cycles:
        if cycle.period_start == start:
            return cycle
    for cycle in cycles:
        if cycle.period_start <= end and cycle.period_end >= start:
            raise ValidationError(
                _(
                    "The period {start} to {end} overlaps cycle {code} ({cstart} to {cend}) of {plan}. "
                    "Choose a period that starts after {cend}."
                ).format(
                    start=start.isoformat(),
                    end=end.isoformat(),
                    code=cycle.code,
                    cstart=cycle.period_start.isoformat(),
                    cend=cycle.period_end.isoformat(),
                    plan=plan.code,
                ),
                field="period",
            )
    if plan.frequency == Frequency.ONE_OFF and cycles:
        raise ValidationError(
            _("{plan} pays once: its cycle is {code}.").format(plan=plan.code, code=cycles[0].code),
            field="period",
        )
    cycle = PaymentCycle(
        plan_id=plan.id, code=f"{plan.code}-{start:%Y%m}", period_start=start, period_end=end
    )
    session.add(cycle)
    session.flush()
    return cycle
