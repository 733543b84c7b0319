"""The declarative base, column types and mixins every model shares."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Enum, MetaData, String, TypeDecorator, Uuid
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cashdesk.models.keys import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always returns timezone-aware datetimes, refuses naive ones on the way in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: CashDesk stores UTC datetimes only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def enum_column(enum_type: type[enum.Enum]) -> Enum:
    """Enums are stored by value as plain strings, so adding a member needs no table rebuild."""
    return Enum(
        enum_type,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        date: Date(),
        uuid.UUID: Uuid(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        bool: Boolean(),
    }


class UUIDKey:
    """A primary key that is the same on every device and becomes the record's FHIR id."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid7)


class Synced(UUIDKey):
    """A record that travels to and from the central server.

    `version` counts local edits; `server_version` is the version id the server last gave;
    `dirty` marks rows to push; `deleted_at` is a tombstone, because a deleted row must still sync.
    `updated_at`, `version` and `dirty` are maintained by a flush hook (cashdesk.core.database).
    """

    version: Mapped[int] = mapped_column(default=1)
    server_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    dirty: Mapped[bool] = mapped_column(default=True, index=True)
    deleted_at: Mapped[datetime | None]


Money = BigInteger  # amounts are integers in the currency's minor units, never floats
