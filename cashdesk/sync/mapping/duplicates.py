"""Duplicate decisions as Linkage: a candidate pair (source and alternate) and a merge (source and the
historical record it absorbed)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from cashdesk.models import DuplicateCandidate, DuplicateSource, DuplicateStatus, Member, MemberMerge
from cashdesk.sync.mapping.base import (
    SYNCED_FIELDS,
    Mapping,
    household_path,
    live,
    record_values,
    resource,
    without_money,
)
from cashdesk.sync.mapping.elements import (
    Resource,
    common_path,
    logical_id,
    logical_reference,
    reference,
    referenced_id,
)
from cashdesk.sync.mapping.fields import Code, Field, Json, Logical, Moment, Number, Ref, Text, find_extension

USER = "user"


def _items(**members: uuid.UUID) -> list[dict[str, Any]]:
    return [
        {"type": kind, "resource": reference("Patient", member_id)} for kind, member_id in members.items()
    ]


def _item(linkage: Resource, kind: str) -> uuid.UUID:
    return next(referenced_id(i["resource"], "Patient") for i in linkage["item"] if i["type"] == kind)


def _author(user_id: uuid.UUID | None) -> dict[str, Any] | None:
    return logical_reference(USER, user_id) if user_id else None


def _author_id(linkage: Resource) -> uuid.UUID | None:
    return logical_id(linkage["author"], USER) if "author" in linkage else None


def pair_path(session: Session, *member_ids: uuid.UUID) -> str | None:
    """The place holding both records' households (a duplicate may span villages)."""
    return common_path(household_path(session, session.get_one(Member, m).household_id) for m in member_ids)


# ---- DuplicateCandidate -> Linkage (in effect once decided the same person) ----

CANDIDATE_FIELDS = (
    Field("score", "duplicate-score", Number()),
    Field("reasons", "duplicate-reasons", Json()),
    Field("source", "duplicate-source", Code(DuplicateSource)),
    Field("status", "duplicate-status", Code(DuplicateStatus)),
    Field("note", "note", Text(blank="")),
    Field("decided_by_id", "decided-by", Logical(USER)),
    Field("decided_at", "decided-at", Moment()),
    Field("decision_note", "decision-note", Text(blank="")),
    *SYNCED_FIELDS,
)


def candidate_to_fhir(candidate: DuplicateCandidate, *, location_path: str | None) -> Resource:
    """A pair that may be one person. Linkage.active says whether the link holds: only once a reviewer
    decided "same person"; an open or refused pair is kept as an inactive Linkage with its status."""
    return resource(
        "Linkage",
        candidate,
        CANDIDATE_FIELDS,
        location_path=location_path,
        active=live(candidate) and candidate.status == DuplicateStatus.SAME_PERSON,
        author=_author(candidate.raised_by_id),
        item=_items(source=candidate.left_member_id, alternate=candidate.right_member_id),
    )


def candidate_from_fhir(linkage: Resource) -> dict[str, Any]:
    return record_values(linkage, CANDIDATE_FIELDS) | {
        "left_member_id": _item(linkage, "source"),
        "right_member_id": _item(linkage, "alternate"),
        "raised_by_id": _author_id(linkage),
    }


def _is_candidate(linkage: Resource) -> bool:
    return find_extension(linkage, "duplicate-status") is not None


CANDIDATE = Mapping(
    model=DuplicateCandidate,
    resource_type="Linkage",
    read=lambda session, row: candidate_to_fhir(
        row, location_path=pair_path(session, row.left_member_id, row.right_member_id)
    ),
    values=without_money(candidate_from_fhir),
    matches=_is_candidate,
)

# ---- MemberMerge -> Linkage (the kept record is the source, the merged one historical) ----

MERGE_FIELDS = (
    Field("candidate_id", "duplicate-candidate", Ref("Linkage")),
    Field("chosen_values", "chosen-values", Json()),
    Field("merged_record", "merged-record", Json()),  # the merged member as it was, to undo by hand
    *SYNCED_FIELDS,
)


def merge_to_fhir(merge: MemberMerge, *, location_path: str | None) -> Resource:
    return resource(
        "Linkage",
        merge,
        MERGE_FIELDS,
        location_path=location_path,
        active=live(merge),
        author=_author(merge.merged_by_id),
        item=_items(source=merge.kept_member_id, historical=merge.merged_member_id),
    )


def merge_from_fhir(linkage: Resource) -> dict[str, Any]:
    return record_values(linkage, MERGE_FIELDS) | {
        "kept_member_id": _item(linkage, "source"),
        "merged_member_id": _item(linkage, "historical"),
        "merged_by_id": _author_id(linkage),
    }


MERGE = Mapping(
    model=MemberMerge,
    resource_type="Linkage",
    read=lambda session, row: merge_to_fhir(
        row, location_path=pair_path(session, row.kept_member_id, row.merged_member_id)
    ),
    values=without_money(merge_from_fhir),
    matches=lambda linkage: not _is_candidate(linkage),
)
