"""Payment service providers and their pay points: money only flows through them."""

from __future__ import annotations

import enum
import uuid
from datetime import date

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cashdesk.models.base import Base, Synced, enum_column
from cashdesk.models.security import User


class ProviderKind(enum.StrEnum):
    MOBILE_MONEY = "mobile_money"
    BANK = "bank"
    CASH_AGENT = "cash_agent"


class PaymentServiceProvider(Synced, Base):
    __tablename__ = "providers"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[ProviderKind] = mapped_column(enum_column(ProviderKind))
    contact_name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    # The contract under which money flows through the provider: no new payroll outside its dates.
    contract_ref: Mapped[str | None] = mapped_column(String(64))
    contract_from: Mapped[date | None]
    contract_to: Mapped[date | None]


pay_point_clerks = Table(
    "pay_point_clerks",
    Base.metadata,
    Column("pay_point_id", ForeignKey("pay_points.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class PayPoint(Synced, Base):
    __tablename__ = "pay_points"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"), index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    opening_days: Mapped[str] = mapped_column(String(40), default="")  # e.g. "mon,wed,fri"

    clerks: Mapped[list[User]] = relationship(secondary=pay_point_clerks)
