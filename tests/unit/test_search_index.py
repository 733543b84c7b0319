"""The households list's full-text index, across the migration that dropped word positions from it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from sqlalchemy import text

from cashdesk.core.database import alembic_config
from cashdesk.desk import Desk
from cashdesk.registry.households import create_household
from cashdesk.registry.search import HouseholdQuery, list_households
from tests.unit.registry_helpers import add_pay_point, household, member


@pytest.fixture
def officer(desk_for: Callable[[str], Desk]) -> Desk:
    add_pay_point(desk_for("admin"))
    return desk_for("olive")


def _found(officer: Desk, typed: str) -> list[object]:
    return [row.id for row in officer.run(list_households, HouseholdQuery(text=typed))]


def test_search_rows_are_kept_when_the_index_is_rebuilt_without_positions(officer: Desk) -> None:
    saved = officer.run(create_household, household(member("Chikondi", "Banda", phone="0881 234 567")))
    officer.run(create_household, household(member("Mercy", "Phiri")))

    def table_sql() -> str:
        with officer.engine.connect() as conn:
            sql: str = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'member_search'")
            ).scalar_one()
            return sql

    assert "detail = none" in table_sql()
    with officer.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0004")
    assert "detail" not in table_sql()  # positions again, as databases made before 0005 have them
    assert _found(officer, "banda chik") == [saved.id]
    with officer.engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    assert "detail = none" in table_sql()
    # Names in any order, prefixes, the phone typed the national way: all still found, nothing else.
    assert _found(officer, "chik banda") == [saved.id]
    assert _found(officer, "0881234567") == [saved.id]
    assert _found(officer, "banda phiri") == []


def test_a_name_typed_with_typos_finds_the_household_and_an_exact_one_stays_exact(officer: Desk) -> None:
    fatou = officer.run(create_household, household(member("Fatoumatta", "Jallow")))
    banda = officer.run(create_household, household(member("Chikondi", "Banda")))
    bande = officer.run(create_household, household(member("Chikondi", "Bande")), duplicate_note="her cousin")
    assert _found(officer, "Fatoumata Jalow") == [fatou.id]  # a letter dropped in each name
    assert _found(officer, "fatoumatta jallow") == [fatou.id]
    assert _found(officer, "Fatuomatta") == [fatou.id]  # two letters swapped: two edits, long word
    assert _found(officer, "Banda") == [banda.id]  # someone is called that: no Bande
    assert sorted(_found(officer, "Chikondi Bandu")) == sorted([banda.id, bande.id])  # no one: both close
    assert _found(officer, "Mwale") == []  # nothing close either
