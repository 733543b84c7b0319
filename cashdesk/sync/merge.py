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


def three_way(base: Mapping[str, Any] | None, local: Mapping[str, Any], remote: Mapping[str, Any]) -> Merged:
    """Merge `local` (this device's record) with `remote` (the server's newer version).

    Without a base (the server cannot give the version this device started from) every field the two
    sides hold differently is a conflict: nothing is decided by guessing."""
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
    return Merged(values, conflicts, frozenset(pushed))
