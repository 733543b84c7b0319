"""The home screen's figures: how big the registry and the payment network are."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cashdesk.models import Household, Location, LocationLevel, Member, PaymentServiceProvider, PayPoint, User
from cashdesk.models.base import Synced
from cashdesk.security.permissions import Actor


@dataclass(frozen=True)
class Overview:
    regions: int
    districts: int
    villages: int
    households: int
    members: int
    providers: int
    pay_points: int
    users: int
    unsynced_records: int


def _count(session: Session, model: type[Synced], *conditions: object) -> int:
    query = select(func.count()).select_from(model).where(model.deleted_at.is_(None), *conditions)  # type: ignore[arg-type]
    return int(session.execute(query).scalar_one())


def overview(session: Session, actor: Actor) -> Overview:
    """Aggregate counts only: shown to every role."""
    levels: dict[LocationLevel, int] = {
        level: count
        for level, count in session.execute(
            select(Location.level, func.count()).where(Location.deleted_at.is_(None)).group_by(Location.level)
        )
    }
    unsynced = sum(
        int(
            session.execute(select(func.count()).select_from(model).where(model.dirty.is_(True))).scalar_one()
        )
        for model in (Household, Member, Location, PaymentServiceProvider, PayPoint)
    )
    return Overview(
        regions=levels.get(LocationLevel.REGION, 0),
        districts=levels.get(LocationLevel.DISTRICT, 0),
        villages=levels.get(LocationLevel.VILLAGE, 0),
        households=_count(session, Household),
        members=_count(session, Member),
        providers=_count(session, PaymentServiceProvider),
        pay_points=_count(session, PayPoint),
        users=_count(session, User, User.active.is_(True)),
        unsynced_records=unsynced,
    )
