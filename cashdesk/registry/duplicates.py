"""Duplicate detection against the stored registry (the matching itself is cashdesk.registry.dedup).

- `store_keys` keeps the blocking keys index (cashdesk.registry.key_index) in step with members, in the
  same transaction.
- `matches_for` (and `Lookalikes`, which an import's worker asks a chunk at a time) finds look-alikes of
  people being typed or imported: one lookup of their blocking keys in the index, then scoring of the few
  hundred members found (fast enough to run while typing).
- `record_candidates` turns matches into DuplicateCandidate rows for the supervisor's review queue,
  never twice for a pair, never for a pair already decided "not the same".
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import String, column, func, insert, or_, select, tuple_
from sqlalchemy.orm import Session

from cashdesk.core.database import note_changed
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, no_progress
from cashdesk.models import (
    DuplicateCandidate,
    DuplicateSource,
    DuplicateStatus,
    Household,
    Location,
    Member,
    MemberIdentifier,
)
from cashdesk.models.base import Base, utcnow
from cashdesk.models.keys import uuid7
from cashdesk.registry import key_index
from cashdesk.registry.dedup import Match, PersonRecord, match_keys, score_pair
from cashdesk.registry.dedup.keys import ID_KEY, ids_close
from cashdesk.security.permissions import Actor

# A key shared by more members than this carries no information (and would make the check slow).
MAX_CANDIDATES_PER_KEY = 400
CANDIDATE_TABLE = Base.metadata.tables["duplicate_candidates"]
SCORING_CHUNK = 2_000  # people scored between two progress reports


def store_keys(
    session: Session,
    records: Sequence[PersonRecord],
    *,
    stored: Literal["replace", "rebuild", "none"] = "replace",
    keys: Sequence[set[str]] | None = None,
    progress: Progress = no_progress,
) -> None:
    """Store the blocking keys of these members.

    `stored` says what is in the table already: "replace" deletes these members' keys first, "rebuild"
    empties the table (a full scan rewrites everyone's), "none" is for members just created.
    `keys`: each record's match_keys, when the caller computed them already. `progress` goes from 0 to 1.
    """
    if stored == "replace":
        key_index.drop(session, [r.id for r in records])
    elif stored == "rebuild":
        key_index.drop_all(session)
    own_keys = keys if keys is not None else map(match_keys, records)
    key_index.store(
        session,
        ((r.id, " ".join(own)) for r, own in zip(records, own_keys, strict=True)),
        total=len(records),
        progress=progress,
    )


def load_people(session: Session, member_ids: Iterable[uuid.UUID] | None = None) -> list[PersonRecord]:
    """PersonRecords for these members (all live members when None), built with two set-based queries."""
    query = (
        select(
            Member.id,
            Member.household_id,
            Member.given_name,
            Member.family_name,
            Member.other_names,
            Member.sex,
            Member.date_of_birth,
            Member.birth_year,
            Member.phone,
            Location.path,
        )
        .join(Household, Household.id == Member.household_id)
        .join(Location, Location.id == Household.location_id)
        .where(Member.deleted_at.is_(None), Household.deleted_at.is_(None))
    )
    id_query = select(MemberIdentifier.member_id, MemberIdentifier.number)
    if member_ids is not None:
        wanted = [member_id.hex for member_id in member_ids]
        if not wanted:
            return []
        # One JSON parameter instead of one bound value per id: an import asks for tens of thousands.
        listed = select(column("value", String)).select_from(func.json_each(json.dumps(wanted)))
        query = query.where(Member.id.in_(listed))
        id_query = id_query.where(MemberIdentifier.member_id.in_(listed))
    numbers: dict[uuid.UUID, list[str]] = {}
    for member_id, number in session.execute(id_query.execution_options(yield_per=50_000)):
        numbers.setdefault(member_id, []).append(number)
    return [
        PersonRecord(
            id=mid,
            household_id=hid,
            given_name=given,
            family_name=family,
            other_names=other,
            sex=sex.value,
            date_of_birth=dob,
            birth_year=year,
            phone=phone,
            id_numbers=tuple(numbers.get(mid, ())),
            location_path=path,
        )
        for mid, hid, given, family, other, sex, dob, year, phone, path in session.execute(
            query.execution_options(yield_per=50_000)
        )
    ]


def matches_for(
    session: Session,
    people: Sequence[PersonRecord],
    *,
    min_score: float = 75.0,
    keys: Sequence[set[str]] | None = None,
    progress: Progress = no_progress,
) -> list[list[Match]]:
    """For each person, the stored members that may be the same person, best first (see Lookalikes)."""
    return Lookalikes(session, min_score=min_score).matches(people, keys=keys, progress=progress)


class Lookalikes:
    """Finds, for people being typed or imported, the stored members that may be the same person.

    The editor asks once about a few people: their keys are looked up in the index. An import's worker
    asks about the file a chunk at a time, as its people arrive, so that this part of the check is done
    before the file's last row is read: it reads the whole index once first (`whole_index`). Each stored
    look-alike is loaded once, however many of the people it resembles. The people's own stored rows
    (same id) are never matched with themselves.
    """

    def __init__(self, session: Session, *, min_score: float = 75.0, whole_index: bool = False) -> None:
        self._session = session
        self._min_score = min_score
        self.whole_index = whole_index
        self._every_key = _usable(key_index.members_by_key(session, None)) if whole_index else None
        self._stored: dict[int, PersonRecord] = {}  # by their UUID's integer, like the index gives them
        self._asked: set[int] = set()  # loaded, or asked for and gone (deleted since their keys were read)

    def matches(
        self,
        people: Sequence[PersonRecord],
        *,
        keys: Sequence[set[str]] | None = None,
        progress: Progress = no_progress,
    ) -> list[list[Match]]:
        """For each person, the matches found, best first. `keys`: each person's match_keys, when the
        caller computed them already. `progress` goes from 0 to 1 (an import checks hundreds of thousands
        of people; the few of the editor need none)."""
        keys_of = keys if keys is not None else [match_keys(p) for p in people]
        members_by_key = self._every_key
        if members_by_key is None:
            # One lookup for everybody: for a large file that is one pass over the index, not one per person.
            members_by_key = _usable(
                key_index.members_by_key(self._session, set().union(*keys_of) if keys_of else set())
            )
        wanted = {mid for own in keys_of for key in own for mid in members_by_key.get(key, ())} - self._asked
        if wanted:
            self._asked |= wanted
            found = load_people(self._session, [uuid.UUID(int=mid) for mid in wanted])
            self._stored.update((r.id.int, r) for r in found)
        results: list[list[Match]] = []
        for start in range(0, len(people), SCORING_CHUNK):
            progress(start / len(people), _("Looking for people already registered"))
            chunk = range(start, min(len(people), start + SCORING_CHUNK))
            results.extend(
                _scored(people[i], keys_of[i], members_by_key, self._stored, self._min_score) for i in chunk
            )
        return results


def _usable(members_by_key: dict[str, list[int]]) -> dict[str, list[int]]:
    """The keys that say something: one shared by very many members would only make the check slow."""
    return {key: ids for key, ids in members_by_key.items() if len(ids) <= MAX_CANDIDATES_PER_KEY}


def _scored(
    person: PersonRecord,
    own_keys: set[str],
    members_by_key: dict[str, list[int]],
    stored: dict[int, PersonRecord],
    min_score: float,
) -> list[Match]:
    own = person.id.int
    seen: set[int] = set()
    found: list[Match] = []
    for key in own_keys:
        id_key = key.startswith(ID_KEY)
        for mid in members_by_key.get(key, ()):
            if mid == own or mid in seen or mid not in stored:
                continue
            other = stored[mid]
            if id_key and not ids_close(person, other):
                continue  # an ID block brings together only documents one mistake apart
            seen.add(mid)
            match = score_pair(person, other, at_least=min_score)
            if match is not None:
                found.append(match)
    found.sort(key=lambda m: -m.score)
    return found


@dataclass(frozen=True)
class MatchView:
    """A match explained for a person deciding: who the other member is and where."""

    member_id: uuid.UUID
    household_id: uuid.UUID
    household_code: str
    name: str
    birth: str
    village: str
    score: float
    reasons: tuple[str, ...]


def explain(session: Session, own_id: uuid.UUID, matches: Sequence[Match]) -> list[MatchView]:
    other_ids = [m.right_id if m.left_id == own_id else m.left_id for m in matches]
    if not other_ids:
        return []
    rows = {
        row.id: row
        for row in session.execute(
            select(
                Member.id,
                Member.household_id,
                Household.code,
                Member.given_name,
                Member.family_name,
                Member.other_names,
                Member.date_of_birth,
                Member.birth_year,
                Location.name.label("village"),
            )
            .join(Household, Household.id == Member.household_id)
            .join(Location, Location.id == Household.location_id)
            .where(Member.id.in_(other_ids))
        )
    }
    views = []
    for other, match in zip(other_ids, matches, strict=True):
        row = rows[other]
        name = " ".join(part for part in (row.given_name, row.other_names, row.family_name) if part)
        birth = (
            row.date_of_birth.isoformat()
            if row.date_of_birth
            else (str(row.birth_year) if row.birth_year else "")
        )
        views.append(
            MatchView(other, row.household_id, row.code, name, birth, row.village, match.score, match.reasons)
        )
    return views


def ordered(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """Candidates are stored once per pair, smaller id on the left (the table checks it)."""
    return (a, b) if a.hex < b.hex else (b, a)


def decided_not_same(session: Session) -> frozenset[tuple[uuid.UUID, uuid.UUID]]:
    rows = session.execute(
        select(DuplicateCandidate.left_member_id, DuplicateCandidate.right_member_id).where(
            DuplicateCandidate.status == DuplicateStatus.NOT_SAME
        )
    )
    return frozenset((left, right) for left, right in rows)


def record_candidates(
    session: Session,
    actor: Actor,
    matches: Iterable[Match],
    *,
    source: DuplicateSource,
    note: str = "",
) -> int:
    """Store new candidate pairs for review; pairs already known (open or decided) are left alone.

    Returns how many pairs were new.
    """
    now = utcnow()
    rows: dict[tuple[uuid.UUID, uuid.UUID], dict[str, object]] = {}
    for match in matches:
        pair = ordered(match.left_id, match.right_id)
        rows.setdefault(
            pair,
            {
                "id": uuid7(),
                "left_member_id": pair[0],
                "right_member_id": pair[1],
                "score": round(match.score, 1),
                "reasons": list(match.reasons),
                "source": source,
                "status": DuplicateStatus.OPEN,
                "note": note,
                "decision_note": "",
                "raised_by_id": actor.user_id,
                "created_at": now,
                "updated_at": now,
                "version": 1,
                "dirty": True,
            },
        )
    pairs = list(rows)
    for start in range(0, len(pairs), 400):
        known = session.execute(
            select(DuplicateCandidate.left_member_id, DuplicateCandidate.right_member_id).where(
                tuple_(DuplicateCandidate.left_member_id, DuplicateCandidate.right_member_id).in_(
                    pairs[start : start + 400]
                )
            )
        )
        for left, right in known:
            rows.pop((left, right), None)
    if rows:
        session.execute(insert(CANDIDATE_TABLE), list(rows.values()))
        note_changed(session, "duplicate_candidates")
    return len(rows)


def open_candidates_of(session: Session, member_ids: Sequence[uuid.UUID]) -> int:
    if not member_ids:
        return 0
    return len(
        session.execute(
            select(DuplicateCandidate.id).where(
                DuplicateCandidate.status == DuplicateStatus.OPEN,
                or_(
                    DuplicateCandidate.left_member_id.in_(member_ids),
                    DuplicateCandidate.right_member_id.in_(member_ids),
                ),
            )
        ).all()
    )
