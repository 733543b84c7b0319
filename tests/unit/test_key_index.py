"""The blocking keys index: what the duplicate check finds people by."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cashdesk.core.database import alembic_config
from cashdesk.desk import Desk
from cashdesk.models import Member
from cashdesk.registry import key_index
from cashdesk.registry.dedup import match_keys
from cashdesk.registry.duplicates import load_people
from cashdesk.registry.households import create_household, get_household, update_household
from tests.unit.registry_helpers import add_pay_point, household, member


@pytest.fixture
def officer(desk_for: Callable[[str], Desk]) -> Desk:
    add_pay_point(desk_for("admin"))
    return desk_for("olive")


def _register_three(officer: Desk) -> None:
    officer.run(create_household, household(member("Chikondi", "Banda", id_number="MW12345678")))
    officer.run(
        create_household,
        household(member("Chikondi", "Bandah", id_number="MW12345679")),
        duplicate_note="checked: her sister",
    )
    officer.run(create_household, household(member("Yohane", "Phiri", sex="M", born=date(1990, 1, 2))))


def _keys_of_everyone(session: Session) -> dict[object, set[str]]:
    return {person.id: match_keys(person) for person in load_people(session)}


def test_looking_keys_up_and_one_pass_over_the_index_find_the_same_members(officer: Desk) -> None:
    _register_three(officer)

    def both_ways(session: Session, actor: object) -> None:
        keys_of = _keys_of_everyone(session)
        wanted = set().union(*keys_of.values()) | {"n:nobody:holds:this"}
        looked_up = key_index.members_by_key(session, wanted, whole_pass=False)
        one_pass = key_index.members_by_key(session, wanted, whole_pass=True)
        assert looked_up == one_pass
        assert "n:nobody:holds:this" not in looked_up
        # Every stored member is found under each of its own keys, and only there.
        for member_id, own in keys_of.items():
            assert {key for key, ids in looked_up.items() if member_id.int in ids} == own
        # The two Bandas share their ID prefix block (stored in lower case, like the tokenizer sees it).
        assert len(looked_up["i:<mw123f"]) == 2
        # Asked for no key in particular: every key of everyone, as an import's worker reads them.
        everything = key_index.members_by_key(session, None)
        assert set(everything) == set().union(*keys_of.values())
        assert {key: everything[key] for key in looked_up} == looked_up

    officer.run(both_ways)


def test_an_edit_replaces_the_members_keys(officer: Desk) -> None:
    saved = officer.run(create_household, household(member("Chikondi", "Banda", phone="0881 234 567")))
    stored = officer.run(get_household, saved.id)
    data = stored.input
    data.members[0].phone = "0999 111 222"
    officer.run(update_household, data)
    found = officer.run(lambda s, a: key_index.members_by_key(s, {"p:+265881234567", "p:+265999111222"}))
    assert list(found) == ["p:+265999111222"]


def test_keys_of_a_database_from_before_the_index_are_carried_over(officer: Desk) -> None:
    _register_three(officer)
    with officer.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0003")  # the b-tree table of one row per key, empty
        banda = conn.execute(select(Member.id).where(Member.family_name == "Banda")).scalar_one()
        conn.execute(
            text("INSERT INTO member_match_keys (key, member_id) VALUES ('i:<MW123F', :m), ('p:+2651', :m)"),
            {"m": banda.hex},
        )
        command.upgrade(alembic_config(conn), "head")
        found = key_index.members_by_key(Session(bind=conn), {"i:<mw123f", "p:+2651"})
    assert found == {"i:<mw123f": [banda.int], "p:+2651": [banda.int]}


def test_a_large_store_merges_the_index_and_leaves_its_settings_as_they_were(officer: Desk) -> None:
    def store_many(session: Session, actor: object) -> tuple[int, str, int]:
        many = key_index.MERGE_AFTER
        # Rowids past any member's: the index does not look at the members.
        stored = key_index.store(
            session, ((10**9 + i, f"p:+2658{i:08d} n:x:{i % 7}") for i in range(many)), total=many
        )
        setting = session.execute(text("SELECT v FROM member_keys_config WHERE k = 'automerge'")).scalar_one()
        found = key_index.members_by_key(session, {"p:+265800000042"})
        session.rollback()
        return stored, str(setting), len(found)

    stored, automerge, found = officer.run(store_many)
    assert (stored, automerge, found) == (key_index.MERGE_AFTER, str(key_index.AUTOMERGE), 1)
