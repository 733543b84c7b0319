"""Three-way merge of one record, field by field, against the version both sides started from.

A field changed on one side only takes that side's value; a field changed on both sides to different
values is a conflict for a person to decide (the Conflicts screen). Pure functions on plain dicts of
column values, as the mapping gives them, so that the rule can be tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Merged:
    values: dict[str, Any]  # what the record holds now: for a conflicting field, this device's value
    conflicts: dict[str, tuple[Any, Any, Any]]  # field -> (base, local, remote)
    local_changes: frozenset[str]  # fields whose merged value the server does not have yet

    @property
    def needs_push(self) -> bool:
        return bool(self.local_changes)


TOMBSTONE = "deleted_at"


def three_way(base: Mapping[str, Any] | None, local: Mapping[str, Any], remote: Mapping[str, Any]) -> Merged:
    """Merge `local` (this device's record) with `remote` (the server's newer version).

    Without a base (the server cannot give the version this device started from) every field the two
    sides hold differently is a conflict: nothing is decided by guessing. A record deleted on one side
    and edited on the other is a conflict on its deletion, though the fields differ: someone must say
    whether the edit or the deletion stands."""
    values: dict[str, Any] = {}
    conflicts: dict[str, tuple[Any, Any, Any]] = {}
    pushed: set[str] = set()
    for name in sorted(set(local) | set(remote)):
        mine, theirs = local.get(name), remote.get(name)
        was = base.get(name) if base is not None else None
        if mine == theirs:
            values[name] = theirs
        elif base is not None and mine == was:
            values[name] = theirs  # changed on the server only
        elif base is not None and theirs == was:
            values[name] = mine  # changed here only: still to push
            pushed.add(name)
        else:
            values[name] = mine  # kept here until someone chooses
            conflicts[name] = (was, mine, theirs)
    if base is not None and TOMBSTONE not in conflicts and _deleted_against_an_edit(base, local, remote):
        values[TOMBSTONE] = local.get(TOMBSTONE)
        conflicts[TOMBSTONE] = (base.get(TOMBSTONE), local.get(TOMBSTONE), remote.get(TOMBSTONE))
        pushed.discard(TOMBSTONE)
    return Merged(values, conflicts, frozenset(pushed))


def _deleted_against_an_edit(
    base: Mapping[str, Any], local: Mapping[str, Any], remote: Mapping[str, Any]
) -> bool:
    def edited(side: Mapping[str, Any]) -> bool:
        return any(side.get(k) != base.get(k) for k in side if k != TOMBSTONE)

    def deleted(side: Mapping[str, Any]) -> bool:
        return side.get(TOMBSTONE) is not None and base.get(TOMBSTONE) is None

    return (deleted(remote) and not deleted(local) and edited(local)) or (
        deleted(local) and not deleted(remote) and edited(remote)
    )
