"""The duplicate review queue: full scans that fill it, and the supervisor's decisions that empty it.

Decisions: "same person" merges the pair (the supervisor picks each field's value; the other record is
kept as history and tombstoned; enrolments and payments move to the kept record), "not the same" is
remembered so the pair is never raised again, "needs a field visit" parks the pair.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from cashdesk.core.collector import collector_paused
from cashdesk.core.database import note_changed
from cashdesk.core.errors import NotFound, ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.models import (
    DuplicateCandidate,
    DuplicateSource,
    DuplicateStatus,
    Household,
    Location,
    Member,
    MemberMerge,
    PaymentLine,
)
from cashdesk.models.base import utcnow
from cashdesk.registry import duplicates, key_index, search
from cashdesk.registry.dedup import find_duplicates, match_keys
from cashdesk.registry.merge_effects import (
    carry_over_pairs,
    check_pair_is_live,
    hand_over_roles,
    move_enrolments,
)
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

# Fields a supervisor chooses between when merging two records of one person.
MERGE_FIELDS = (
    "given_name",
    "family_name",
    "other_names",
    "sex",
    "date_of_birth",
    "birth_year",
    "phone",
    "disability",
)


@dataclass(frozen=True)
class ScanPair:
    left_id: uuid.UUID
    right_id: uuid.UUID
    left_ref: str
    right_ref: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ScanResult:
    people: int
    pairs: list[ScanPair]
    new_candidates: int


@collector_paused()  # half a million records alive for the whole scan (see cashdesk.core.collector)
def scan_registry(
    session: Session,
    actor: Actor,
    *,
    min_score: float = 75.0,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> ScanResult:
    """Compare everyone with everyone (through blocking keys); new pairs go to the review queue."""
    actor.require(Permission.REVIEW_DUPLICATES)
    abort = abort or never_abort()
    progress(0.0, _("Reading the registry"))
    people = duplicates.load_people(session)
    check_abort(abort)
    keys = [match_keys(person) for person in people]  # computed once for storing and for the scan
    # Rewrite everyone's blocking keys: repairs people registered before keys existed (migration 0002).
    duplicates.store_keys(session, people, stored="rebuild", keys=keys)

    def scanning(fraction: float, message: str) -> None:
        progress(0.1 + 0.8 * fraction, message)

    matches = find_duplicates(
        people,
        keys=keys,
        min_score=min_score,
        progress=scanning,
        abort=abort,
        excluded_pairs=duplicates.decided_not_same(session),
    )
    progress(0.92, _("Recording {n:,} pairs for review").format(n=len(matches)))
    new = duplicates.record_candidates(session, actor, matches, source=DuplicateSource.SCAN)
    refs: dict[uuid.UUID, str | None] = {
        mid: ref for mid, ref in session.execute(select(Member.id, Member.source_ref))
    }
    pairs = [
        ScanPair(
            m.left_id,
            m.right_id,
            refs.get(m.left_id) or m.left_id.hex,
            refs.get(m.right_id) or m.right_id.hex,
            m.score,
            m.reasons,
        )
        for m in matches
    ]
    audit.record(
        session,
        actor,
        action="duplicates.scanned",
        entity_type="registry",
        summary=_("{n:,} pairs, {new:,} new").format(n=len(pairs), new=new),
        after={"people": len(people), "pairs": len(pairs), "new": new, "min_score": min_score},
    )
    progress(1.0, _("Done"))
    return ScanResult(len(people), pairs, new)


@dataclass(frozen=True)
class PersonSide:
    member_id: uuid.UUID
    household_id: uuid.UUID
    household_code: str
    village: str
    relation: str
    values: dict[str, Any]  # MERGE_FIELDS plus "id_numbers"


@dataclass(frozen=True)
class ReviewItem:
    id: uuid.UUID
    score: float
    reasons: tuple[str, ...]
    source: str
    status: str
    note: str
    left: PersonSide
    right: PersonSide

    def differing_fields(self) -> list[str]:
        return [
            f for f in (*MERGE_FIELDS, "id_numbers") if self.left.values.get(f) != self.right.values.get(f)
        ]


def _side(member: Member, code: str, village: str) -> PersonSide:
    values: dict[str, Any] = {name: getattr(member, name) for name in MERGE_FIELDS}
    values["sex"] = member.sex.value
    values["id_numbers"] = sorted(f"{i.id_type}:{i.number}" for i in member.identifiers)
    return PersonSide(member.id, member.household_id, code, village, member.relation_to_head.value, values)


def _waiting(status: DuplicateStatus) -> Any:
    """Pairs with this status. Pairs still to decide (open, field visit) only when both records are still
    in the registry: a record merged or removed since leaves its pairs with nothing to decide."""
    condition = (DuplicateCandidate.status == status) & DuplicateCandidate.deleted_at.is_(None)
    if status not in (DuplicateStatus.OPEN, DuplicateStatus.FIELD_VISIT):
        return condition
    live = select(Member.id).where(Member.deleted_at.is_(None))
    return (
        condition & DuplicateCandidate.left_member_id.in_(live) & DuplicateCandidate.right_member_id.in_(live)
    )


def count_queue(session: Session, actor: Actor, *, status: DuplicateStatus = DuplicateStatus.OPEN) -> int:
    actor.require(Permission.REVIEW_DUPLICATES)
    return int(
        session.execute(
            select(func.count()).select_from(DuplicateCandidate).where(_waiting(status))
        ).scalar_one()
    )


def review_queue(
    session: Session,
    actor: Actor,
    *,
    status: DuplicateStatus = DuplicateStatus.OPEN,
    offset: int = 0,
    limit: int = 100,
) -> list[ReviewItem]:
    """Pairs waiting for a decision, most likely duplicates first."""
    actor.require(Permission.REVIEW_DUPLICATES)
    candidates = list(
        session.execute(
            select(DuplicateCandidate)
            .where(_waiting(status))
            .order_by(DuplicateCandidate.score.desc(), DuplicateCandidate.id)
            .offset(offset)
            .limit(limit)
        ).scalars()
    )
    return _items(session, candidates)


def review_item(session: Session, actor: Actor, candidate_id: uuid.UUID) -> ReviewItem:
    """One pair still to decide, as the queue shows it (for deciding a pair named by its id).
    NotFound if there is no such pair, ValidationError if it was decided or one of its records is gone."""
    actor.require(Permission.REVIEW_DUPLICATES)
    (item,) = _items(session, [_candidate(session, candidate_id)])
    return item


def _items(session: Session, candidates: list[DuplicateCandidate]) -> list[ReviewItem]:
    ids = {c.left_member_id for c in candidates} | {c.right_member_id for c in candidates}
    members = {
        m.id: (m, code, village)
        for m, code, village in session.execute(
            select(Member, Household.code, Location.name)
            .join(Household, Household.id == Member.household_id)
            .join(Location, Location.id == Household.location_id)
            .options(selectinload(Member.identifiers))
            .where(Member.id.in_(ids))
        )
    }
    items = []
    for c in candidates:
        if c.left_member_id in members and c.right_member_id in members:
            items.append(
                ReviewItem(
                    c.id,
                    c.score,
                    tuple(c.reasons),
                    c.source.value,
                    c.status.value,
                    c.note,
                    _side(*members[c.left_member_id]),
                    _side(*members[c.right_member_id]),
                )
            )
    return items


def _candidate(session: Session, candidate_id: uuid.UUID) -> DuplicateCandidate:
    candidate = session.get(DuplicateCandidate, candidate_id)
    if candidate is None:
        raise NotFound(_("This pair is no longer in the queue."))
    if candidate.status in (DuplicateStatus.SAME_PERSON, DuplicateStatus.NOT_SAME) or candidate.deleted_at:
        raise ValidationError(_("This pair was already decided."))
    check_pair_is_live(
        session.get(Member, candidate.left_member_id), session.get(Member, candidate.right_member_id)
    )
    return candidate


def decide_not_same(session: Session, actor: Actor, candidate_id: uuid.UUID, *, note: str = "") -> None:
    _decide(session, actor, candidate_id, DuplicateStatus.NOT_SAME, note)


def decide_field_visit(session: Session, actor: Actor, candidate_id: uuid.UUID, *, note: str = "") -> None:
    _decide(session, actor, candidate_id, DuplicateStatus.FIELD_VISIT, note)


def _decide(
    session: Session, actor: Actor, candidate_id: uuid.UUID, status: DuplicateStatus, note: str
) -> None:
    actor.require(Permission.REVIEW_DUPLICATES)
    candidate = _candidate(session, candidate_id)
    before = audit.snapshot(candidate)
    candidate.status = status
    candidate.decided_by_id = actor.user_id
    candidate.decided_at = utcnow()
    candidate.decision_note = note
    audit.record(
        session,
        actor,
        action=f"duplicate.{status.value}",
        entity_type="duplicate_candidate",
        entity_id=candidate.id,
        before=before,
        after=audit.snapshot(candidate),
    )


def merge(
    session: Session,
    actor: Actor,
    candidate_id: uuid.UUID,
    *,
    keep: uuid.UUID,
    choices: Mapping[str, uuid.UUID] | None = None,
    note: str = "",
) -> uuid.UUID:
    """ "Same person": keep one record, take each chosen field's value from the side named in `choices`.

    The other record is tombstoned with a copy kept in member_merges; its enrolments and payment lines
    move to the kept record. Returns the kept member's id.
    """
    actor.require(Permission.REVIEW_DUPLICATES)
    candidate = _candidate(session, candidate_id)
    pair = {candidate.left_member_id, candidate.right_member_id}
    if keep not in pair:
        raise ValidationError(_("Keep one of the two records of this pair."), field="keep")
    (gone_id,) = pair - {keep}
    kept = session.get_one(Member, keep)
    gone = session.get_one(Member, gone_id)
    before = {"kept": audit.snapshot(kept), "merged": audit.snapshot(gone)}
    chosen: dict[str, Any] = {}
    for name, side in (choices or {}).items():
        if name not in MERGE_FIELDS or side not in pair:
            raise ValidationError(_("{field} cannot be chosen in a merge.").format(field=name), field=name)
        if side == gone_id:
            value: Any = getattr(gone, name)
            setattr(kept, name, value)
            chosen[name] = value.isoformat() if isinstance(value, date) else getattr(value, "value", value)
    emptied = hand_over_roles(session, kept, gone)
    known = {(i.id_type, i.number) for i in kept.identifiers}
    for ident in list(gone.identifiers):  # identity documents of both records stay with the person
        if (ident.id_type, ident.number) not in known:
            ident.member_id = kept.id
    session.flush()
    now = utcnow()
    moved = move_enrolments(session, kept, gone, emptied=emptied, now=now)
    for line in session.execute(
        select(PaymentLine).where(PaymentLine.recipient_member_id == gone_id)
    ).scalars():
        line.recipient_member_id = keep  # the payment's household stays: it was paid to that household
        moved += 1
    gone.deleted_at = now
    gone.recipient_role = None  # the household's recipient indexes ignore tombstones, but be explicit
    if emptied:  # the duplicate was alone in its household: the household goes with it
        session.get_one(Household, gone.household_id).deleted_at = now
    session.add(
        MemberMerge(
            candidate_id=candidate.id,
            kept_member_id=keep,
            merged_member_id=gone_id,
            chosen_values=chosen,
            merged_record=before["merged"],
            merged_by_id=actor.user_id,
        )
    )
    candidate.status = DuplicateStatus.SAME_PERSON
    candidate.decided_by_id = actor.user_id
    candidate.decided_at = now
    candidate.decision_note = note
    session.flush()
    carry_over_pairs(
        session, keep, gone_id, note=_("carried over from the merge of {id}").format(id=gone_id), now=now
    )
    key_index.drop(session, [gone_id])
    session.flush()
    duplicates.store_keys(session, duplicates.load_people(session, [keep]))
    search.index_households(session, {kept.household_id, gone.household_id})
    note_changed(session, "members", "duplicate_candidates", "member_merges", "enrolments", "payment_lines")
    audit.record(
        session,
        actor,
        action="duplicate.merged",
        entity_type="member",
        entity_id=keep,
        summary=_("{gone} merged into {kept}; {n} enrolments/payments moved").format(
            gone=gone_id, kept=keep, n=moved
        ),
        before=before,
        after={"kept": audit.snapshot(kept), "chosen": chosen},
    )
    return keep
