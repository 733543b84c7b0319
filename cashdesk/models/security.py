"""Users, their roles and scopes, and the append-only audit trail."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cashdesk.models.base import Base, Synced, enum_column, utcnow
from cashdesk.models.location import Location


class Role(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    SUPERVISOR = "supervisor"
    ENROLMENT_OFFICER = "enrolment_officer"
    PAY_POINT_CLERK = "pay_point_clerk"


user_locations = Table(
    "user_locations",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("locations.id"), primary_key=True),
)


class User(Synced, Base):
    # This laptop's own facts about the account, which never travel and so never make it one to push.
    LOCAL_COLUMNS = frozenset({"must_change_password", "last_login_at"})
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[datetime | None]

    locations: Mapped[list[Location]] = relationship(secondary=user_locations)


class AuditEntry(Base):
    """One line of the audit trail. Rows are never updated or deleted (database triggers refuse it).

    `hash` = SHA-256 over the previous entry's hash and this entry's fields, so that changing or
    removing any entry breaks every link after it (`cashdesk audit verify` finds the first one).
    """

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(64), index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
