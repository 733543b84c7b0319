"""The audit trail: who did what, when, on which record, with the values before and after.

Entries form a hash chain. Each entry's hash covers the previous entry's hash and its own fields,
so editing, inserting or deleting any entry (with a key and a hex editor) breaks the chain from
that point on, and `verify_chain` names the first broken entry.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from cashdesk.core.database import note_changed
from cashdesk.models.base import utcnow
from cashdesk.models.security import AuditEntry
from cashdesk.security.permissions import Actor, Permission

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    """JSON-safe form of a column value, identical each time it is computed."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: object, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The column values of an ORM object, for before/after."""
    table = obj.__table__  # type: ignore[attr-defined]
    skip = {"version", "server_version", "updated_at", "created_at", "dirty", *exclude}
    return {c.key: _plain(getattr(obj, c.key)) for c in table.columns if c.key not in skip}


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "seq": entry.seq,
            "at": entry.at.isoformat(),
            "user_id": str(entry.user_id) if entry.user_id else None,
            "username": entry.username,
            "action": entry.action,
            "entity_type": entry.entity_type,
            "entity_id": entry.entity_id,
            "summary": entry.summary,
            "before": entry.before,
            "after": entry.after,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(
    session: Session,
    actor: Actor | None,
    *,
    action: str,
    entity_type: str,
    entity_id: object = None,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    username: str | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (so it is saved exactly when the change is).

    The write transaction is BEGIN IMMEDIATE, so no other writer can append between reading the
    last hash and inserting this entry.
    """
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    prev_hash = last.hash if last else GENESIS
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        at=utcnow(),
        user_id=actor.user_id if actor else None,
        username=actor.username if actor else (username or "system"),
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id) if entity_id is not None else None,
        summary=summary,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        prev_hash=prev_hash,
    )
    entry.hash = _digest(prev_hash, entry)
    session.add(entry)
    session.flush()
    note_changed(session, AuditEntry.__tablename__)
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_seq: int | None
    reason: str

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(session: Session, actor: Actor) -> ChainReport:
    actor.require(Permission.READ_AUDIT)
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    rows = session.execute(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000))
    for entry in rows.scalars():
        if entry.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_hash != prev_hash:
            return ChainReport(checked, entry.seq, "it does not point to the entry before it")
        if _digest(prev_hash, entry) != entry.hash:
            return ChainReport(checked, entry.seq, "its contents were changed after it was written")
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    return ChainReport(checked, None, "")


# --- reading the trail ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    username: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime
    username: str
    action: str
    entity_type: str
    entity_id: str | None
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _filtered(query: Select[Any], flt: AuditFilter) -> Select[Any]:
    if flt.username:
        query = query.where(AuditEntry.username == flt.username)
    if flt.action:
        query = query.where(AuditEntry.action == flt.action)
    if flt.entity_type:
        query = query.where(AuditEntry.entity_type == flt.entity_type)
    if flt.entity_id:
        query = query.where(AuditEntry.entity_id == flt.entity_id)
    if flt.since:
        query = query.where(AuditEntry.at >= flt.since)
    if flt.until:
        query = query.where(AuditEntry.at < flt.until)
    if flt.text:
        like = f"%{flt.text}%"
        query = query.where(or_(AuditEntry.summary.ilike(like), AuditEntry.entity_id.ilike(like)))
    return query


def count_entries(session: Session, actor: Actor, flt: AuditFilter) -> int:
    actor.require(Permission.READ_AUDIT)
    return int(session.execute(_filtered(select(func.count()).select_from(AuditEntry), flt)).scalar_one())


def list_entries(
    session: Session, actor: Actor, flt: AuditFilter, *, offset: int = 0, limit: int = 200
) -> list[AuditRow]:
    """Newest first, one page at a time."""
    actor.require(Permission.READ_AUDIT)
    query = _filtered(select(AuditEntry), flt).order_by(AuditEntry.seq.desc()).offset(offset).limit(limit)
    return [
        AuditRow(e.seq, e.at, e.username, e.action, e.entity_type, e.entity_id, e.summary, e.before, e.after)
        for e in session.execute(query).scalars()
    ]


def distinct_values(session: Session, actor: Actor) -> dict[str, list[str]]:
    """Choices for the filter boxes."""
    actor.require(Permission.READ_AUDIT)
    return {
        "username": list(
            session.execute(select(AuditEntry.username).distinct().order_by(AuditEntry.username)).scalars()
        ),
        "action": list(
            session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action)).scalars()
        ),
        "entity_type": list(
            session.execute(
                select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)
            ).scalars()
        ),
    }


def iter_all(session: Session, actor: Actor, flt: AuditFilter) -> Iterator[AuditRow]:
    offset = 0
    while page := list_entries(session, actor, flt, offset=offset, limit=1000):
        yield from page
        offset += len(page)
