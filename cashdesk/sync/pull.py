"""Pulling what changed on the server since this device's cursor, page by page, oldest first.

Each page is stored in one local transaction with the cursor it ends at, so a sync cut off (power,
network, Cancel) resumes at the page it was on and nothing is applied twice. A record this device has
not changed takes the server's version. One changed here too is merged field by field against the
version both started from (read from the server before the page's transaction begins): fields changed
on one side only merge by themselves; fields changed on both go to the Conflicts screen.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine, insert, select, text
from sqlalchemy.orm import Session

from cashdesk.models import Base, Household, Member, SyncConflict, SyncCursor, User
from cashdesk.registry import duplicates, search
from cashdesk.sync import local, scheme_settings, withdrawal
from cashdesk.sync.connection import Refused, ServerConnection
from cashdesk.sync.mapping import BOOKKEEPING, MAPPINGS, Mapping, Resource, dumps, mapping_for
from cashdesk.sync.merge import three_way
from cashdesk.sync.records import ensure_users, keep_usernames_unique, local_values, values_of, write

PAGE = 1000  # versions per page: fewer round trips; one page is one local transaction of a few seconds
ALL = "*"  # the one cursor: the server's whole history as this user may see it


@dataclass
class PullReport:
    pulled: int = 0
    merged: int = 0
    conflicts: int = 0
    skipped: int = 0  # resources of a kind this version of CashDesk does not keep
    withdrawn: int = 0  # households that moved to a district this device does not serve


def cursor_of(session: Session) -> str:
    row = session.get(SyncCursor, ALL)
    return row.cursor if row and row.cursor else "0"


def pull(
    engine: Engine,
    server: ServerConnection,
    *,
    progress: Callable[[str], None],
    abort: Callable[[], bool],
) -> PullReport:
    report = PullReport()
    while not abort():
        with local.transaction(engine) as session:
            cursor = cursor_of(session)
        answer = server.get("_history", {"_cursor": cursor, "_count": str(PAGE), "_others": "1"})
        entries = list(answer.body.get("entry") or [])
        following = _next_cursor(answer.body) or cursor
        bases = _bases_needed(engine, server, entries)
        with local.transaction(engine) as session:
            apply_page(session, entries, bases, report)
            session.merge(SyncCursor(resource_type=ALL, cursor=following))
        report.pulled += len(entries)
        progress(f"{report.pulled:,}")
        if len(entries) < PAGE:
            break
    return report


def _next_cursor(bundle: dict[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if link.get("relation") == "next":
            values = parse_qs(urlsplit(str(link.get("url", ""))).query).get("_cursor")
            return values[0] if values else None
    return None


def _version(resource: Resource) -> int:
    return int(str((resource.get("meta") or {}).get("versionId", "0")))


def _bases_needed(
    engine: Engine, server: ServerConnection, entries: list[dict[str, Any]]
) -> dict[str, Resource]:
    """The versions dirty local records started from, read before the page's transaction (network).
    Only the page's records changed here are looked for: one query per table."""
    by_model: dict[Any, dict[uuid.UUID, Resource]] = {}
    for entry in entries:
        resource = entry.get("resource")
        try:
            mapping = mapping_for(resource) if resource else None
        except ValueError:
            mapping = None
        if mapping is not None and resource:
            by_model.setdefault(mapping.model, {})[uuid.UUID(str(resource["id"]))] = resource
    wanted: list[tuple[str, str]] = []
    with local.transaction(engine) as session:
        for model, resources in by_model.items():
            ids = list(resources)
            for start in range(0, len(ids), 900):
                for rid, known in session.execute(
                    select(model.id, model.server_version).where(
                        model.id.in_(ids[start : start + 900]), model.dirty.is_(True)
                    )
                ):
                    resource = resources[rid]
                    if known and int(known) < _version(resource):
                        wanted.append((f"{resource['resourceType']}/{resource['id']}", known))
    bases: dict[str, Resource] = {}
    for path, version in wanted:
        try:
            bases[path] = server.get(f"{path}/_history/{version}").body
        except Refused:
            continue  # that version is gone (or out of reach): merged without a base, all differences asked
    return bases


def apply_page(
    session: Session, entries: list[dict[str, Any]], bases: dict[str, Resource], report: PullReport
) -> None:
    """One page in the caller's transaction. Records new here (all of them on a first sync) are inserted
    in bulk, a table at a time in the mapping's order; the others one by one, as they may need merging.
    The people touched are indexed for search and the duplicate check, as the registry's own writes are."""
    session.execute(text("PRAGMA defer_foreign_keys = ON"))  # a page may hold a child before its parent
    units = local.minor_units(session)
    decoded: list[tuple[Mapping, Resource, int, dict[str, Any]]] = []
    notices: list[withdrawal.MovedOut] = []
    for entry in entries:
        notice = withdrawal.moved_out(entry)
        if notice is not None:
            notices.append(notice)
            continue
        resource = entry.get("resource")
        if resource and scheme_settings.is_settings(resource):
            scheme_settings.apply(session, resource)
            continue
        try:
            mapping = mapping_for(resource) if resource else None
        except ValueError:
            mapping = None
        if mapping is None or not resource:
            report.skipped += 1  # another system's deletion (devices push tombstones), or a kind not kept
            continue
        decoded.append((mapping, resource, _version(resource), values_of(mapping, resource, units)))
    present = _present(session, decoded)
    fresh: dict[Mapping, dict[uuid.UUID, dict[str, Any]]] = {}
    for mapping, _resource, version, remote in decoded:
        if (mapping.model, remote["id"]) not in present:  # the latest version on the page wins
            fresh.setdefault(mapping, {})[remote["id"]] = remote | {"__version__": version}
    # The new rows first: a known record may now name one (a user's places, a pay point's clerks).
    _insert_fresh(session, fresh)
    for mapping, resource, version, remote in decoded:
        key = (mapping.model, remote["id"])
        if key in present:
            _apply(session, mapping, present[key], resource, version, remote, bases, units, report)
    _index_people(session, decoded)
    # After the page's records: a household that moved out and back within one page comes back.
    report.withdrawn += withdrawal.withdraw(session, notices)


def _present(
    session: Session, decoded: list[tuple[Mapping, Resource, int, dict[str, Any]]]
) -> dict[Any, Any]:
    wanted: dict[Any, set[uuid.UUID]] = {}
    for mapping, _resource, _v, remote in decoded:
        wanted.setdefault(mapping.model, set()).add(remote["id"])
    found: dict[Any, Any] = {}
    for model, ids in wanted.items():
        listed = list(ids)
        for start in range(0, len(listed), 900):  # SQLite's limit on bound parameters
            for row in session.scalars(select(model).where(model.id.in_(listed[start : start + 900]))):
                found[(model, row.id)] = row
    return found


def _insert_fresh(session: Session, fresh: dict[Mapping, dict[uuid.UUID, dict[str, Any]]]) -> None:
    now = datetime.now(UTC)
    children: dict[str, list[dict[str, Any]]] = {}
    for mapping in MAPPINGS.values():  # parents' tables first
        records = fresh.get(mapping)
        if not records:
            continue
        table = mapping.model.__table__
        columns = set(table.columns.keys()) - BOOKKEEPING - set(mapping.local_only) - {"id"}
        rows = []
        for values in records.values():
            row = {k: v for k, v in values.items() if k in columns}
            rows.append(row | {"id": values["id"], "version": 1, "server_version": str(values["__version__"]),
                               "dirty": False, "updated_at": now})  # fmt: skip
            for key, child_rows in values.items():
                if key.startswith("children:"):
                    children.setdefault(key[9:], []).extend(child_rows)
        ensure_users(session, table, rows)
        if mapping.model is User:
            keep_usernames_unique(session, rows)
        session.execute(insert(table), rows)
    for name, child_rows in children.items():
        table = Base.metadata.tables[name]
        ensure_users(session, table, child_rows)
        if child_rows:
            session.execute(insert(table), child_rows)


def _index_people(session: Session, decoded: list[tuple[Mapping, Resource, int, dict[str, Any]]]) -> None:
    households = {v["id"] for m, _r, _v, v in decoded if m.model is Household}
    households |= {
        v["household_id"] for m, _r, _v, v in decoded if m.model is Member and v.get("household_id")
    }
    members = [v["id"] for m, _r, _v, v in decoded if m.model is Member]
    if households:
        session.flush()
        search.index_households(session, households)
    if members:
        duplicates.store_keys(session, duplicates.load_people(session, members))


def _apply(  # noqa: PLR0917 (one record of a page, with what the page worked out for it)
    session: Session,
    mapping: Mapping,
    row: Any,
    resource: Resource,
    version: int,
    remote: dict[str, Any],
    bases: dict[str, Resource],
    units: int,
    report: PullReport,
) -> None:
    if not row.dirty:
        if row.server_version and int(row.server_version) >= version:
            return  # this device's own push coming back, or older than what it holds
        write(session, mapping, row, remote, version=str(version)).dirty = False
        return
    if row.server_version and int(row.server_version) >= version:
        return
    base_resource = bases.get(f"{resource['resourceType']}/{resource['id']}")
    base = values_of(mapping, base_resource, units) if base_resource else None
    mine = local_values(session, mapping, row, units)
    merged = three_way(base, mine, remote)
    row = write(session, mapping, row, merged.values, version=str(version))
    row.dirty = merged.needs_push or bool(merged.conflicts)
    report.merged += 1
    if merged.conflicts:
        record_conflict(session, mapping, row, resource, merged.conflicts)
        report.conflicts += 1


def _shown(value: Any) -> Any:
    """A value as the Conflicts screen shows it (JSON-ready)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, list):
        return [_shown(v) for v in value]
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    return str(getattr(value, "value", value))


def record_conflict(
    session: Session,
    mapping: Mapping,
    row: Any,
    resource: Resource,
    conflicts: dict[str, tuple[Any, Any, Any]],
) -> None:
    meta = resource.get("meta") or {}
    source = str(meta.get("source", ""))
    author = source.rsplit(":user:", 1)[-1] if ":user:" in source else source
    device = source.split(":device:", 1)[-1].split(":", 1)[0] if ":device:" in source else ""
    changed = meta.get("lastUpdated")
    for old in session.query(SyncConflict).filter(
        SyncConflict.resource_id == row.id, SyncConflict.resolved_at.is_(None)
    ):
        old.resolved_at, old.resolution = datetime.now().astimezone(), "superseded"
    session.add(
        SyncConflict(
            resource_type=mapping.resource_type,
            resource_id=row.id,
            table_name=mapping.model.__tablename__,
            fields=sorted(conflicts),
            base={k: _shown(v[0]) for k, v in conflicts.items()},
            local={k: _shown(v[1]) for k, v in conflicts.items()},
            remote={k: _shown(v[2]) for k, v in conflicts.items()} | {"__resource__": dumps(resource)},
            remote_version=str(_version(resource)),
            remote_author=f"{author} ({device})" if device else author,
            remote_changed_at=datetime.fromisoformat(str(changed)) if changed else None,
            local_changed_at=row.updated_at,
        )
    )
