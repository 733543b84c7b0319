from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from cashdesk.core.errors import PermissionDenied
from cashdesk.desk import Desk
from cashdesk.models import DuplicateStatus, Member, MemberMerge
from cashdesk.registry.households import create_household
from cashdesk.registry.review import count_queue, decide_not_same, merge, review_queue, scan_registry
from tests.unit.registry_helpers import add_pay_point, household, member


@pytest.fixture
def registry(desk_for: Callable[[str], Desk]) -> Desk:
    admin = desk_for("admin")
    add_pay_point(admin)
    officer = desk_for("olive")
    officer.run(
        create_household, household(member("Esther", "Nkhoma", born=date(1969, 7, 1), id_number="55501234"))
    )
    officer.run(
        create_household,
        household(member("Esther", "Nkoma", born=date(1969, 1, 7), phone="0999123456")),
        duplicate_note="entered from a second form",
    )
    officer.run(create_household, household(member("Joseph", "Kalua", sex="M", born=date(1950, 2, 2))))
    return desk_for("sue")


def test_scan_queue_and_not_the_same_is_remembered(registry: Desk) -> None:
    assert registry.run(count_queue) == 1  # raised at capture already
    result = registry.run(scan_registry)
    assert result.people == 3 and len(result.pairs) == 1 and result.new_candidates == 0
    item = registry.run(review_queue)[0]
    assert {item.left.values["family_name"], item.right.values["family_name"]} == {"Nkhoma", "Nkoma"}
    assert "family_name" in item.differing_fields() and "date_of_birth" in item.differing_fields()
    registry.run(decide_not_same, item.id, note="different mothers")
    assert registry.run(count_queue) == 0
    again = registry.run(scan_registry)
    assert again.pairs == [] and registry.run(count_queue) == 0


def test_merge_keeps_chosen_values_and_history(registry: Desk) -> None:
    item = registry.run(review_queue)[0]
    keep, other = item.left.member_id, item.right.member_id
    registry.run(merge, item.id, keep=keep, choices={"date_of_birth": other, "phone": other})
    kept = registry.run(lambda s, a: s.get_one(Member, keep))
    gone = registry.run(lambda s, a: s.get_one(Member, other))
    other_values = item.right.values
    assert kept.date_of_birth == other_values["date_of_birth"] and kept.phone == other_values["phone"]
    assert gone.deleted_at is not None
    history = registry.run(lambda s, a: s.execute(select(MemberMerge)).scalar_one())
    assert history.merged_member_id == other and history.merged_record["given_name"] == "Esther"
    assert registry.run(count_queue, status=DuplicateStatus.SAME_PERSON) == 1


def test_only_reviewers_decide(registry: Desk, desk_for: Callable[[str], Desk]) -> None:
    item = registry.run(review_queue)[0]
    with pytest.raises(PermissionDenied):
        desk_for("olive").run(decide_not_same, item.id)
