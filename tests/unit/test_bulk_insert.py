"""Bulk inserts store values exactly as the ORM does (they feed the import of whole registries)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cashdesk.core import bulk
from cashdesk.desk import Desk
from cashdesk.models import Member, RecipientRole, Relationship, Sex
from cashdesk.models.base import utcnow
from cashdesk.models.keys import uuid7
from cashdesk.registry.households import MEMBER_VALUE_COLUMNS, create_household, member_values
from cashdesk.security.permissions import Actor
from tests.unit.registry_helpers import add_pay_point, household, member


def test_a_member_inserted_in_bulk_reads_back_like_one_saved_by_the_orm(
    desk_for: Callable[[str], Desk],
) -> None:
    add_pay_point(desk_for("admin"))
    officer = desk_for("olive")
    saved = officer.run(create_household, household(member("Chikondi", "Banda")))
    typed = member(
        "Grace", "Banda", born=date(2015, 3, 9), relation="child", recipient="secondary", disability=True
    )
    typed.custom_fields = {"school": "Mzuzu Primary"}
    values = member_values(typed, "+265881234567")
    assert set(values) == set(MEMBER_VALUE_COLUMNS)  # the import lists these columns up front
    new_id = uuid7()
    now = utcnow()

    def insert(session: Session, actor: Actor) -> int:
        columns = ("id", "household_id", *MEMBER_VALUE_COLUMNS)
        converted = bulk.RowConverter(session, "members", columns)
        return bulk.insert_converted(
            session,
            "members",
            columns,
            [converted.row((new_id, saved.id, *(values[c] for c in MEMBER_VALUE_COLUMNS)))],
            # Shared values are written into the statement: a quote in one must stay a quote.
            shared={"created_at": now, "updated_at": now, "server_version": "v'1"},
        )

    assert officer.run(insert) == 1

    def read(session: Session, actor: Actor) -> tuple[Member, Member, tuple[object, ...]]:
        stored = session.execute(select(Member).where(Member.id == new_id)).scalar_one()
        head = session.execute(
            select(Member).where(Member.household_id == saved.id, Member.id != new_id)
        ).scalar_one()
        raw = session.execute(
            text("SELECT sex, created_at, dirty, version, server_version FROM members WHERE id = :id"),
            {"id": new_id.hex},
        ).one()
        return stored, head, tuple(raw)

    stored, head, raw = officer.run(read)
    assert (stored.sex, stored.relation_to_head, stored.recipient_role) == (
        Sex.FEMALE,
        Relationship.CHILD,
        RecipientRole.SECONDARY,
    )
    assert (stored.date_of_birth, stored.birth_year, stored.disability) == (date(2015, 3, 9), 2015, True)
    assert stored.custom_fields == {"school": "Mzuzu Primary"}
    assert stored.created_at == now  # time-zone aware, as the ORM returns it
    assert (stored.version, stored.dirty, stored.deleted_at) == (1, True, None)  # model defaults
    # Stored in the same shapes as the ORM's own row: enum values, ISO timestamps.
    assert raw[0] == "F" and isinstance(raw[1], str) and raw[1].startswith(str(now.year))
    assert raw[4] == "v'1"
    assert head.created_at.tzinfo is not None
