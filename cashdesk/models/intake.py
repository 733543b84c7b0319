"""Import batches, saved column mappings, duplicate candidates and merges."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cashdesk.models.base import Base, Synced, UUIDKey, enum_column, utcnow


class ImportKind(enum.StrEnum):
    HOUSEHOLDS = "households"
    LOCATIONS = "locations"


class ImportStatus(enum.StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNDONE = "undone"


class ImportBatch(UUIDKey, Base):
    __tablename__ = "import_batches"

    kind: Mapped[ImportKind] = mapped_column(enum_column(ImportKind))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus), default=ImportStatus.RUNNING)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]


class ImportProfile(UUIDKey, Base):
    """A named column mapping, saved so the next file from the same source maps itself."""

    __tablename__ = "import_profiles"

    name: Mapped[str] = mapped_column(String(80), unique=True)
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DuplicateSource(enum.StrEnum):
    CAPTURE = "capture"  # the officer saved anyway when warned
    IMPORT = "import"
    SCAN = "scan"


class DuplicateStatus(enum.StrEnum):
    OPEN = "open"
    SAME_PERSON = "same_person"
    NOT_SAME = "not_same"
    FIELD_VISIT = "field_visit"


class DuplicateCandidate(Synced, Base):
    """A pair of members that may be one person. Stored with left_id < right_id, once per pair."""

    __tablename__ = "duplicate_candidates"
    __table_args__ = (
        Index("uq_duplicate_candidates_pair", "left_member_id", "right_member_id", unique=True),
        CheckConstraint("left_member_id < right_member_id", name="ordered_pair"),
    )

    left_member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"))
    right_member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    score: Mapped[float] = mapped_column(Float)  # 0..100, see docs/dedup.md
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[DuplicateSource] = mapped_column(enum_column(DuplicateSource))
    status: Mapped[DuplicateStatus] = mapped_column(
        enum_column(DuplicateStatus), default=DuplicateStatus.OPEN, index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    raised_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")


class MemberMerge(Synced, Base):
    """History of a "same person" decision: which record was kept and which values were chosen."""

    __tablename__ = "member_merges"

    candidate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("duplicate_candidates.id"))
    kept_member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    merged_member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id"), index=True)
    chosen_values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    merged_record: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the merged member as it was
    merged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
