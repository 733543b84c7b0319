"""The three-way merge rule on its own: one-sided changes merge, both-sided ones conflict, a deletion
against an edit is a conflict, and merging is the same whichever side is called local (property tests)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cashdesk.sync.merge import three_way

BASE = {"id": 1, "address": "A", "phone": "1", "deleted_at": None}


def test_changes_on_one_side_each_merge_by_themselves() -> None:
    merged = three_way(BASE, BASE | {"address": "B"}, BASE | {"phone": "2"})
    assert merged.values == BASE | {"address": "B", "phone": "2"} and not merged.conflicts
    assert merged.local_changes == {"address"} and merged.needs_push


def test_the_same_field_changed_differently_is_a_conflict_and_keeps_this_devices_value() -> None:
    merged = three_way(BASE, BASE | {"address": "B"}, BASE | {"address": "C"})
    assert merged.conflicts == {"address": ("A", "B", "C")} and merged.values["address"] == "B"
    assert three_way(BASE, BASE | {"address": "B"}, BASE | {"address": "B"}).conflicts == {}


def test_a_deletion_against_an_edit_is_a_conflict_but_a_deletion_alone_is_not() -> None:
    deleted = BASE | {"deleted_at": "2026-12-07"}
    merged = three_way(BASE, BASE | {"address": "B"}, deleted)
    assert set(merged.conflicts) == {"deleted_at"} and merged.values["deleted_at"] is None
    assert set(three_way(BASE, deleted, BASE | {"phone": "2"}).conflicts) == {"deleted_at"}
    assert three_way(BASE, BASE, deleted).values["deleted_at"] == "2026-12-07"


def test_without_a_base_every_difference_is_asked() -> None:
    assert set(three_way(None, BASE | {"address": "B"}, BASE | {"phone": "2"}).conflicts) == {
        "address",
        "phone",
    }


records = st.fixed_dictionaries(
    {
        "address": st.sampled_from(["A", "B", "C"]),
        "phone": st.sampled_from(["1", "2"]),
        "deleted_at": st.sampled_from([None, "2026-12-07"]),
    }
)


@given(base=records, local=records, remote=records)
def test_both_sides_reach_the_same_values_once_conflicts_are_chosen(
    base: dict[str, Any], local: dict[str, Any], remote: dict[str, Any]
) -> None:
    """Device A merging the server's record and device B merging A's agree on every field nobody has to
    choose, and see the same fields in conflict: the basis of convergence."""
    here, there = three_way(base, local, remote), three_way(base, remote, local)
    assert set(here.conflicts) == set(there.conflicts)
    for name in set(local) - set(here.conflicts):
        assert here.values[name] == there.values[name]
    for name, (was, mine, theirs) in here.conflicts.items():
        assert there.conflicts[name] == (was, theirs, mine)
