"""Finding households: full-text search over members, filters, and pages of rows for the list.

member_search (FTS5, made by migration 0002, rebuilt by 0005) has one row per member, rowid = the
member's rowid, over names, household code, phone digits (with and without the country code), source
references and ID numbers (search_text). It keeps no copy of the text and no word positions: a search
asks only which members match, and finds their households through members by rowid. Service code
refreshes it in the same transaction as the members it describes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, Uuid, and_, column, exists, false, func, or_, select, text
from sqlalchemy.orm import Session

from cashdesk.core import bulk
from cashdesk.models import (
    BenefitPlan,
    DuplicateCandidate,
    DuplicateStatus,
    Enrolment,
    Household,
    HouseholdStatus,
    Location,
    Member,
    PayPoint,
    RecipientRole,
    Relationship,
    Scheme,
)
from cashdesk.registry.search_typos import typo_tolerant_query
from cashdesk.scheme.countries import COUNTRIES
from cashdesk.scheme.phones import national_number
from cashdesk.security.permissions import Actor, Permission

AnySelect = Select[*tuple[Any, ...]]

# What a member's search row is made of, for the members of the households in _index_households.
_INDEX_FIELDS = """
SELECT m.rowid, m.given_name, m.family_name, m.other_names, h.code, m.phone, m.source_ref,
       h.source_ref, (SELECT group_concat(i.number, ' ') FROM member_identifiers i WHERE i.member_id = m.id)
FROM members m JOIN households h ON h.id = m.household_id
WHERE m.deleted_at IS NULL AND h.deleted_at IS NULL AND m.household_id IN (SELECT id FROM _index_households)
"""
INSERT_SEARCH_ROW = "INSERT INTO member_search (rowid, text) VALUES (?, ?)"


def national_start(session: Session) -> int:
    """Where the national number starts in an E.164 phone of the scheme's country ("+265" -> 4)."""
    country = session.execute(select(Scheme.country)).scalar_one()
    return 1 + len(COUNTRIES[country].dialling_code)


def search_text(  # noqa: PLR0917 - the parts of one row, in the order index_households reads them
    given_name: str,
    family_name: str,
    other_names: str | None,
    household_code: str,
    phone: str | None,
    member_ref: str | None,
    household_ref: str | None,
    id_numbers: str | None,
    *,
    national: int,
) -> str:
    """A member's text in member_search: names, household code, the phone with and without the country
    code (so that both ways of typing it match), the source references and the ID numbers (separated by
    spaces). The one definition, for the editor's changes and the import's rows alike."""
    return " ".join(
        (
            given_name,
            family_name,
            other_names or "",
            household_code,
            phone.replace("+", "") if phone else "",
            phone[national:] if phone else "",
            member_ref or "",
            household_ref or "",
            id_numbers or "",
        )
    )


def index_households(session: Session, household_ids: Iterable[uuid.UUID]) -> None:
    """Rewrite the search rows of every member of these households (set-based, any number of ids)."""
    national = national_start(session)
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS _index_households (id CHAR(32) PRIMARY KEY)"))
    session.execute(text("DELETE FROM _index_households"))
    cursor = bulk.driver_cursor(session)  # the demo district indexes 100,000 households: no per-row ORM work
    try:
        cursor.executemany(
            "INSERT OR IGNORE INTO _index_households (id) VALUES (?)", ((hid.hex,) for hid in household_ids)
        )
        if cursor.rowcount == 0:
            return
        cursor.execute(
            "DELETE FROM member_search WHERE rowid IN (SELECT rowid FROM members "
            "WHERE household_id IN (SELECT id FROM _index_households))"
        )
        found = cursor.execute(_INDEX_FIELDS).fetchall()
        cursor.executemany(
            INSERT_SEARCH_ROW,
            ((row[0], search_text(*row[1:9], national=national)) for row in found),
        )
        cursor.execute("DELETE FROM _index_households")
    finally:
        cursor.close()


def fts_query(typed: str, country: str) -> str | None:
    """Turn what the user typed into an FTS5 query: every word must match the start of a word.

    A phone typed the national way (0881...) is matched on its national digits.
    """
    return " ".join(term for _word, term in fts_terms(typed, country)) or None


def fts_terms(typed: str, country: str) -> list[tuple[str, str]]:
    """Each word typed, with the FTS5 term that matches it (see fts_query)."""
    if re.fullmatch(r"[\d\s+().-]+", typed) and sum(ch.isdigit() for ch in typed) >= 7:
        typed = "".join(ch for ch in typed if ch.isdigit())  # "+265 881 234 567" is one number
    words = re.findall(r"[\w]+", typed, flags=re.UNICODE)
    terms = []
    for word in words:
        term = word
        if word.isdigit() and len(word) >= 7:
            term = word.lstrip("0")
            code = COUNTRIES[country].dialling_code
            if term.startswith(code) and len(term) > len(code) + 6:
                term = national_number("+" + term, country)
        terms.append((word, '"' + term.replace('"', "") + '"*'))
    return terms


@dataclass(frozen=True)
class HouseholdQuery:
    text: str = ""
    location_path: str | None = None  # a location and everything under it
    plan_id: uuid.UUID | None = None
    status: HouseholdStatus | None = None
    open_duplicates_only: bool = False


@dataclass(frozen=True)
class HouseholdRow:
    id: uuid.UUID
    code: str
    head_name: str
    recipient_name: str
    members: int
    village: str
    pay_point: str
    payment_method: str
    status: str
    open_duplicates: int


def _scoped(actor: Actor, query: AnySelect) -> AnySelect:
    """Enrolment officers (and supervisors given areas) see only households in their areas."""
    if actor.covers_location("/"):
        return query
    if not actor.location_paths:
        return query.where(false())
    return query.where(or_(*[Location.path.startswith(path) for path in actor.location_paths]))


def _filtered(session: Session, actor: Actor, q: HouseholdQuery, base: AnySelect) -> AnySelect:
    query = base.join(Location, Location.id == Household.location_id).where(Household.deleted_at.is_(None))
    query = _scoped(actor, query)
    if q.text.strip():
        country = session.execute(select(Scheme.country)).scalar_one()
        match = fts_query(q.text, country)
        if match and not _anyone_matches(session, match):
            match = typo_tolerant_query(session, fts_terms(q.text, country))
        if match:
            hits = (
                text(
                    "SELECT household_id FROM members WHERE rowid IN "
                    "(SELECT rowid FROM member_search WHERE member_search MATCH :match)"
                )
                .bindparams(match=match)
                .columns(column("household_id", Uuid()))
            )
            query = query.where(Household.id.in_(hits))
    if q.location_path:
        query = query.where(Location.path.startswith(q.location_path))
    if q.status:
        query = query.where(Household.status == q.status)
    if q.plan_id:
        query = query.where(
            exists().where(
                and_(
                    Enrolment.household_id == Household.id,
                    Enrolment.plan_id == q.plan_id,
                    Enrolment.deleted_at.is_(None),
                )
            )
        )
    if q.open_duplicates_only:
        query = query.where(Household.id.in_(_households_with_open_duplicates()))
    return query


def _anyone_matches(session: Session, match: str) -> bool:
    found = session.execute(
        text("SELECT 1 FROM member_search WHERE member_search MATCH :match LIMIT 1"), {"match": match}
    ).first()
    return found is not None


def _households_with_open_duplicates() -> AnySelect:
    flagged = (
        select(DuplicateCandidate.left_member_id.label("member_id"))
        .where(DuplicateCandidate.status == DuplicateStatus.OPEN)
        .union(
            select(DuplicateCandidate.right_member_id).where(
                DuplicateCandidate.status == DuplicateStatus.OPEN
            )
        )
        .subquery()
    )
    return select(Member.household_id).where(Member.id.in_(select(flagged.c.member_id)))


def count_households(session: Session, actor: Actor, query: HouseholdQuery) -> int:
    actor.require(Permission.VIEW_REGISTRY)
    return int(
        session.execute(_filtered(session, actor, query, select(func.count(Household.id)))).scalar_one()
    )


@dataclass(frozen=True)
class PlanChoice:
    id: uuid.UUID
    code: str
    name: str


def plan_choices(session: Session, actor: Actor) -> list[PlanChoice]:
    """The benefit plans the households list can be filtered by (households enrolled in them)."""
    actor.require(Permission.VIEW_REGISTRY)
    plans = session.execute(
        select(BenefitPlan.id, BenefitPlan.code, BenefitPlan.name)
        .where(BenefitPlan.deleted_at.is_(None))
        .order_by(BenefitPlan.code)
    )
    return [PlanChoice(*row) for row in plans]


def list_households(
    session: Session, actor: Actor, query: HouseholdQuery, *, offset: int = 0, limit: int = 200
) -> list[HouseholdRow]:
    """One page of the households list, newest first."""
    actor.require(Permission.VIEW_REGISTRY)
    page = session.execute(
        _filtered(
            session,
            actor,
            query,
            select(
                Household.id,
                Household.code,
                Household.payment_method,
                Household.status,
                Location.name,
                PayPoint.name,
            ).outerjoin(PayPoint, PayPoint.id == Household.preferred_pay_point_id),
        )
        .order_by(Household.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [row[0] for row in page]
    people = _people_summary(session, ids)
    flagged = _open_flags(session, ids)
    return [
        HouseholdRow(
            id=hid,
            code=code,
            head_name=people.get(hid, {}).get("head", ""),
            recipient_name=people.get(hid, {}).get("recipient", ""),
            members=int(people.get(hid, {}).get("count", 0)),
            village=village,
            pay_point=pay_point or "",
            payment_method=method.value,
            status=status.value,
            open_duplicates=flagged.get(hid, 0),
        )
        for hid, code, method, status, village, pay_point in page
    ]


def _people_summary(session: Session, household_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    summary: dict[uuid.UUID, dict[str, Any]] = {hid: {"count": 0} for hid in household_ids}
    if not household_ids:
        return summary
    rows = session.execute(
        select(
            Member.household_id,
            Member.given_name,
            Member.family_name,
            Member.relation_to_head,
            Member.recipient_role,
        ).where(Member.household_id.in_(household_ids), Member.deleted_at.is_(None))
    )
    for hid, given, family, relation, recipient in rows:
        entry = summary[hid]
        entry["count"] += 1
        if relation == Relationship.HEAD:
            entry["head"] = f"{given} {family}"
        if recipient == RecipientRole.PRIMARY:
            entry["recipient"] = f"{given} {family}"
    return summary


def _open_flags(session: Session, household_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not household_ids:
        return {}
    counts: dict[uuid.UUID, int] = {}
    for side in (DuplicateCandidate.left_member_id, DuplicateCandidate.right_member_id):
        rows = session.execute(
            select(Member.household_id, func.count())
            .join(DuplicateCandidate, side == Member.id)
            .where(Member.household_id.in_(household_ids), DuplicateCandidate.status == DuplicateStatus.OPEN)
            .group_by(Member.household_id)
        )
        for hid, n in rows:
            counts[hid] = counts.get(hid, 0) + int(n)
    return counts
