"""The scheme's list of reasons a pay point may give for not paying: administrators add, rename, reorder,
retire (never delete: recorded events name them) and bring back reasons. The reasons that only
reconciliation writes (failed at the provider, not in the provider's file) are kept out of the clerks' list
and cannot be changed here."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.models.payments import NonPaymentReason, NonPaymentReasonChoice
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

RESERVED = frozenset({NonPaymentReason.FAILED_AT_PROVIDER.value, NonPaymentReason.NOT_IN_PROVIDER_FILE.value})
CODE = re.compile(r"[a-z][a-z0-9_]{1,31}$")


@dataclass(frozen=True)
class ReasonSetting:
    code: str
    label: str
    needs_note: bool
    active: bool
    position: int


def all_reasons(session: Session, actor: Actor) -> list[ReasonSetting]:
    """Every reason a clerk may be offered, retired ones included, in the list's order."""
    actor.require(Permission.MANAGE_SETTINGS)
    rows = session.scalars(
        select(NonPaymentReasonChoice)
        .where(NonPaymentReasonChoice.code.not_in(RESERVED))
        .order_by(NonPaymentReasonChoice.position, NonPaymentReasonChoice.code)
    )
    return [ReasonSetting(r.code, r.label, r.needs_note, r.active, r.position) for r in rows]


def save_reason(
    session: Session,
    actor: Actor,
    *,
    code: str,
    label: str,
    needs_note: bool = False,
    active: bool = True,
    position: int | None = None,
) -> ReasonSetting:
    """Add the reason, or change the one with this code. A new one goes to the end of the list."""
    actor.require(Permission.MANAGE_SETTINGS)
    code = code.strip().lower()
    if code in RESERVED:
        raise ValidationError(
            _("{code} is written by reconciliation only and cannot be changed.").format(code=code),
            field="code",
        )
    if not CODE.match(code):
        raise ValidationError(
            _(
                "A reason's code is 2 to 32 small letters, digits or _ , starting with a letter (e.g. flooded_road)."
            ),
            field="code",
        )
    if not label.strip():
        raise ValidationError(_("Give the reason's words, as the clerk will read them."), field="label")
    reason = session.get(NonPaymentReasonChoice, code)
    before = audit.snapshot(reason) if reason else None
    if reason is None:
        last = session.execute(select(func.max(NonPaymentReasonChoice.position)).where(
            NonPaymentReasonChoice.code.not_in(RESERVED))).scalar_one()  # fmt: skip
        reason = NonPaymentReasonChoice(code=code, position=(last or 0) + 1)
        session.add(reason)
    if position is not None:
        reason.position = position
    reason.label, reason.needs_note, reason.active = label.strip()[:120], needs_note, active
    session.flush()
    audit.record(
        session, actor, action="settings.reason_saved" if before else "settings.reason_added",
        entity_type="non_payment_reason", entity_id=None,
        summary=_("Reason for not paying {code}: {label}{retired}").format(
            code=code, label=reason.label, retired="" if active else _(" (retired)")),
        before=before, after=audit.snapshot(reason),
    )  # fmt: skip
    return ReasonSetting(reason.code, reason.label, reason.needs_note, reason.active, reason.position)
