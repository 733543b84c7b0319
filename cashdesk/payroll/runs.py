"""A payroll generation that fails for a reason other than its input leaves a record to re-run it.

Generation is one transaction: when it fails (the disk is full, the database cannot be written, a bug)
or the process is killed, nothing of it is written. A refusal of the input (no such plan, over budget,
an overlapping period) is the user's to correct and is only shown. Any other failure is recorded
afterwards, in a transaction of its own, as a payroll in status *failed* carrying the error and the
parameters the generation was started with; `rerun_generation` runs it again from them once the cause is
fixed, and marks the record as re-run (it stays in the list, as history). A killed process leaves no
record: running the same generation again is the way, and finds nothing half-done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import CashDeskError, DatabaseError, ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, no_progress
from cashdesk.desk import Desk
from cashdesk.models import PayPoint, Payroll
from cashdesk.models.payments import PayrollStatus
from cashdesk.payroll.cycles import cycle_for, parse_period
from cashdesk.payroll.generation import STOP, GenerationResult, generate_payroll
from cashdesk.payroll.plans import plan_by_code
from cashdesk.payroll.queries import payroll_by_code
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission


class GenerationFailed(CashDeskError):
    """The generation failed and was recorded as `code`, to be re-run."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _user_error(exc: BaseException) -> bool:
    """A refusal of the input or of the user, or a cancel: shown, never recorded as a failed run."""
    return isinstance(exc, CashDeskError) and not isinstance(exc, DatabaseError)


def generate(
    desk: Desk,
    params: dict[str, Any],
    *,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
    job: Callable[..., GenerationResult] | None = None,
) -> GenerationResult:
    """Generate with `params` (generation.parameters()); an unexpected failure is recorded and raised as
    GenerationFailed naming the record. `job` replaces the generation itself (rerun_generation)."""
    work = job or (
        lambda session, actor: generate_payroll(
            session,
            actor,
            plan_code=params["plan"],
            period=params["period"],
            pay_point_code=params["pay_point"],
            over_budget=params["over_budget"],
            progress=progress,
            abort=abort,
        )
    )
    try:
        return desk.run(work)
    except Exception as exc:
        if _user_error(exc):
            raise
        reason = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        code = desk.run(record_failure, params, reason)
        raise GenerationFailed(
            _(
                "The generation failed: {reason} Nothing of it was saved; it is recorded as {code}: "
                "run it again with `cashdesk payroll rerun {code}` (or from the Payroll screen) once the "
                "cause is fixed."
            ).format(reason=reason, code=code),
            code,
        ) from exc


def record_failure(session: Session, actor: Actor, params: dict[str, Any], reason: str) -> str:
    """The failed record of a generation with `params`; its code."""
    actor.require(Permission.GENERATE_PAYROLL)
    plan = plan_by_code(session, params["plan"])
    cycle = cycle_for(session, plan, parse_period(params["period"]))
    point = None
    if params.get("pay_point"):
        point = session.execute(
            select(PayPoint).where(func.upper(PayPoint.code) == str(params["pay_point"]).upper())
        ).scalar_one_or_none()
    taken = session.execute(select(func.count()).select_from(Payroll).where(Payroll.cycle_id == cycle.id))
    code = f"{cycle.code}-FAILED-{taken.scalar_one() + 1}"
    failed = Payroll(
        code=code,
        cycle_id=cycle.id,
        pay_point_id=point.id if point else None,
        provider_id=point.provider_id if point else None,
        status=PayrollStatus.FAILED,
        parameters=params,
        currency=plan.currency,
        generated_by_id=actor.user_id,
        generated_at=datetime.now(UTC),
        status_note=reason[:2000],
    )
    session.add(failed)
    session.flush()
    audit.record(
        session,
        actor,
        action="payroll.generation_failed",
        entity_type="payroll",
        entity_id=failed.id,
        summary=_("{code}: generation of {plan} {period} failed: {reason}").format(
            code=code, plan=plan.code, period=params["period"], reason=reason[:200]
        ),
        after={"parameters": params, "error": reason[:2000]},
    )
    return code


def rerun_generation(
    desk: Desk, code: str, *, progress: Progress = no_progress, abort: threading.Event | None = None
) -> GenerationResult:
    """Run failed generation `code` again from its saved parameters; the record notes what it became."""

    def again(session: Session, actor: Actor) -> GenerationResult:
        actor.require(Permission.GENERATE_PAYROLL)
        failed = payroll_by_code(session, code)
        if failed.status != PayrollStatus.FAILED:
            raise ValidationError(
                _("Only a failed generation is run again; {code} is {status}.").format(
                    code=failed.code, status=failed.status.value.replace("_", " ")
                )
            )
        if failed.parameters.get("rerun_as"):
            raise ValidationError(
                _("{code} was run again already, as {codes}.").format(
                    code=failed.code, codes=", ".join(failed.parameters["rerun_as"])
                )
            )
        params = failed.parameters
        result = generate_payroll(
            session,
            actor,
            plan_code=params["plan"],
            period=params["period"],
            pay_point_code=params.get("pay_point"),
            over_budget=params.get("over_budget", STOP),
            progress=progress,
            abort=abort,
        )
        made = [p.code for p in result.payrolls]
        failed.parameters = {**params, "rerun_as": made}  # a new dict: the JSON column sees the change
        failed.status_note = _("{error} Run again as {codes} by {who}.").format(
            error=failed.status_note, codes=", ".join(made), who=actor.full_name
        )
        audit.record(
            session,
            actor,
            action="payroll.generation_rerun",
            entity_type="payroll",
            entity_id=failed.id,
            summary=_("{code} run again as {codes}").format(code=failed.code, codes=", ".join(made)),
            after={"rerun_as": made},
        )
        return result

    with_code = dict(payroll_parameters(desk, code))
    return generate(desk, with_code, progress=progress, abort=abort, job=again)


def payroll_parameters(desk: Desk, code: str) -> dict[str, Any]:
    """The saved parameters of payroll `code` (a re-run that fails again is recorded with the same)."""

    def read(session: Session, actor: Actor) -> dict[str, Any]:
        actor.require(Permission.VIEW_PAYROLLS)
        params = dict(payroll_by_code(session, code).parameters)
        params.pop("rerun_as", None)
        return params

    return desk.run(read)
