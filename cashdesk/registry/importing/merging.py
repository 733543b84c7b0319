"""Households of a file that are registered already: the file's values laid on the stored household, and
the whole checked before anything is written.

An update keeps what the file does not say: members it does not list, and the values of columns it does
not have. The household that results must still keep every rule (one head, one primary recipient), so it
is checked here with the file's other rules, and rejected like any household of the file when it breaks
one; and a household already as the file says is noted, so that no one is told it was updated.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

from sqlalchemy.orm import Session

from cashdesk.core.errors import PermissionDenied
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort
from cashdesk.registry import households
from cashdesk.registry.household_input import (
    CleanHousehold,
    HouseholdInput,
    MemberInput,
    Problem,
    RegistryContext,
    check_household,
)
from cashdesk.registry.importing.rows import RowGroup
from cashdesk.security.permissions import Actor

UPDATE_BATCH = 500  # households loaded together: a few queries for 500 households instead of 2,500

# Optional columns: when a file has no column for one, a household or member it updates keeps its stored
# value (a file from another registry must not erase what officers recorded here). column -> attribute.
_KEPT_HOUSEHOLD = {
    "address": "address",
    "pay_point": "pay_point_code",
    "payment_method": "payment_method",
    "account_number": "payment_account",
}
_KEPT_MEMBER = {
    "other_names": "other_names",
    "phone": "phone",
    "disability": "disability",
    "id_number": "identifiers",
}


def stored_in_batches(
    session: Session,
    stored_ids: dict[str, uuid.UUID],
    refs: list[str],
    *,
    progress: Progress,
    abort: threading.Event,
) -> Iterator[str]:
    """The refs, each batch's stored households loaded into the session first; progress and a point
    where a cancel takes effect at each batch (a file that updates 100,000 households takes a minute)."""
    for start in range(0, len(refs), UPDATE_BATCH):
        check_abort(abort)
        progress(
            start / max(1, len(refs)),
            _("Comparing with the registry: household {n:,} of {total:,}").format(n=start, total=len(refs)),
        )
        batch = refs[start : start + UPDATE_BATCH]
        loaded = households.preload(session, [stored_ids[ref] for ref in batch])
        yield from batch
        del loaded  # held while the batch is worked on: the session keeps objects only while used


def check_updates(
    session: Session,
    actor: Actor,
    groups: list[RowGroup],
    clean: dict[str, CleanHousehold],
    stored_ids: dict[str, uuid.UUID],
    *,
    mapping: dict[str, str],
    ctx: RegistryContext,
    progress: Progress,
    abort: threading.Event,
) -> tuple[dict[str, int], set[str]]:
    """Merge and check each valid household of the file that is registered already. `clean` gets the
    merged household, or loses it when the merged household breaks a rule (the problems go on its rows).
    Returns the households the file changes (with the number of their members in the file) and those it
    leaves as they are."""
    changes: dict[str, int] = {}
    unchanged: set[str] = set()
    mapped = set(mapping.values())
    by_ref = {g.household_ref: g for g in groups}
    refs = [ref for ref in clean if ref in stored_ids]
    for ref in stored_in_batches(session, stored_ids, refs, progress=progress, abort=abort):
        in_file = len(clean[ref].data.members)
        group = by_ref[ref]
        try:
            merged = merged_with_stored(
                session, actor, clean[ref].data, household_id=stored_ids[ref], ref=ref, mapped=mapped
            )
        except PermissionDenied:  # registered in a village outside the officer's areas
            del clean[ref]
            group.problems.append(
                Problem(
                    "household_ref",
                    _("{ref} is registered in a village outside the areas assigned to you.").format(ref=ref),
                    row=group.rows[0].number,
                )
            )
            continue
        problems, whole = check_household(merged, ctx)
        if whole is None:
            del clean[ref]
            group.problems.extend(_as_file_problem(p, group) for p in problems if p.is_error)
        elif households.differs(session, whole):
            clean[ref] = whole
            changes[ref] = in_file
        else:
            unchanged.add(ref)
    return changes, unchanged


def _as_file_problem(problem: Problem, group: RowGroup) -> Problem:
    return Problem(
        problem.field,
        _("With the members registered already: {problem}").format(problem=problem.message),
        problem.severity,
        row=problem.row or group.rows[0].number,  # a member not in the file has no row: the household's first
    )


def merged_with_stored(
    session: Session,
    actor: Actor,
    data: HouseholdInput,
    *,
    household_id: uuid.UUID,
    ref: str,
    mapped: set[str],
) -> HouseholdInput:
    """The household as the file gives it (`data`, changed in place), on top of the stored one: the
    file's members take the ids of the members they update, stored members the file does not mention are
    kept, and so are the values of columns the file does not have (GPS: the format has no column for it)."""
    stored = households.stored_household(session, actor, household_id)
    # Records registered in CashDesk were exported under their own ids (see existing.py): they are
    # matched by them and keep no source id.
    by_ref = {m.source_ref or m.id.hex: m for m in stored.input.members if m.id}
    merged = []
    for m in data.members:
        ref_in_file = m.source_ref or ""
        previous = by_ref.pop(ref_in_file, None) or by_ref.pop(ref_in_file.lower(), None)
        if previous is not None:
            m.id, m.source_ref = previous.id, previous.source_ref
            _keep_unmapped(m, previous, _KEPT_MEMBER, mapped)
        merged.append(m)
    merged.extend(by_ref.values())
    data.id, data.members = stored.id, merged
    data.gps_latitude, data.gps_longitude = stored.input.gps_latitude, stored.input.gps_longitude
    _keep_unmapped(data, stored.input, _KEPT_HOUSEHOLD, mapped)
    if stored.input.source_ref is None and ref.upper() == stored.code:
        data.source_ref = None
    return data


def _keep_unmapped(
    given: HouseholdInput | MemberInput,
    stored: HouseholdInput | MemberInput,
    columns: dict[str, str],
    mapped: set[str],
) -> None:
    for column, attribute in columns.items():
        if column not in mapped:
            setattr(given, attribute, getattr(stored, attribute))
    given.custom_fields = {
        name: value for name, value in stored.custom_fields.items() if f"custom.{name}" not in mapped
    } | given.custom_fields
