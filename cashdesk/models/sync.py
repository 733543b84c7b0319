"""Bookkeeping for exchanges with the central server."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cashdesk.models.base import Base, UUIDKey, enum_column, utcnow


class SyncCursor(Base):
    """Where the last pull of each resource type stopped (the server's opaque cursor)."""

    __tablename__ = "sync_cursors"

    resource_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncRunStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class SyncRun(UUIDKey, Base):
    __tablename__ = "sync_runs"

    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    status: Mapped[SyncRunStatus] = mapped_column(enum_column(SyncRunStatus), default=SyncRunStatus.RUNNING)
    pushed: Mapped[int] = mapped_column(default=0)
    pulled: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")


class SyncConflict(UUIDKey, Base):
    """Fields of one record changed both here and on the server since the version both started from.

    `fields` names them; `base`, `local` and `remote` hold their values (JSON-ready, as the mapping gives
    them) for the Conflicts screen. Until it is resolved the record is held back from pushing."""

    __tablename__ = "sync_conflicts"

    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[uuid.UUID] = mapped_column(index=True)
    table_name: Mapped[str] = mapped_column(String(64), default="")
    fields: Mapped[list[Any]] = mapped_column(default=list)
    base: Mapped[dict[str, Any]] = mapped_column(default=dict)
    local: Mapped[dict[str, Any]] = mapped_column(default=dict)
    remote: Mapped[dict[str, Any]] = mapped_column(default=dict)
    remote_version: Mapped[str] = mapped_column(String(64), default="")
    remote_author: Mapped[str] = mapped_column(String(160), default="")
    remote_changed_at: Mapped[datetime | None]
    local_changed_at: Mapped[datetime | None]
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str] = mapped_column(String(32), default="")


class SyncServer(Base):
    """The one central server this device syncs with, and how the last exchanges went.

    The login token lives in the operating system's keyring where there is one (`token_in_keyring`);
    otherwise here, in the encrypted database. The server's clock, not the laptop's, dates everything:
    `clock_offset_seconds` is how far the laptop was off at the last exchange."""

    __tablename__ = "sync_server"

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    url: Mapped[str] = mapped_column(String(400))
    username: Mapped[str] = mapped_column(String(64))
    token: Mapped[str | None] = mapped_column(Text)
    token_in_keyring: Mapped[bool] = mapped_column(default=False)
    token_expires_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]  # by the server's clock
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_kind: Mapped[str] = mapped_column(String(16), default="")  # offline, login, server, refused
    clock_offset_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    # Freeze rules: warn, then block new payments, when this device has not synced for so many days or
    # holds so many payment records not yet on the server. A supervisor may lift the block for a while.
    warn_after_days: Mapped[int] = mapped_column(default=3)
    block_after_days: Mapped[int] = mapped_column(default=7)
    warn_unsynced_payments: Mapped[int] = mapped_column(default=500)
    block_unsynced_payments: Mapped[int] = mapped_column(default=2000)
    override_until: Mapped[datetime | None]
    override_reason: Mapped[str] = mapped_column(Text, default="")
    override_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class SyncPending(Base):
    """A push bundle written down before it is sent, so that after a lost answer or a power cut the very
    same bundle (same id) is sent again and the server applies it once."""

    __tablename__ = "sync_pending"

    bundle_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[str] = mapped_column(Text)
    rows: Mapped[list[Any]] = mapped_column(default=list)  # [table, id, local version] per entry
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class SyncRefusal(Base):
    """A record the server refused (invalid, or outside the user's districts), with its reason. It is held
    back until it is edited again (its version changes), so one bad record never blocks the others."""

    __tablename__ = "sync_refusals"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    row_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    refused_at: Mapped[datetime] = mapped_column(default=utcnow)
