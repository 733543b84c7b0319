from __future__ import annotations

import enum
import uuid

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cashdesk.models.base import Base, Synced, enum_column


class LocationLevel(enum.StrEnum):
    REGION = "region"
    DISTRICT = "district"
    VILLAGE = "village"


class Location(Synced, Base):
    __tablename__ = "locations"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    level: Mapped[LocationLevel] = mapped_column(enum_column(LocationLevel))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("locations.id"), index=True)
    # Materialised path of codes, "/R01/D01/V003/": a subtree is one indexed LIKE 'prefix%'.
    path: Mapped[str] = mapped_column(String(400), index=True)
