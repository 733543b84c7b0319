"""The Conflicts screen's services: records changed both here and on the server, field by field, and the
user's choice for each field ("keep this device's" or "take the server's")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.errors import NotFound, ValidationError
from cashdesk.core.i18n import _
from cashdesk.models import Household, Member, PaymentEvent, PaymentLine, SyncConflict, User
from cashdesk.models.payments import PaymentEventKind
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission
from cashdesk.sync import local
from cashdesk.sync.mapping import MAPPINGS, Mapping, loads
from cashdesk.sync.records import values_of, write

HERE, SERVER = "here", "server"


@dataclass(frozen=True)
class FieldConflict:
    name: str
    label: str
    base: Any
    here: Any
    server: Any


@dataclass(frozen=True)
class ConflictView:
    id: uuid.UUID
    kind: str
    record: str  # what the user recognises: a household code, a person's name
    fields: tuple[FieldConflict, ...]
    server_author: str
    server_changed_at: datetime | None
    here_changed_at: datetime | None


CHILD_LABELS = {
    "children:member_identifiers": _("identity documents"),
    "children:pay_point_clerks": _("clerks"),
    "children:plan_criteria": _("criteria"),
}


def _label(name: str) -> str:
    return CHILD_LABELS.get(name) or name.removeprefix("children:").removesuffix("_id").replace("_", " ")


def _record_label(session: Session, table: str, record_id: uuid.UUID) -> str:
    if table == "households":
        code = session.execute(select(Household.code).where(Household.id == record_id)).scalar_one_or_none()
        return _("household {code}").format(code=code) if code else str(record_id)
    if table == "members":
        person = session.get(Member, record_id)
        return f"{person.given_name} {person.family_name}" if person else str(record_id)
    return str(record_id)


def list_conflicts(session: Session, actor: Actor) -> list[ConflictView]:
    actor.require(Permission.RESOLVE_CONFLICTS)
    views = []
    for c in session.scalars(
        select(SyncConflict).where(SyncConflict.resolved_at.is_(None)).order_by(SyncConflict.detected_at)
    ):
        fields = tuple(
            FieldConflict(name, _label(name), c.base.get(name), c.local.get(name), c.remote.get(name))
            for name in c.fields
        )
        views.append(
            ConflictView(
                id=c.id,
                kind=c.table_name.rstrip("s").replace("_", " "),
                record=_record_label(session, c.table_name, c.resource_id),
                fields=fields,
                server_author=c.remote_author,
                server_changed_at=c.remote_changed_at,
                here_changed_at=c.local_changed_at,
            )
        )
    return views


@dataclass(frozen=True)
class PaidEvent:
    device: str
    recorded_by: str
    occurred_at: datetime


@dataclass(frozen=True)
class PaidTwice:
    transaction_number: str
    household_code: str
    recipient_name: str
    amount_minor: int
    events: tuple[PaidEvent, ...]


def double_payments(session: Session, actor: Actor) -> list[PaidTwice]:
    """Payments recorded paid more than once (on two devices that could not see each other), none of
    them reversed: append-only events never conflict, so sync brings both, and a supervisor follows up."""
    actor.require(Permission.RECONCILE_PAYROLLS)
    undone = select(PaymentEvent.reverses_id).where(PaymentEvent.reverses_id.is_not(None))
    paid = (
        select(PaymentEvent.line_id)
        .where(PaymentEvent.kind == PaymentEventKind.PAID, PaymentEvent.id.not_in(undone))
        .group_by(PaymentEvent.line_id)
        .having(func.count() > 1)
    )
    found = []
    for line in session.scalars(
        select(PaymentLine).where(PaymentLine.id.in_(paid)).order_by(PaymentLine.transaction_number)
    ):
        events = session.execute(
            select(PaymentEvent.device_code, User.username, PaymentEvent.occurred_at)
            .outerjoin(User, User.id == PaymentEvent.recorded_by_id)
            .where(
                PaymentEvent.line_id == line.id,
                PaymentEvent.kind == PaymentEventKind.PAID,
                PaymentEvent.id.not_in(undone),
            )
            .order_by(PaymentEvent.occurred_at)
        ).all()
        found.append(
            PaidTwice(
                line.transaction_number, line.household_code, line.recipient_name, line.amount_minor,
                tuple(PaidEvent(d, u or "?", at) for d, u, at in events),
            )
        )  # fmt: skip
    return found


def _mapping_of(table: str) -> Mapping:
    return next(m for m in MAPPINGS.values() if m.model.__tablename__ == table)


def resolve_conflict(
    session: Session, actor: Actor, conflict_id: uuid.UUID, *, choices: dict[str, str]
) -> None:
    """Apply the choice for every field; the record then goes to the server with the next sync."""
    actor.require(Permission.RESOLVE_CONFLICTS)
    conflict = session.get(SyncConflict, conflict_id)
    if conflict is None or conflict.resolved_at is not None:
        raise NotFound(_("This conflict was resolved already."))
    missing = [f for f in conflict.fields if choices.get(f) not in (HERE, SERVER)]
    if missing:
        raise ValidationError(
            _("Choose this device's value or the server's for: {fields}.").format(
                fields=", ".join(_label(f) for f in missing)
            ),
            field=missing[0],
        )
    mapping = _mapping_of(conflict.table_name)
    row = session.get(mapping.model, conflict.resource_id)
    if row is None:
        raise NotFound(_("The record of this conflict is no longer on this device."))
    server = values_of(mapping, loads(conflict.remote["__resource__"]), local.minor_units(session))
    taken = {name: server.get(name) for name in conflict.fields if choices[name] == SERVER}
    if taken:
        write(session, mapping, row, {"id": row.id, **taken}, version=None)
    row.dirty = True  # the chosen values go to the server, whichever side they came from
    conflict.resolved_at = datetime.now(UTC)
    conflict.resolved_by_id = actor.user_id
    conflict.resolution = ",".join(f"{name}={choices[name]}" for name in conflict.fields)
    audit.record(
        session,
        actor,
        action="sync.conflict_resolved",
        entity_type=conflict.table_name,
        entity_id=conflict.resource_id,
        summary=_("Conflict resolved: {choices}").format(choices=conflict.resolution),
        before={
            "here": conflict.local,
            "server": {k: v for k, v in conflict.remote.items() if k != "__resource__"},
        },
        after={"choices": dict(choices)},
    )
