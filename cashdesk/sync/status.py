"""What the status bar and the Outbox screen say about sync, in words a non-technical user understands:
"12 changes waiting, last synced 3 hours ago", "Cannot reach the server: no connection"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.i18n import _
from cashdesk.models import SyncConflict, Synced, SyncPending, SyncRefusal, SyncServer
from cashdesk.models.base import Base
from cashdesk.payroll.sync_freeze import Freeze, freeze_state
from cashdesk.security.permissions import Actor, Permission
from cashdesk.sync.mapping import MAPPINGS
from cashdesk.sync.push import held_back


@dataclass(frozen=True)
class OutboxRow:
    kind: str  # e.g. "households"
    waiting: int
    held: int  # in a conflict or refused: not sent until someone acts
    sent_by_this_version: bool  # False: records of a kind this version does not sync yet


@dataclass(frozen=True)
class Refusal:
    kind: str
    record_id: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class SyncStatus:
    configured: bool
    url: str
    username: str
    waiting: int
    conflicts: int
    last_success_at: datetime | None
    error: str
    error_kind: str
    freeze: Freeze
    text: str


def _ago(then: datetime, now: datetime) -> str:
    seconds = max(0, (now - then).total_seconds())
    if seconds < 90:
        return _("just now")
    if seconds < 90 * 60:
        return _("{n} minutes ago").format(n=round(seconds / 60))
    if seconds < 36 * 3600:
        return _("{n} hours ago").format(n=round(seconds / 3600))
    return _("{n} days ago").format(n=round(seconds / 86400))


# Synced rows this version keeps on the device that wrote them: users are each device's own (their
# passwords are in its key file); cash received and reconciliation files belong to the office that
# handled them (what reconciliation decides travels as payment events). Not listed as waiting.
KEPT_LOCAL = frozenset({"users", "cash_receipts", "reconciliation_batches", "reconciliation_outcomes"})


def _synced_models() -> list[type[Any]]:
    return sorted(
        (
            m.class_
            for m in Base.registry.mappers
            if issubclass(m.class_, Synced) and getattr(m.class_, "__tablename__", "") not in KEPT_LOCAL
        ),
        key=lambda c: c.__tablename__,
    )


def outbox(
    session: Session, actor: Actor
) -> tuple[list[OutboxRow], list[Refusal], list[tuple[str, int, str]]]:
    """Waiting records by kind, the records the server refused and why, and the bundles sent but not yet
    answered (id, attempts, last error)."""
    actor.require(Permission.SYNC)
    mapped = {m.model for m in MAPPINGS.values()}
    held = held_back(session)
    rows = []
    for model in _synced_models():
        ids = list(session.scalars(select(model.id).where(model.dirty.is_(True))))
        if ids:
            on_hold = len([i for i in ids if (model.__tablename__, i) in held])
            rows.append(OutboxRow(model.__tablename__.replace("_", " "), len(ids), on_hold, model in mapped))
    refusals = [
        Refusal(r.table_name.replace("_", " "), str(r.row_id), r.reason, r.refused_at)
        for r in session.scalars(select(SyncRefusal).order_by(SyncRefusal.refused_at.desc()))
    ]
    pending = [(p.bundle_id, p.attempts, p.last_error) for p in session.scalars(select(SyncPending))]
    return rows, refusals, pending


def sync_status(session: Session, actor: Actor, *, now: datetime | None = None) -> SyncStatus:
    at = now or datetime.now(UTC)
    config = session.get(SyncServer, 1)
    waiting = sum(
        int(
            session.execute(
                select(func.count()).select_from(m.model).where(m.model.dirty.is_(True))
            ).scalar_one()
        )
        for m in MAPPINGS.values()
    )
    conflicts = int(
        session.execute(
            select(func.count()).select_from(SyncConflict).where(SyncConflict.resolved_at.is_(None))
        ).scalar_one()
    )
    freeze = freeze_state(session, now=at)
    if config is None:
        text = _("No server set up yet, never synced: {n} changes kept on this device.").format(n=waiting)
        return SyncStatus(False, "", "", waiting, conflicts, None, "", "", freeze, text)
    if config.last_error_kind == "offline":
        head = _("Cannot reach the server: no connection.")
    elif config.last_error_kind == "login":
        head = _("Login to the server expired: log in again.")
    elif config.last_error_kind:
        head = _("The last sync failed: {error}").format(error=config.last_error)
    else:
        head = ""
    parts = [
        (_("1 change waiting") if waiting == 1 else _("{n} changes waiting").format(n=waiting))
        if waiting
        else _("nothing waiting")
    ]
    if config.last_success_at:
        server_now = at - timedelta(seconds=config.clock_offset_seconds)
        parts.append(_("last synced {ago}").format(ago=_ago(config.last_success_at, server_now)))
    else:
        parts.append(_("never synced"))
    if conflicts:
        parts.append(
            _("1 conflict to resolve")
            if conflicts == 1
            else _("{n} conflicts to resolve").format(n=conflicts)
        )
    if freeze.level == "block" and freeze.lifted_until is None:
        parts.append(_("payments stopped until this device syncs"))
    sentence = ", ".join(parts)
    sentence = sentence[0].upper() + sentence[1:] + "."
    text = f"{head} {sentence}" if head else sentence
    return SyncStatus(
        True, config.url, config.username, waiting, conflicts, config.last_success_at, config.last_error,
        config.last_error_kind, freeze, text,
    )  # fmt: skip
