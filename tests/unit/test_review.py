from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.core.errors import NotFound, PermissionDenied, ValidationError
from cashdesk.desk import Desk
from cashdesk.models import DuplicateStatus, Member, MemberMerge
from cashdesk.registry.households import create_household
from cashdesk.registry.review import (
    ReviewItem,
    count_queue,
    decide_not_same,
    merge,
    review_queue,
    scan_registry,
)
from tests.unit.registry_helpers import add_pay_point, add_plan, household, member


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


def _pair_of(desk: Desk, *names: str) -> ReviewItem:
    """The open pair between the people with these given names."""
    for item in desk.run(review_queue):
        if {item.left.values["given_name"], item.right.values["given_name"]} == set(names):
            return item
    raise AssertionError(f"no open pair of {names}")


def _enrol(desk: Desk, *member_ids: object) -> None:
    from cashdesk.models import Enrolment, PlanTarget

    def work(session: Session, actor: object) -> None:
        plan = add_plan(session, "OAP", "Old age pension", PlanTarget.INDIVIDUAL)
        for member_id in member_ids:
            person = session.get_one(Member, member_id)
            session.add(Enrolment(plan_id=plan.id, household_id=person.household_id, member_id=person.id))

    desk.run(work)


def test_a_merge_moves_or_closes_enrolments_and_removes_the_emptied_household(registry: Desk) -> None:
    from cashdesk.models import Enrolment, Household

    item = registry.run(review_queue)[0]
    keep, other = item.left.member_id, item.right.member_id
    _enrol(registry, keep, other)  # the double benefit a duplicate causes
    registry.run(merge, item.id, keep=keep)

    def after(session: Session, actor: object) -> tuple[object, ...]:
        kept = session.get_one(Member, keep)
        live = session.execute(select(Enrolment).where(Enrolment.deleted_at.is_(None))).scalars().all()
        gone_household = session.get_one(Household, session.get_one(Member, other).household_id)
        return [(e.member_id, e.household_id) for e in live], kept.household_id, gone_household.deleted_at

    enrolments, kept_household, removed = registry.run(after)
    assert enrolments == [(keep, kept_household)] and removed is not None  # Esther was alone there


def test_the_head_of_a_household_with_others_is_merged_last(
    registry: Desk, desk_for: Callable[[str], Desk]
) -> None:
    officer = desk_for("olive")
    officer.run(
        create_household,
        household(
            member("Joseph", "Kalwa", sex="M", born=date(1950, 2, 2)),
            member("Grace", "Kalwa", relation="spouse", recipient=None),
        ),
        duplicate_note="a second form",
    )
    item = _pair_of(registry, "Joseph", "Joseph")
    gone = next(side.member_id for side in (item.left, item.right) if side.values["family_name"] == "Kalwa")
    keep = item.left.member_id if gone == item.right.member_id else item.right.member_id
    with pytest.raises(ValidationError, match="is the head of household"):
        registry.run(merge, item.id, keep=keep)
    assert registry.run(count_queue) == 2  # nothing changed


def test_a_pair_whose_record_is_gone_leaves_the_queue_and_cannot_be_merged(
    registry: Desk, desk_for: Callable[[str], Desk]
) -> None:
    officer = desk_for("olive")
    officer.run(
        create_household,
        household(member("Esther", "Nkhomah", born=date(1969, 7, 1), id_number="55501235")),
        duplicate_note="a third form",
    )
    pairs = registry.run(review_queue)
    assert len(pairs) == 3
    first = pairs[0]
    registry.run(merge, first.id, keep=first.left.member_id)
    # The merged record's other pairs now concern the kept record, or are gone; none is left dangling.
    left = registry.run(review_queue)
    assert all(first.right.member_id not in (p.left.member_id, p.right.member_id) for p in left)
    assert registry.run(count_queue) == len(left) >= 1
    stale = [p for p in pairs[1:] if first.right.member_id in (p.left.member_id, p.right.member_id)]
    for pair in stale:
        with pytest.raises((ValidationError, NotFound)):
            registry.run(merge, pair.id, keep=first.right.member_id)
