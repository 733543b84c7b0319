"""The scheme this database runs, and the counters behind human-readable codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from cashdesk.models.base import Base, utcnow


class Scheme(Base):
    """Exactly one row: a CashDesk database serves one scheme on one device."""

    __tablename__ = "scheme"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    currency: Mapped[str] = mapped_column(String(3))  # ISO 4217
    currency_minor_units: Mapped[int] = mapped_column(default=2)
    device_code: Mapped[str] = mapped_column(String(8))
    idle_lock_minutes: Mapped[int] = mapped_column(default=10)
    # JSON Schema of the extra household/member fields this scheme collects (rendered by the editor).
    custom_fields_schema: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodeSequence(Base):
    """Next number for each kind of human-readable code issued on this device."""

    __tablename__ = "code_sequences"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    next_value: Mapped[int] = mapped_column(default=1)
