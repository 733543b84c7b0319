"""The freeze rule of national registration clients, for payments: a device that has not synced for too
long, or holds too many payment records the server has not seen, first warns and then stops recording
payments until it syncs, or until a supervisor lifts the block for a day with a reason.

It lives with the payments it guards (disbursement calls `require_not_frozen`); the limits are kept with
the server's settings (sync_server) and are the scheme administrator's to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import PermissionDenied, ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import PaymentEvent, SyncServer
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

LIFT_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class Freeze:
    level: str  # "" (fine), "warn" or "block"
    reason: str
    unsynced_payments: int
    days_since_sync: float | None  # None: never synced
    lifted_until: datetime | None


def freeze_state(session: Session, *, now: datetime | None = None) -> Freeze:
    config = session.get(SyncServer, 1)
    unsynced = int(
        session.execute(
            select(func.count()).select_from(PaymentEvent).where(PaymentEvent.dirty.is_(True))
        ).scalar_one()
    )
    if config is None:  # a device that was never set up to sync (a stand-alone office) is never frozen
        return Freeze("", "", unsynced, None, None)
    at = now or datetime.now(UTC)
    # last_success_at is by the server's clock; the offset brings the laptop's "now" to it.
    server_now = at - timedelta(seconds=config.clock_offset_seconds)
    days = (server_now - config.last_success_at).total_seconds() / 86400 if config.last_success_at else None
    lifted = config.override_until if config.override_until and config.override_until > at else None
    level, reason = "", ""
    if days is None or days > config.block_after_days or unsynced > config.block_unsynced_payments:
        level = "block"
    elif days > config.warn_after_days or unsynced > config.warn_unsynced_payments:
        level = "warn"
    if level:
        reason = _describe(days, unsynced, config, level)
    if level == "block" and days is None and unsynced <= config.warn_unsynced_payments:
        level, reason = "warn", _("This device has never synced with the server.")  # a new device may pay
    return Freeze(level, reason, unsynced, days, lifted)


def _describe(days: float | None, unsynced: int, config: SyncServer, level: str) -> str:
    parts = []
    limit_days = config.block_after_days if level == "block" else config.warn_after_days
    limit_payments = config.block_unsynced_payments if level == "block" else config.warn_unsynced_payments
    if days is None:
        parts.append(_("this device has never synced"))
    elif days > limit_days:
        parts.append(_("last synced {n} days ago (limit {limit})").format(n=int(days), limit=limit_days))
    if unsynced > limit_payments:
        parts.append(
            _("{n} payments not yet on the server (limit {limit})").format(n=unsynced, limit=limit_payments)
        )
    return "; ".join(parts)


def require_not_frozen(session: Session) -> None:
    state = freeze_state(session)
    if state.level == "block" and state.lifted_until is None:
        raise ValidationError(
            _(
                "Payments are stopped on this device: {reason}. Sync now, or ask a supervisor to lift the block."
            ).format(reason=state.reason),
            field="sync",
        )


def lift_freeze(session: Session, actor: Actor, *, reason: str) -> datetime:
    """A supervisor lets this device record payments for 24 hours more without syncing (a pay day far
    from any network); recorded in the audit trail with the reason."""
    actor.require(Permission.LIFT_SYNC_FREEZE)
    if not reason.strip():
        raise ValidationError(_("Say why payments may go on without syncing."), field="reason")
    config = session.get(SyncServer, 1)
    if config is None:
        raise PermissionDenied(_("This device is not set up to sync: nothing is blocked."))
    config.override_until = datetime.now(UTC) + LIFT_FOR
    config.override_reason = reason.strip()
    config.override_by_id = actor.user_id
    audit.record(
        session, actor, action="sync.freeze_lifted", entity_type="sync_server", entity_id=None,
        summary=_("Payments allowed without sync until {until}: {reason}").format(
            until=config.override_until.strftime("%Y-%m-%d %H:%M UTC"), reason=reason.strip()),
    )  # fmt: skip
    return config.override_until
