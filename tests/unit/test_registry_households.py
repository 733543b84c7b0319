from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select

from cashdesk.core.errors import PermissionDenied
from cashdesk.core.ids import is_valid_code
from cashdesk.desk import Desk
from cashdesk.models import DuplicateCandidate, DuplicateSource, Member
from cashdesk.registry.households import (
    InvalidHousehold,
    PossibleDuplicates,
    check_member_duplicates,
    create_household,
    get_household,
    update_household,
)
from cashdesk.registry.search import HouseholdQuery, count_households, list_households
from tests.unit.registry_helpers import add_pay_point, household, member


@pytest.fixture
def officer(desk_for: Callable[[str], Desk]) -> Desk:
    add_pay_point(desk_for("admin"))
    return desk_for("olive")  # works in V001


def _banda() -> object:
    return household(
        member("Chikondi", "Banda", phone="0881 234 567", id_number="12345678"),
        member("Yohane", "Banda", sex="M", born=date(1978, 1, 2), relation="spouse", recipient=None),
        member("Grace", "Banda", born=None, year=2015, relation="child", recipient=None),
    )


def test_register_a_household_and_find_it_every_way(officer: Desk) -> None:
    saved = officer.run(create_household, _banda())
    assert is_valid_code(saved.code)
    for typed in (
        "Banda Chikondi",
        "chikondi banda",
        "chiko",
        saved.code,
        "0881234567",
        "+265 881 234 567",
        "12345678",
        "yohane",
    ):
        rows = officer.run(list_households, HouseholdQuery(text=typed))
        assert [r.code for r in rows] == [saved.code], typed
    row = officer.run(list_households, HouseholdQuery())[0]
    assert (row.head_name, row.recipient_name, row.members) == ("Chikondi Banda", "Chikondi Banda", 3)
    assert officer.run(count_households, HouseholdQuery(text="nobody")) == 0
    detail = officer.run(get_household, saved.id)
    assert detail.input.members[0].phone == "+265881234567"


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        (
            lambda h: setattr(h.members[1], "relation_to_head", "head"),
            "members[1].relation_to_head",
            "two heads",
        ),
        (lambda h: setattr(h.members[0], "recipient_role", None), "members", "no primary recipient"),
        (
            lambda h: setattr(h.members[2], "date_of_birth", date(2999, 1, 1)),
            "members[2].date_of_birth",
            "future",
        ),
        (lambda h: setattr(h.members[0], "phone", "0712 345 678"), "members[0].phone", "not a valid Malawi"),
        (lambda h: setattr(h, "pay_point_code", "NOPE"), "pay_point", "no pay point NOPE"),
        (lambda h: setattr(h, "location_code", "D01"), "location", "choose a village"),
        (lambda h: setattr(h, "payment_method", "mobile_money"), "payment_account", "mobile number"),
    ],
)
def test_rules_name_the_field(officer: Desk, change: Callable[[object], None], field: str, text: str) -> None:
    data = _banda()
    change(data)
    with pytest.raises(InvalidHousehold) as caught:
        officer.run(create_household, data)
    assert any(p.field == field and text in p.message for p in caught.value.problems), caught.value.problems
    assert officer.run(lambda s, a: s.execute(select(func.count()).select_from(Member)).scalar_one()) == 0


def test_officers_register_only_in_their_area(officer: Desk, desk_for: Callable[[str], Desk]) -> None:
    with pytest.raises(PermissionDenied):
        officer.run(create_household, household(member("Ruth", "Phiri"), village="V002"))
    with pytest.raises(PermissionDenied):
        desk_for("carl").run(create_household, _banda())


def test_likely_duplicate_is_shown_before_saving_and_recorded_when_saved_anyway(officer: Desk) -> None:
    first = officer.run(create_household, _banda())
    again = household(member("Chikondi", "Bandah", born=date(1980, 5, 17), id_number="12345679"))
    views = officer.run(check_member_duplicates, again.members[0], location_code="V001")
    assert views and views[0].household_code == first.code
    with pytest.raises(PossibleDuplicates) as caught:
        officer.run(create_household, again)
    assert caught.value.hits[0][0].household_code == first.code
    saved = officer.run(create_household, again, duplicate_note="different person, checked her card")
    assert saved.duplicates_recorded == 1
    candidate = officer.run(lambda s, a: s.execute(select(DuplicateCandidate)).scalar_one())
    assert candidate.source == DuplicateSource.CAPTURE and "checked her card" in candidate.note


def test_a_sex_typed_as_a_word_is_compared_as_its_code(officer: Desk) -> None:
    # "female" is accepted and saved as F: the duplicate check must compare her as F too (as "FEMALE"
    # she would lose 40 points for a different sex, and this copy would go unnoticed).
    first = officer.run(create_household, _banda())
    typed = member("Chikondi", "Banda", sex="female", born=date(1980, 5, 17))
    views = officer.run(check_member_duplicates, typed, location_code="V001")
    assert views and views[0].household_code == first.code


def test_edit_swaps_head_and_removes_a_member(officer: Desk) -> None:
    saved = officer.run(create_household, _banda())
    data = officer.run(get_household, saved.id).input
    head, spouse = data.members[0], data.members[1]
    head.relation_to_head, spouse.relation_to_head = "spouse", "head"
    head.recipient_role, spouse.recipient_role = None, "primary"
    data.members = data.members[:2]
    officer.run(update_household, data)
    again = officer.run(get_household, saved.id).input
    assert [m.relation_to_head for m in again.members] == ["head", "spouse"]
    assert again.members[0].given_name == "Yohane" and len(again.members) == 2
    assert officer.run(list_households, HouseholdQuery(text="grace")) == []  # removed from the search too


def test_a_person_known_by_one_name_is_registered_with_a_warning(officer: Desk) -> None:
    saved = officer.run(create_household, household(member("Sukarno", ""), pay_point_code=""))
    [warning] = [w for w in saved.warnings if w.field == "members[0].family_name"]
    assert "single name" in warning.message and warning.severity == "warning"
    assert officer.run(get_household, saved.id).input.members[0].given_name == "Sukarno"
    with pytest.raises(InvalidHousehold) as caught:
        officer.run(create_household, household(member("", "  "), pay_point_code=""))
    assert [p.message for p in caught.value.problems if p.field == "members[0].given_name"] == [
        "A name is required."
    ]
