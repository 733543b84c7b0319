"""Pushing this device's changes: dirty records and tombstones, as transaction bundles of PUTs.

A bundle is written to sync_pending before it is sent and removed only once its answer is stored, so a
lost answer, a timeout or a power cut ends with the same bundle (same id) sent again; the server applies
it once and answers as the first time. Updates carry `ifMatch` with the version this device started
from: when the server has moved on (412) the bundle is dropped unapplied, the caller pulls and merges,
and the records go again. A record the server refuses (invalid, or outside the user's places) is set
aside with the reason until it is edited, so that it never blocks the others.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, bindparam, case, func, select, update
from sqlalchemy.orm import Session

from cashdesk.models import SyncConflict, SyncPending, SyncRefusal
from cashdesk.models.keys import uuid7
from cashdesk.sync import local
from cashdesk.sync.connection import Refused, ServerConnection
from cashdesk.sync.mapping import MAPPINGS, Mapping, dumps

BATCH = 200  # records per bundle: a page a slow line carries in seconds, small enough to resend


@dataclass
class PushReport:
    pushed: int = 0
    bundles: int = 0
    stale: bool = False  # the server had newer versions: pull, then push again
    refused: list[str] = field(default_factory=list)


def held_back(session: Session) -> set[tuple[str, uuid.UUID]]:
    """Records not to push now: those in an unresolved conflict, and those refused at their version."""
    held = {
        (table, rid)
        for table, rid in session.execute(
            select(SyncConflict.table_name, SyncConflict.resource_id).where(
                SyncConflict.resolved_at.is_(None)
            )
        )
    }
    for refusal in session.scalars(select(SyncRefusal)):
        model = _model_of_table(refusal.table_name)
        row = session.get(model, refusal.row_id) if model else None
        if row is not None and row.version == refusal.version:
            held.add((refusal.table_name, refusal.row_id))
    return held


def _model_of_table(table: str) -> Any:
    return next((m.model for m in MAPPINGS.values() if m.model.__tablename__ == table), None)


def _entry(mapping: Mapping, row: Any, resource: dict[str, Any], base_url: str) -> dict[str, Any]:
    url = f"{mapping.resource_type}/{row.id}"
    request: dict[str, Any] = {"method": "PUT", "url": url}
    if row.server_version:
        request["ifMatch"] = f'W/"{row.server_version}"'
    return {"fullUrl": f"{base_url}/{url}", "resource": resource, "request": request}


WALK_BY_ID_FROM = 20_000  # dirty records of a table from which walking its ids beats sorting them


def _dirty_rows(session: Session, model: Any) -> Any:
    """The condition for the table's dirty records, shaped for how many there are. A few (a later sync):
    found by the dirty index and sorted. Very many (a first push): coalesce() keeps SQLite off that index,
    which would sort every one of them for each bundle, and the ids are walked in their own index."""
    many = session.execute(
        select(func.count()).select_from(
            select(model.id).where(model.dirty.is_(True)).limit(WALK_BY_ID_FROM).subquery()
        )
    ).scalar_one()
    return func.coalesce(model.dirty, False).is_(True) if many >= WALK_BY_ID_FROM else model.dirty.is_(True)


def prepare_bundle(
    session: Session, base_url: str, after: dict[str, uuid.UUID] | None = None
) -> SyncPending | None:
    """The next bundle of dirty records (in the mapping's order: places before the people in them),
    written down as pending; None when nothing waits.

    `after` remembers, per table, the last id put in a bundle of this run, so each bundle starts where the
    previous one stopped: ids are time-ordered (UUID7) and walked by their index, never sorted again (a
    first push of 500,000 records would otherwise sort them all for each bundle)."""
    held = held_back(session)
    after = after if after is not None else {}
    entries: list[dict[str, Any]] = []
    rows: list[list[Any]] = []
    for mapping in MAPPINGS.values():
        model = mapping.model
        wanted = BATCH - len(entries)
        query = select(model).where(_dirty_rows(session, model)).order_by(model.id).limit(wanted + len(held))
        if model.__tablename__ in after:
            query = query.where(model.id > after[model.__tablename__])
        chosen = [row for row in session.scalars(query) if (model.__tablename__, row.id) not in held][:wanted]
        if chosen:
            after[model.__tablename__] = chosen[-1].id
        for row, resource in zip(chosen, mapping.read_many(session, chosen), strict=True):
            entries.append(_entry(mapping, row, resource, base_url))
            rows.append([model.__tablename__, str(row.id), row.version])
        if len(entries) >= BATCH:
            break
    if not entries:
        return None
    bundle_id = f"{local.device_code(session)}-{uuid7()}"
    body = dumps({"resourceType": "Bundle", "id": bundle_id, "type": "transaction", "entry": entries})
    pending = SyncPending(bundle_id=bundle_id, body=body, rows=rows, attempts=0, last_error="")
    session.add(pending)
    return pending


def send_pending(
    engine: Engine, server: ServerConnection, report: PushReport, abort: Callable[[], bool]
) -> None:
    """Send every pending bundle, oldest first, and store each answer. Network errors propagate (the
    bundle stays pending); a refusal is stored and the bundle dropped."""
    while not abort():
        with local.transaction(engine) as session:
            pending = session.scalars(select(SyncPending).order_by(SyncPending.created_at).limit(1)).first()
            if pending is None:
                return
            pending.attempts += 1
            bundle_id, body, rows = pending.bundle_id, pending.body, list(pending.rows)
        try:
            answer = server.transaction(body)
        except Refused as refusal:
            with local.transaction(engine) as session:
                _refused(session, bundle_id, rows, refusal, report)
            if refusal.status == 412:
                return
            continue
        except Exception as exc:
            with local.transaction(engine) as session:
                still = session.get(SyncPending, bundle_id)
                if still is not None:
                    still.last_error = str(exc)
            raise
        with local.transaction(engine) as session:
            _answered(session, bundle_id, rows, answer.body)
        report.bundles += 1
        report.pushed += len(rows)


def _answered(session: Session, bundle_id: str, rows: list[list[Any]], response: dict[str, Any]) -> None:
    """Each record's server version from the answer, in one statement per table; a record edited again
    while the bundle travelled (its version moved on) stays to push."""
    by_table: dict[str, list[dict[str, Any]]] = {}
    for (table, rid, version), entry in zip(rows, response.get("entry") or [], strict=False):
        etag = str((entry or {}).get("response", {}).get("etag", "")).removeprefix("W/").strip('"')
        if etag:
            by_table.setdefault(table, []).append(
                {"b_id": uuid.UUID(rid), "b_version": version, "b_server": etag}
            )
    for table, updates in by_table.items():
        model = _model_of_table(table)
        if model is None:
            continue
        t = model.__table__
        session.execute(
            update(t)
            .where(t.c.id == bindparam("b_id"))
            .values(
                server_version=bindparam("b_server"),
                dirty=case((t.c.version == bindparam("b_version"), False), else_=t.c.dirty),
            ),
            updates,
        )
    pending = session.get(SyncPending, bundle_id)
    if pending is not None:
        session.delete(pending)


def _refused(
    session: Session, bundle_id: str, rows: list[list[Any]], refusal: Refused, report: PushReport
) -> None:
    pending = session.get(SyncPending, bundle_id)
    if pending is not None:
        session.delete(pending)  # the server applied none of it: all or nothing
    if refusal.status == 412:
        report.stale = True
        return
    blamed = [rows[refusal.entry]] if refusal.entry is not None and refusal.entry < len(rows) else rows
    for table, rid, version in blamed:
        session.merge(
            SyncRefusal(table_name=table, row_id=uuid.UUID(rid), version=version, reason=refusal.message)
        )
        report.refused.append(f"{table} {rid}: {refusal.message}")
