"""Writing the registry out in the import format (CSV or XLSX), so that export then import round-trips.

member_ref / household_ref are the source system's identifiers when the records came from an import,
otherwise CashDesk's own ids (a later import recognises both).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.core.tabular import Cell, TableWriter
from cashdesk.models import Household, Location, Member, MemberIdentifier, PayPoint, Scheme
from cashdesk.registry.importing.fields import MORE_ID_PAIRS
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

COLUMNS = (
    "household_ref",
    "member_ref",
    "relationship",
    "recipient",
    "given_name",
    "family_name",
    "other_names",
    "sex",
    "date_of_birth",
    "id_type",
    "id_number",
    "phone",
    "location",
    "address",
    "payment_method",
    "account_number",
    "pay_point",
    "disability",
)


def _documents(session: Session) -> dict[Any, list[tuple[str, str]]]:
    """Every member's documents, (type, number), in the order they were recorded."""
    documents: dict[Any, list[tuple[str, str]]] = {}
    for member_id, id_type, number in session.execute(
        select(MemberIdentifier.member_id, MemberIdentifier.id_type, MemberIdentifier.number)
        .order_by(MemberIdentifier.member_id, MemberIdentifier.id)
        .execution_options(yield_per=50_000)
    ):
        documents.setdefault(member_id, []).append((id_type, number))
    return documents


def _rows(
    session: Session,
    actor: Actor,
    custom: list[str],
    *,
    documents: dict[Any, list[tuple[str, str]]],
    more_ids: int,
    progress: Progress,
    abort: threading.Event,
) -> Iterator[list[Cell]]:
    total = session.execute(
        select(func.count()).select_from(Member).where(Member.deleted_at.is_(None))
    ).scalar_one()
    query = (
        select(Member, Household, Location.code, Location.path, PayPoint.code)
        .join(Household, Household.id == Member.household_id)
        .join(Location, Location.id == Household.location_id)
        .outerjoin(PayPoint, PayPoint.id == Household.preferred_pay_point_id)
        .where(Member.deleted_at.is_(None), Household.deleted_at.is_(None))
        .order_by(Household.id, Member.id)
        .execution_options(yield_per=5000)
    )
    for done, (m, h, village, path, pay_point) in enumerate(session.execute(query)):
        if done % 5000 == 0:
            check_abort(abort)
            progress(done / max(1, total), _("{done:,} of {total:,} people").format(done=done, total=total))
        if not actor.covers_location(path):
            continue
        own = documents.get(m.id, [])
        id_type, number = own[0] if own else ("", "")
        further = [cell for k in range(1, more_ids + 1) for cell in (own[k] if k < len(own) else ("", ""))]
        birth = m.date_of_birth or m.birth_year  # a date, or only the year (a number)
        yield [
            h.source_ref or h.code,
            m.source_ref or m.id.hex,
            m.relation_to_head.value,
            m.recipient_role.value if m.recipient_role else "",
            m.given_name,
            m.family_name,
            m.other_names or "",
            m.sex.value,
            birth,
            id_type,
            number,
            m.phone or "",
            village,
            h.address or "",
            h.payment_method.value,
            h.payment_account or "",
            pay_point or "",
            "yes" if m.disability else "no",
            *further,
            *[
                _custom_cell((m.custom_fields or {}).get(name, (h.custom_fields or {}).get(name)))
                for name in custom
            ],
        ]


def _custom_cell(value: Any) -> Cell:
    """A scheme field's value as the import reads it back: yes/no, a number, text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return Decimal(repr(value))
    if value is None or isinstance(value, int | str):
        return value
    return str(value)


def export_households(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> int:
    """Write every live member the user may see; returns the number of rows written."""
    actor.require(Permission.VIEW_REGISTRY)
    abort = abort or never_abort()
    schema = session.execute(select(Scheme.custom_fields_schema)).scalar_one() or {}
    custom = [
        name for part in ("household", "member") for name in (schema.get(part) or {}).get("properties", {})
    ]
    documents = _documents(session)
    # Further documents get id_type_2 / id_number_2 ... columns, as many pairs as some member needs.
    more_ids = min(len(MORE_ID_PAIRS), max((len(d) for d in documents.values()), default=1) - 1)
    extra = [f"{name}_{k}" for k in MORE_ID_PAIRS[:more_ids] for name in ("id_type", "id_number")]
    with TableWriter(path, [*COLUMNS, *extra, *custom], sheet="households") as table:
        table.write_all(
            _rows(
                session, actor, custom, documents=documents, more_ids=more_ids, progress=progress, abort=abort
            )
        )
    count = table.rows
    audit.record(
        session,
        actor,
        action="export.households",
        entity_type="registry",
        summary=path.name,
        after={"rows": count},
    )
    progress(1.0, _("{n:,} people exported").format(n=count))
    return count
