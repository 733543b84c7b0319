"""Which households of a file are already in the registry, found by their references.

A household is found by its household_ref, or else by a member_ref already registered. References are the
source system's ids for records that came from an import, and CashDesk's own for the others (household
code, member id), as `export households` writes them: an exported file imported again changes nothing.
"""

from __future__ import annotations

import json
import re
import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session

from cashdesk.core import bulk
from cashdesk.core.i18n import _
from cashdesk.registry.household_input import ERROR, Problem
from cashdesk.registry.importing.rows import RowGroup

# One statement for each kind of reference, whatever the file's size (450,000 references, not 500 queries).
# CROSS JOIN makes SQLite take the references first and look each up in the table's index: left to choose,
# it scanned the 15,000 households without a source id once per reference (6 minutes for 100,000 of them).
_MEMBERS_BY_SOURCE = (
    "SELECT j.value, m.household_id FROM json_each(?) AS j CROSS JOIN "
    "members AS m ON m.source_ref = j.value WHERE m.deleted_at IS NULL"
)
# A member registered in CashDesk (no source id) is exported under its own id, 32 hexadecimal digits.
_MEMBERS_BY_ID = (
    "SELECT j.value, m.household_id FROM json_each(?) AS j CROSS JOIN "
    "members AS m ON m.id = lower(j.value) WHERE m.deleted_at IS NULL AND m.source_ref IS NULL"
)
_HOUSEHOLDS_BY_SOURCE = (
    "SELECT j.value, h.id FROM json_each(?) AS j CROSS JOIN "
    "households AS h ON h.source_ref = j.value WHERE h.deleted_at IS NULL"
)
_HOUSEHOLDS_BY_CODE = (
    "SELECT j.value, h.id FROM json_each(?) AS j CROSS JOIN "
    "households AS h ON h.code = upper(j.value) WHERE h.deleted_at IS NULL AND h.source_ref IS NULL"
)
# A record merged into another as the same person (the duplicate review) is a tombstone: its references
# lead to the record kept. {on} is the condition on `gone`, as in the two member look-ups above.
_MERGED = (
    "SELECT j.value, kept_household.code FROM json_each(?) AS j CROSS JOIN members AS gone ON {on} "
    "JOIN member_merges AS mm ON mm.merged_member_id = gone.id "
    "JOIN members AS kept ON kept.id = mm.kept_member_id "
    "JOIN households AS kept_household ON kept_household.id = kept.household_id "
    "WHERE gone.deleted_at IS NOT NULL"
)
_CODES = "SELECT h.id, h.code FROM json_each(?) AS j CROSS JOIN households AS h ON h.id = j.value"
_OWN_ID = re.compile(r"[0-9a-fA-F]{32}")


def find_existing(session: Session, groups: list[RowGroup]) -> dict[str, uuid.UUID]:
    """household_ref -> the stored household each group updates, for the groups already registered.

    A row whose member is registered in another household than the one its group updates gets an error:
    moving a person between households is done in the household editor, where both are seen.
    """
    member_refs = [row.member.source_ref for g in groups for row in g.rows if row.member.source_ref]
    member_home = _ids(_lookup(session, _MEMBERS_BY_SOURCE, member_refs))
    own_ids = [ref for ref in member_refs if ref not in member_home and _OWN_ID.fullmatch(ref)]
    member_home |= _ids(_lookup(session, _MEMBERS_BY_ID, own_ids))
    _report_merged(session, groups, [ref for ref in member_refs if ref not in member_home])
    household_refs = [g.household_ref for g in groups]
    found = _ids(_lookup(session, _HOUSEHOLDS_BY_SOURCE, household_refs))
    found |= _ids(_lookup(session, _HOUSEHOLDS_BY_CODE, [ref for ref in household_refs if ref not in found]))
    if member_home:
        moved: list[tuple[RowGroup, int, uuid.UUID]] = []
        for group in groups:
            homes = [
                (i, member_home[ref])
                for i, row in enumerate(group.rows)
                if (ref := row.member.source_ref) in member_home
            ]
            if not homes:
                continue
            home = found.setdefault(group.household_ref, homes[0][1])
            moved.extend((group, i, elsewhere) for i, elsewhere in homes if elsewhere != home)
        if moved:
            _report_moves(session, moved)
    if len(set(found.values())) < len(found):
        _report_twice(groups, found)
    return found


def _report_merged(session: Session, groups: list[RowGroup], unknown: list[str]) -> None:
    """Rows of people merged into another record since an earlier import are errors: importing them again
    would bring the duplicate back."""
    if not unknown or session.execute(text("SELECT 1 FROM member_merges LIMIT 1")).first() is None:
        return
    merged = _lookup(session, _MERGED.format(on="gone.source_ref = j.value"), unknown)
    own_ids = [ref for ref in unknown if ref not in merged and _OWN_ID.fullmatch(ref)]
    merged |= _lookup(session, _MERGED.format(on="gone.id = lower(j.value)"), own_ids)
    for group in groups:
        for row in group.rows:
            code = merged.get(row.member.source_ref or "")
            if code is not None:
                row.problems.append(
                    Problem(
                        "member_ref",
                        _(
                            "{ref} was merged with a person of household {code} as the same person: leave "
                            "this row out, or correct that person."
                        ).format(ref=row.member.source_ref, code=code),
                        ERROR,
                        row=row.number,
                    )
                )


def _report_twice(groups: list[RowGroup], found: dict[str, uuid.UUID]) -> None:
    """Two households of the file that are one registered household (two spellings of its reference, or a
    member listed under another reference): each would be written over the other, so the later ones are
    errors, and are checked as new households no more."""
    first: dict[uuid.UUID, RowGroup] = {}
    for group in groups:
        stored = found.get(group.household_ref)
        if stored is None:
            continue
        if stored not in first:
            first[stored] = group
            continue
        del found[group.household_ref]
        earlier = first[stored]
        group.problems.append(
            Problem(
                "household_ref",
                _(
                    "{ref} is the household registered as {other} (row {row}): give all its rows the same "
                    "household_ref."
                ).format(ref=group.household_ref, other=earlier.household_ref, row=earlier.rows[0].number),
                ERROR,
                row=group.rows[0].number,
            )
        )


def _report_moves(session: Session, moved: list[tuple[RowGroup, int, uuid.UUID]]) -> None:
    codes = _lookup(session, _CODES, [elsewhere.hex for _group, _i, elsewhere in moved])
    for group, i, elsewhere in moved:
        row = group.rows[i]
        row.problems.append(
            Problem(
                "member_ref",
                _(
                    "{ref} is registered in another household ({code}), not in {household}. To move a person "
                    "to another household, use the household editor."
                ).format(
                    ref=row.member.source_ref,
                    code=codes.get(elsewhere.hex, "?"),
                    household=group.household_ref,
                ),
                ERROR,
                row=row.number,
            )
        )


def _lookup(session: Session, statement: str, values: list[str]) -> dict[str, str]:
    """The statement's (key, value) rows for the given references, as a dictionary."""
    if not values:
        return {}
    cursor = bulk.driver_cursor(session)
    try:
        return dict(cursor.execute(statement, (json.dumps(values),)).fetchall())
    finally:
        cursor.close()


def _ids(found: dict[str, str]) -> dict[str, uuid.UUID]:
    return {ref: uuid.UUID(stored_id) for ref, stored_id in found.items()}
