"""Reading and writing FHIR resources on the central server: read, vread, search, history, versioned
writes and all-or-nothing transaction bundles.

Every function takes a Connection inside a transaction the caller opened (app.py opens one per request)
and the Caller it acts for, whose locations limit what it sees and writes. Errors are FhirError with the
HTTP status and the OperationOutcome issue code to answer with.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError as ModelError
from sqlalchemy import Connection, bindparam, delete, false, func, insert, or_, select, text, true, update
from sqlalchemy.sql.elements import ColumnElement

from cashdesk.central.accounts import WRITERS, Caller, instant
from cashdesk.central.schema import bundles, identifiers, resources, versions
from cashdesk.sync.mapping import dumps, loads, location_path_of
from cashdesk.sync.mapping.urls import MOVED_OUT
from cashdesk.sync.mapping.wire import StoredJSON

# What the server stores: the resources of docs/fhir.md. Anything else is refused rather than kept
# where no device would look for it.
RESOURCE_TYPES = (
    "Patient", "Group", "Location", "Organization", "InsurancePlan", "Coverage", "PaymentReconciliation",
    "Invoice", "PaymentNotice", "Linkage", "Provenance", "AuditEvent", "Basic", "Practitioner",
)  # fmt: skip
# Places, providers, plans and staff are the scheme's, not anyone's personal data: every user sees them
# (an officer's device needs the region above its district, a pay point its clerks), whatever place
# they are tagged with.
SCHEME_WIDE = frozenset({"Location", "Organization", "InsurancePlan", "Basic", "Practitioner"})
# (Basic: payment cycles and the scheme's settings)
DEFAULT_COUNT = 100
MAX_COUNT = 1000
WRITE_LOCK = 7_340_417  # PostgreSQL advisory lock key of every write transaction (see schema.py)


class FhirError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def outcome(code: str, message: str, severity: str = "error") -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message}],
    }


@dataclass(frozen=True)
class Stored:
    type: str
    id: str
    version_id: int
    last_updated: str
    deleted: bool
    content: dict[str, Any] | None

    @property
    def etag(self) -> str:
        return f'W/"{self.version_id}"'


def lock_for_writing(conn: Connection) -> None:
    """One writer at a time, so history sequence numbers become visible in order (schema.py)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})


def known_type(type_: str) -> str:
    if type_ not in RESOURCE_TYPES:
        raise FhirError(404, "not-supported", f"This server does not store {type_} resources.")
    return type_


def _visible(caller: Caller, column: Any) -> ColumnElement[bool]:
    """SQL for "the caller may see a row whose location path is `column`"."""
    if caller.everywhere:
        return true()
    return or_(
        column.is_(None),
        *(column.startswith(path, autoescape=True) for path in caller.locations),  # "/D01/" is not "/D011/"
    )


# --- reading -----------------------------------------------------------------------------------------


def read(conn: Connection, caller: Caller, type_: str, id_: str) -> Stored:
    row = conn.execute(
        select(resources).where(resources.c.type == known_type(type_), resources.c.id == id_)
    ).first()
    if row is None or not caller.sees(row.location_path):
        raise FhirError(404, "not-found", f"{type_}/{id_} is not known.")
    if row.deleted:
        raise FhirError(410, "deleted", f"{type_}/{id_} was deleted.")
    return Stored(type_, id_, row.version_id, row.last_updated, False, loads(row.content))


def vread(conn: Connection, caller: Caller, type_: str, id_: str, version_id: str) -> Stored:
    if not version_id.isdigit():
        raise FhirError(404, "not-found", f"{type_}/{id_} has no version {version_id}.")
    row = conn.execute(
        select(versions).where(
            versions.c.type == known_type(type_),
            versions.c.id == id_,
            versions.c.version_id == int(version_id),
        )
    ).first()
    if row is None or not caller.sees(row.location_path):
        raise FhirError(404, "not-found", f"{type_}/{id_} has no version {version_id}.")
    if row.deleted:
        raise FhirError(410, "deleted", f"Version {version_id} of {type_}/{id_} is its deletion.")
    return Stored(type_, id_, row.version_id, row.last_updated, False, loads(row.content))


def _count(params: Mapping[str, str]) -> int:
    raw = params.get("_count", str(DEFAULT_COUNT))
    if not raw.isdigit():
        raise FhirError(400, "invalid", f"_count must be a whole number, not {raw!r}.")
    return max(0, min(int(raw), MAX_COUNT))


def _offset(params: Mapping[str, str]) -> int:
    raw = params.get("_offset", "0")
    if not raw.isdigit():
        raise FhirError(400, "invalid", f"_offset must be a whole number, not {raw!r}.")
    return int(raw)


def _instant_param(name: str, raw: str) -> str:
    try:
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise FhirError(
            400, "invalid", f"{name} is not an instant: {raw!r} (e.g. 2026-03-01T08:00:00Z)."
        ) from None
    if at.tzinfo is None:
        raise FhirError(400, "invalid", f"{name} needs a time zone: {raw!r}.")
    return instant(at)


_PREFIXES = {"gt": "__gt__", "ge": "__ge__", "lt": "__lt__", "le": "__le__", "eq": "__eq__"}


def search(
    conn: Connection, caller: Caller, type_: str, params: Mapping[str, str], base: str
) -> dict[str, Any]:
    """A searchset: by `_id`, `identifier` ([system|]value) and `_lastUpdated` (with gt/ge/lt/le/eq)."""
    known = {"_id", "identifier", "_lastUpdated", "_count", "_offset", "_format"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise FhirError(400, "not-supported", f"Unknown search parameter(s): {', '.join(unknown)}.")
    where = [
        resources.c.type == known_type(type_),
        ~resources.c.deleted,
        _visible(caller, resources.c.location_path),
    ]
    if "_id" in params:
        where.append(resources.c.id.in_(params["_id"].split(",")))
    if "identifier" in params:
        system, _bar, value = params["identifier"].rpartition("|")
        match = select(identifiers.c.id).where(identifiers.c.type == type_, identifiers.c.value == value)
        if system:
            match = match.where(identifiers.c.system == system)
        where.append(resources.c.id.in_(match))
    if "_lastUpdated" in params:
        raw = params["_lastUpdated"]
        op = raw[:2] if raw[:2] in _PREFIXES else "eq"
        value = _instant_param("_lastUpdated", raw[2:] if raw[:2] in _PREFIXES else raw)
        where.append(getattr(resources.c.last_updated, _PREFIXES[op])(value))
    count, offset = _count(params), _offset(params)
    total = conn.execute(select(func.count()).select_from(resources).where(*where)).scalar_one()
    rows = conn.execute(
        select(resources.c.id, resources.c.content)
        .where(*where)
        .order_by(resources.c.last_updated, resources.c.id)
        .limit(count)
        .offset(offset)
    ).all()
    entries = [
        {
            "fullUrl": f"{base}/{type_}/{row.id}",
            "resource": StoredJSON(row.content),  # a page of them is not read and written again
            "search": {"mode": "match"},
        }
        for row in rows
    ]
    links = [{"relation": "self", "url": _link(base, type_, params, offset)}]
    if offset + count < total:
        links.append({"relation": "next", "url": _link(base, type_, params, offset + count)})
    return {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links, "entry": entries}


def _link(base: str, path: str, params: Mapping[str, str], offset: int) -> str:
    from urllib.parse import urlencode

    query = {k: v for k, v in params.items() if k != "_offset"} | {"_offset": str(offset)}
    return f"{base}/{path}?{urlencode(query)}" if path else f"{base}?{urlencode(query)}"


def history(
    conn: Connection,
    caller: Caller,
    params: Mapping[str, str],
    base: str,
    *,
    type_: str | None = None,
    id_: str | None = None,
) -> dict[str, Any]:
    """A history bundle, system-, type- or instance-level.

    Two ways to page. `_since` (FHIR's): versions at or after an instant, newest first, pages by `_offset`.
    `_cursor` (the sync client's): versions after a sequence number, oldest first, so that a device
    applies them in the order they were written; the `next` link carries the cursor to store, and is
    there on every page, the last one included (a page shorter than `_count` is the last). The cursor
    is the server's own count, so the laptop's clock never matters."""
    known = {"_since", "_cursor", "_others", "_count", "_offset", "_format"}
    unknown = sorted(set(params) - known)
    if unknown:
        raise FhirError(400, "not-supported", f"Unknown history parameter(s): {', '.join(unknown)}.")
    where = [_visible(caller, versions.c.location_path)]
    if "_cursor" in params:  # a device also learns what moved out of its places, to withdraw its copy
        where = [or_(where[0], _left(caller, versions.c.moved_from))]
    if type_ is not None:
        where.append(versions.c.type == known_type(type_))
    if id_ is not None:
        where.append(versions.c.id == id_)
    count = _count(params)
    path = "/".join(p for p in (type_, id_, "_history") if p)
    query = select(versions).where(*where).limit(count)
    if "_cursor" in params:
        raw = params["_cursor"]
        if not raw.isdigit():
            raise FhirError(400, "invalid", f"_cursor must be the number a next link gave, not {raw!r}.")
        others = params.get("_others") == "1"
        newest = conn.execute(select(func.max(versions.c.seq))).scalar_one() or 0
        if (
            others
        ):  # a device needs not receive back what it wrote: it has it, and the versions its answers gave
            query = query.where(versions.c.device != caller.device)
        rows = conn.execute(query.where(versions.c.seq > int(raw)).order_by(versions.c.seq)).all()
        # A short page is the last: everything up to the newest version was considered, the skipped too.
        # `newest` is read first: writers hold one lock and take sequence numbers in commit order, so every
        # version up to it is visible to the query after it (which may also see later ones, on PostgreSQL).
        last = rows[-1].seq if rows else int(raw)
        cursor = last if len(rows) == count else max(last, newest)
        again = "&_others=1" if others else ""
        links = [{"relation": "next", "url": f"{base}/{path}?_cursor={cursor}&_count={count}{again}"}]
    else:
        if "_since" in params:
            where.append(versions.c.last_updated >= _instant_param("_since", params["_since"]))
        offset = _offset(params)
        rows = conn.execute(
            select(versions).where(*where).order_by(versions.c.seq.desc()).limit(count).offset(offset)
        ).all()
        links = [{"relation": "self", "url": _link(base, path, params, offset)}]
        if len(rows) == count:
            links.append({"relation": "next", "url": _link(base, path, params, offset + count)})
    return {
        "resourceType": "Bundle",
        "type": "history",
        "total": len(rows),
        "link": links,
        "entry": [
            _history_entry(base, row) if caller.sees(row.location_path) else _moved_out_entry(base, row)
            for row in rows
        ],
    }


def _left(caller: Caller, column: Any) -> ColumnElement[bool]:
    """SQL for "the row left one of the caller's places" (`column` is where it was before)."""
    if caller.everywhere:
        return false()  # nothing ever leaves the whole scheme
    return or_(*(column.startswith(path, autoescape=True) for path in caller.locations))


def _moved_out_entry(base: str, row: Any) -> dict[str, Any]:
    """The version that moved a resource out of the caller's places, as the caller may see it: without
    the resource (it is no longer theirs to read), marked so that the device withdraws its copy. For the
    caller the resource is gone, hence a DELETE: a client that does not know the extension removes it."""
    url = f"{row.type}/{row.id}"
    return {
        "fullUrl": f"{base}/{url}",
        "extension": [{"url": MOVED_OUT, "valueBoolean": True}],
        "request": {"method": "DELETE", "url": url},
        "response": {"status": "200", "etag": f'W/"{row.version_id}"', "lastModified": row.last_updated},
    }


def _history_entry(base: str, row: Any) -> dict[str, Any]:
    url = f"{row.type}/{row.id}"
    entry: dict[str, Any] = {
        "fullUrl": f"{base}/{url}",
        "request": {"method": row.method, "url": url if row.method != "POST" else row.type},
        "response": {
            "status": "204" if row.deleted else ("201" if row.version_id == 1 else "200"),
            "etag": f'W/"{row.version_id}"',
            "lastModified": row.last_updated,
        },
    }
    if row.content is not None:  # a deletion is an entry without a resource (FHIR R4 history)
        entry["resource"] = StoredJSON(row.content)
    return entry


# --- writing -----------------------------------------------------------------------------------------


# The resources of the request being handled that were found valid before its transaction began (their
# object ids: the request's body is alive until the answer), so that the slow part of a write (FHIR
# validation, most of a bundle's time) runs outside the write lock: on PostgreSQL two server processes
# then validate at once instead of one after the other.
_VALID: ContextVar[frozenset[int]] = ContextVar("valid_resources", default=frozenset())


@contextmanager
def validated_beforehand(payload: Any) -> Iterator[None]:
    """Validate the resources of a request body (one resource or a bundle's) before the transaction.
    A resource found invalid is left for _checked, which words the error with its entry."""
    candidates = [payload]
    if isinstance(payload, dict) and payload.get("resourceType") == "Bundle":
        candidates = [e.get("resource") for e in payload.get("entry") or [] if isinstance(e, dict)]
    valid = set()
    for resource in candidates:
        if isinstance(resource, dict) and resource.get("resourceType") in RESOURCE_TYPES:
            try:
                get_fhir_model_class(resource["resourceType"]).model_validate(resource)
            except (ModelError, ValueError, TypeError):
                continue
            valid.add(id(resource))
    token = _VALID.set(frozenset(valid))
    try:
        yield
    finally:
        _VALID.reset(token)


def _checked(type_: str, id_: str, resource: Any) -> dict[str, Any]:
    if not isinstance(resource, dict):
        raise FhirError(400, "structure", "The body is not a FHIR resource (a JSON object).")
    if resource.get("resourceType") != type_:
        raise FhirError(400, "invalid", f"The body is a {resource.get('resourceType')!r}, not a {type_}.")
    if resource.get("id", id_) != id_:
        raise FhirError(400, "invalid", f"The body's id {resource.get('id')!r} is not {id_!r} of the URL.")
    if id(resource) in _VALID.get():
        return resource
    try:
        get_fhir_model_class(type_).model_validate(resource)
    except ModelError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise FhirError(
            400, "invalid", f"{type_}/{id_} is not valid FHIR R4: {where}: {first.get('msg')}"
        ) from None
    return resource


def _version_wanted(if_match: str | None) -> int | None:
    if not if_match:
        return None
    digits = if_match.strip().removeprefix("W/").strip('"')
    if not digits.isdigit():
        raise FhirError(400, "invalid", f'If-Match must be an ETag such as W/"3", not {if_match!r}.')
    return int(digits)


def _current(conn: Connection, type_: str, id_: str) -> Any:
    return conn.execute(select(resources).where(resources.c.type == type_, resources.c.id == id_)).first()


def _may_write(caller: Caller, type_: str, id_: str, *paths: str | None) -> None:
    if caller.role not in WRITERS:
        raise FhirError(403, "forbidden", f"A {caller.role} reads only; {type_}/{id_} was not written.")
    for path in paths:
        if not caller.sees(path):
            raise FhirError(
                403, "forbidden", f"{type_}/{id_} belongs to {path}, which is not one of your locations."
            )


@dataclass
class _Write:
    """One version to store, checked and built before any SQL (see put and put_many)."""

    type: str
    id: str
    version: int
    now: str
    path: str | None
    method: str
    stored: dict[str, Any]
    content: str
    new: bool  # no row in `resources` yet
    was_deleted: bool
    moved_from: str | None  # the place it belonged to, when this version moves it to another

    @property
    def status(self) -> int:
        return 201 if self.new or self.was_deleted else 200

    def result(self) -> Stored:
        return Stored(self.type, self.id, self.version, self.now, False, self.stored)


def _prepared(  # noqa: PLR0917 (the parts of one PUT)
    caller: Caller, type_: str, id_: str, resource: Any, current: Any, if_match: str | None, method: str
) -> _Write:
    known_type(type_)
    if not id_ or len(id_) > 64:
        raise FhirError(400, "invalid", "A resource id is 1 to 64 characters.")
    body = _checked(type_, id_, resource)
    path = None if type_ in SCHEME_WIDE else location_path_of(body)
    _may_write(caller, type_, id_, path, current.location_path if current else None)
    wanted = _version_wanted(if_match)
    have = current.version_id if current else 0
    if wanted is not None and wanted != have:
        raise FhirError(
            412, "conflict", f"{type_}/{id_} is at version {have}, not {wanted}: read it again and merge."
        )
    version, now = have + 1, instant()
    # meta.source says who wrote this version from which device: the Conflicts screen shows it.
    source = f"urn:cashdesk:device:{caller.device}:user:{caller.username}"
    meta = dict(body.get("meta") or {}) | {"versionId": str(version), "lastUpdated": now, "source": source}
    stored = {
        "resourceType": type_,
        "id": id_,
        **{k: v for k, v in body.items() if k not in ("resourceType", "id")},
    }
    stored["meta"] = meta
    before = current.location_path if current is not None else None
    return _Write(type_, id_, version, now, path, method, stored, dumps(stored), current is None,
                  bool(current is not None and current.deleted),
                  before if before is not None and before != path else None)  # fmt: skip


def _store_writes(conn: Connection, caller: Caller, writes: list[_Write]) -> None:
    """Every write's version, current row and identifiers, a statement per table for all of them."""
    if not writes:
        return
    seqs = (
        conn.execute(
            insert(versions).returning(versions.c.seq, sort_by_parameter_order=True),
            [
                {
                    "type": w.type,
                    "id": w.id,
                    "version_id": w.version,
                    "last_updated": w.now,
                    "deleted": False,
                    "location_path": w.path,
                    "moved_from": w.moved_from,
                    "method": w.method,
                    "author": caller.username,
                    "device": caller.device,
                    "content": w.content,
                }
                for w in writes
            ],
        )
        .scalars()
        .all()
    )
    rows = [
        {
            "w_type": w.type,
            "w_id": w.id,
            "version_id": w.version,
            "last_updated": w.now,
            "deleted": False,
            "location_path": w.path,
            "seq": seq,
            "content": w.content,
        }
        for w, seq in zip(writes, seqs, strict=True)
    ]
    fresh = [r for r, w in zip(rows, writes, strict=True) if w.new]
    known = [r for r, w in zip(rows, writes, strict=True) if not w.new]
    if fresh:
        conn.execute(
            insert(resources), [{"type": r["w_type"], "id": r["w_id"], **_columns(r)} for r in fresh]
        )
    if known:
        conn.execute(
            update(resources)
            .where(resources.c.type == bindparam("w_type"), resources.c.id == bindparam("w_id"))
            .values({name: bindparam(name) for name in _columns(known[0])}),
            known,
        )
    for type_, ids in _ids_by_type((w.type, w.id) for w in writes):
        conn.execute(delete(identifiers).where(identifiers.c.type == type_, identifiers.c.id.in_(ids)))
    pairs = [
        {"type": w.type, "id": w.id, "system": system, "value": value}
        for w in writes
        for system, value in sorted(_identifier_pairs(w.stored.get("identifier") or []))
    ]
    if pairs:
        conn.execute(insert(identifiers), pairs)


def _columns(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith("w_")}


def _identifier_pairs(found: Iterable[Any]) -> set[tuple[str, str]]:
    return {
        (str(i.get("system") or ""), str(i["value"])) for i in found if isinstance(i, dict) and i.get("value")
    }


def put(
    conn: Connection,
    caller: Caller,
    type_: str,
    id_: str,
    resource: Any,
    *,
    if_match: str | None = None,
    method: str = "PUT",
) -> tuple[int, Stored]:
    """Create or update with the client's id; 201 when new, 200 when updated; 412 on a stale If-Match."""
    write = _prepared(caller, type_, id_, resource, _current(conn, known_type(type_), id_), if_match, method)
    _store_writes(conn, caller, [write])
    return write.status, write.result()


def _ids_by_type(keys: Iterable[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    """Ids grouped by type, 400 at a time, for `type = ? AND id IN (...)`: SQLite searches the primary
    key for that, while a row-value `(type, id) IN (VALUES ...)` reads the whole table (a later push to
    a server holding 600,000 resources spent 40 % of its time there)."""
    grouped: dict[str, list[str]] = {}
    for type_, id_ in keys:
        grouped.setdefault(type_, []).append(id_)
    for type_, ids in grouped.items():
        for start in range(0, len(ids), 400):
            yield type_, ids[start : start + 400]


def put_many(
    conn: Connection, caller: Caller, puts: list[tuple[int, str, str, Any, str | None]]
) -> dict[int, dict[str, Any]]:
    """A bundle's PUTs (entry index, type, id, resource, ifMatch) at once: the current rows in one query, the
    writes a statement per table. Each answer by entry index; an error names its entry."""
    current: dict[tuple[str, str], Any] = {}
    for type_, ids in _ids_by_type((t, i) for _n, t, i, _r, _m in puts):
        for row in conn.execute(
            select(resources.c.type, resources.c.id, resources.c.version_id, resources.c.location_path,
                   resources.c.deleted).where(resources.c.type == type_, resources.c.id.in_(ids))
        ):  # fmt: skip
            current[(row.type, row.id)] = row
    writes = []
    for index, type_, id_, resource, if_match in puts:
        try:
            writes.append(_prepared(caller, type_, id_, resource, current.get((type_, id_)), if_match, "PUT"))
        except FhirError as exc:
            raise FhirError(
                exc.status, exc.code, f"Entry {index} (PUT {type_}/{id_}): {exc.message}"
            ) from None
    _store_writes(conn, caller, writes)
    return {index: _answer(w.status, w.result()) for (index, *_rest), w in zip(puts, writes, strict=True)}


def _answer(status: int, stored: Stored) -> dict[str, Any]:
    return {
        "response": {
            "status": str(status),
            "location": f"{stored.type}/{stored.id}/_history/{stored.version_id}",
            "etag": stored.etag,
            "lastModified": stored.last_updated,
        }
    }


def create(
    conn: Connection, caller: Caller, type_: str, resource: Any, *, id_: str | None = None
) -> tuple[int, Stored]:
    """POST: a new resource under a new id (or the client's, from a bundle's urn:uuid fullUrl)."""
    new_id = id_ or str(uuid.uuid4())
    if _current(conn, known_type(type_), new_id) is not None:
        raise FhirError(409, "duplicate", f"{type_}/{new_id} exists already: update it with PUT.")
    body = dict(resource) if isinstance(resource, dict) else resource
    if isinstance(body, dict):
        body["id"] = new_id
    return put(conn, caller, type_, new_id, body, method="POST")


def remove(
    conn: Connection, caller: Caller, type_: str, id_: str, *, if_match: str | None = None
) -> Stored | None:
    """DELETE: a new version that is a tombstone. Deleting what is gone or never was is not an error."""
    current = _current(conn, known_type(type_), id_)
    if current is None or current.deleted:
        return None
    _may_write(caller, type_, id_, current.location_path)
    wanted = _version_wanted(if_match)
    if wanted is not None and wanted != current.version_id:
        raise FhirError(
            412,
            "conflict",
            f"{type_}/{id_} is at version {current.version_id}, not {wanted}: it changed since.",
        )
    version, now = current.version_id + 1, instant()
    seq = _append_version(conn, caller, type_, id_, version, now, current.location_path, "DELETE", None)
    conn.execute(
        update(resources)
        .where(resources.c.type == type_, resources.c.id == id_)
        .values(version_id=version, last_updated=now, deleted=True, seq=seq)
    )
    conn.execute(delete(identifiers).where(identifiers.c.type == type_, identifiers.c.id == id_))
    return Stored(type_, id_, version, now, True, None)


def _append_version(  # noqa: PLR0917 (one version row's columns, named at each call)
    conn: Connection,
    caller: Caller,
    type_: str,
    id_: str,
    version: int,
    now: str,
    path: str | None,
    method: str,
    content: str | None,
) -> int:
    result = conn.execute(
        insert(versions)
        .values(
            type=type_,
            id=id_,
            version_id=version,
            last_updated=now,
            deleted=content is None,
            location_path=path,
            method=method,
            author=caller.username,
            device=caller.device,
            content=content,
        )
        .returning(versions.c.seq)
    )
    return int(result.scalar_one())


# --- transactions ------------------------------------------------------------------------------------


def stored_answer(conn: Connection, caller: Caller, bundle_id: str) -> tuple[int, dict[str, Any]] | None:
    row = conn.execute(
        select(bundles.c.status, bundles.c.response, bundles.c.username).where(
            bundles.c.bundle_id == bundle_id
        )
    ).first()
    if row is None:
        return None
    if row.username != caller.username:  # an answer is its sender's only
        raise FhirError(
            409, "duplicate", f"Bundle {bundle_id} was sent by another user: give it an id of its own."
        )
    return row.status, loads(row.response)


def transaction(conn: Connection, caller: Caller, bundle: Any, base: str) -> tuple[int, dict[str, Any]]:
    """Apply a transaction bundle all or nothing (the caller rolls back on FhirError).

    A bundle with an `id` (or identifier) that was applied before is not applied again: its first answer is
    returned, so a device whose connection dropped after the server committed can safely send it again.
    Entries are applied in FHIR's order (DELETE, POST, PUT); a POST whose fullUrl is urn:uuid:<uuid> gets
    that uuid as its id, and references to it in the bundle become Type/<uuid>."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FhirError(400, "structure", "POST / takes a Bundle.")
    if bundle.get("type") != "transaction":
        raise FhirError(
            400, "not-supported", f"Only transaction bundles are taken here, not {bundle.get('type')!r}."
        )
    key = bundle.get("id") or (bundle.get("identifier") or {}).get("value")
    if key:
        earlier = stored_answer(conn, caller, str(key))
        if earlier is not None:
            return earlier
    entries = list(bundle.get("entry") or [])
    entries = _resolve_placeholders(entries)
    order = {"DELETE": 0, "POST": 1, "PUT": 2}
    answers: list[dict[str, Any] | None] = [None] * len(entries)
    puts = [p for p in (_plain_put(i, e) for i, e in enumerate(entries)) if p is not None]
    if len({(t, i) for _n, t, i, _r, _m in puts}) < len(puts):
        puts = []  # one resource twice in a bundle: each PUT in turn, each on the version before it
    batched = {p[0] for p in puts}
    for index in sorted(range(len(entries)), key=lambda i: order.get(_method(entries[i]), 9)):
        if index not in batched:
            answers[index] = _apply_entry(conn, caller, index, entries[index])
    for index, answer in put_many(conn, caller, puts).items():
        answers[index] = answer
    response = {"resourceType": "Bundle", "type": "transaction-response", "entry": answers}
    if key:
        conn.execute(
            insert(bundles).values(
                bundle_id=str(key),
                username=caller.username,
                received_at=instant(),
                status=200,
                response=dumps(response),
            )
        )
    return 200, response


def _plain_put(index: int, entry: Any) -> tuple[int, str, str, Any, str | None] | None:
    """(index, type, id, resource, ifMatch) of an entry that is a PUT Type/id, for put_many."""
    if _method(entry) != "PUT":
        return None
    url = str(entry["request"].get("url", "")).strip("/")
    type_, _slash, id_ = url.partition("?")[0].partition("/")
    if not id_ or "/" in id_:
        return None
    known_type(type_)
    return index, type_, id_, entry.get("resource"), entry["request"].get("ifMatch")


def _method(entry: Any) -> str:
    return str(((entry or {}).get("request") or {}).get("method", "")).upper()


def _resolve_placeholders(entries: list[Any]) -> list[Any]:
    placeholders: dict[str, str] = {}
    for entry in entries:
        url = str((entry or {}).get("fullUrl", ""))
        resource = (entry or {}).get("resource") or {}
        if _method(entry) == "POST" and url.startswith("urn:uuid:") and isinstance(resource, dict):
            placeholders[url] = f"{resource.get('resourceType')}/{url.removeprefix('urn:uuid:')}"
    if not placeholders:
        return entries
    text_ = dumps({"entry": entries})
    for url, reference in placeholders.items():
        text_ = text_.replace(f'"reference":"{url}"', f'"reference":"{reference}"')
    resolved: list[Any] = loads(text_)["entry"]
    return resolved


def _apply_entry(conn: Connection, caller: Caller, index: int, entry: Any) -> dict[str, Any]:
    try:
        request = entry["request"]
        method, url = str(request["method"]).upper(), str(request["url"]).strip("/")
    except (TypeError, KeyError):
        raise FhirError(400, "structure", f"Entry {index} has no request method and url.") from None
    type_, _slash, id_ = url.partition("?")[0].partition("/")
    try:
        if method == "PUT" and id_:
            status, stored = put(
                conn, caller, type_, id_, entry.get("resource"), if_match=request.get("ifMatch")
            )
        elif method == "POST" and not id_:
            placeholder = str(entry.get("fullUrl", ""))
            chosen = placeholder.removeprefix("urn:uuid:") if placeholder.startswith("urn:uuid:") else None
            status, stored = create(conn, caller, type_, entry.get("resource"), id_=chosen)
        elif method == "DELETE" and id_:
            gone = remove(conn, caller, type_, id_, if_match=request.get("ifMatch"))
            return {"response": {"status": "204", **({"etag": gone.etag} if gone else {})}}
        else:
            raise FhirError(
                400, "not-supported", f"{method} {url} is not a write this server takes in a bundle."
            )
    except FhirError as exc:
        raise FhirError(exc.status, exc.code, f"Entry {index} ({method} {url}): {exc.message}") from None
    return _answer(status, stored)
