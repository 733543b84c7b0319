"""Households, their members and the members' identity documents."""

from __future__ import annotations

import enum
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cashdesk.models.base import Base, Synced, UUIDKey, enum_column


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    MOBILE_MONEY = "mobile_money"
    BANK = "bank"


class HouseholdStatus(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"  # moved away, dissolved; kept for history


class Sex(enum.StrEnum):
    FEMALE = "F"
    MALE = "M"


class Relationship(enum.StrEnum):
    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    GRANDCHILD = "grandchild"
    OTHER = "other"


class RecipientRole(enum.StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


class Household(Synced, Base):
    __tablename__ = "households"

    code: Mapped[str] = mapped_column(String(24), unique=True)
    source_ref: Mapped[str | None] = mapped_column(String(64), index=True)  # household_ref of an import
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("locations.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    gps_latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    gps_longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    preferred_pay_point_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("pay_points.id"), index=True)
    payment_method: Mapped[PaymentMethod] = mapped_column(
        enum_column(PaymentMethod), default=PaymentMethod.CASH
    )
    payment_provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"))
    payment_account: Mapped[str | None] = mapped_column(String(64))  # mobile number or bank account
    status: Mapped[HouseholdStatus] = mapped_column(
        enum_column(HouseholdStatus), default=HouseholdStatus.ACTIVE
    )
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    import_batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("import_batches.id"), index=True)
    registered_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))

    members: Mapped[list[Member]] = relationship(back_populates="household")


class Member(Synced, Base):
    __tablename__ = "members"
    __table_args__ = (
        # One head and one primary recipient per household, enforced by the database itself.
        Index(
            "uq_members_one_head",
            "household_id",
            unique=True,
            sqlite_where=text("relation_to_head = 'head' AND deleted_at IS NULL"),
        ),
        Index(
            "uq_members_one_primary_recipient",
            "household_id",
            unique=True,
            sqlite_where=text("recipient_role = 'primary' AND deleted_at IS NULL"),
        ),
        CheckConstraint("date_of_birth IS NOT NULL OR birth_year IS NOT NULL", name="birth_known"),
    )

    # Names, birth years, phones and ID numbers are found through member_search (FTS5) and
    # member_keys, not through indexes of their own (dropped in 0003: they slowed imports down).
    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("households.id"), index=True)
    source_ref: Mapped[str | None] = mapped_column(String(64), index=True)  # member_ref of an import
    given_name: Mapped[str] = mapped_column(String(80))
    family_name: Mapped[str] = mapped_column(String(80))
    other_names: Mapped[str | None] = mapped_column(String(120))
    sex: Mapped[Sex] = mapped_column(enum_column(Sex))
    date_of_birth: Mapped[date | None]
    # Always set: the year of date_of_birth, or the only thing known (a year, or an estimated age).
    birth_year: Mapped[int | None]
    birth_date_estimated: Mapped[bool] = mapped_column(default=False)
    relation_to_head: Mapped[Relationship] = mapped_column(enum_column(Relationship))
    recipient_role: Mapped[RecipientRole | None] = mapped_column(enum_column(RecipientRole))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    disability: Mapped[bool] = mapped_column(default=False)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Not indexed: undoing an import finds its members through its households (migration 0006).
    import_batch_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("import_batches.id"))

    household: Mapped[Household] = relationship(back_populates="members")
    identifiers: Mapped[list[MemberIdentifier]] = relationship(
        back_populates="member", cascade="all, delete-orphan"
    )


class MemberIdentifier(UUIDKey, Base):
    """An identity document number. Travels inside its member (FHIR Patient.identifier)."""

    __tablename__ = "member_identifiers"
    __table_args__ = (Index("ix_member_identifiers_type_number", "id_type", "number"),)

    member_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    id_type: Mapped[str] = mapped_column(String(32))  # e.g. national_id, birth_certificate, voter_card
    number: Mapped[str] = mapped_column(String(64))  # normalised: upper case, no spaces

    member: Mapped[Member] = relationship(back_populates="identifiers")
