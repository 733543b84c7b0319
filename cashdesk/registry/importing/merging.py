"""Households of a file that are registered already: the file's values laid on the stored household, and
the whole checked before anything is written.

An update keeps what the file does not say: members it does not list, blank cells, columns it does not
have. A file may therefore list only the members it corrects or adds. The household that results must
still keep every rule (one head, one primary recipient), so it is checked here, and rejected like any
household of the file when it breaks one; and a household already as the file says is noted, so that no
one is told it was updated.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

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
from cashdesk.registry.households import Changes
from cashdesk.registry.importing.rows import RowGroup, add_household_problems, has_errors
from cashdesk.security.permissions import Actor

UPDATE_BATCH = 500  # households loaded together: a few queries for 500 households instead of 2,500


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


@dataclass
class Updates:
    clean: dict[str, CleanHousehold] = field(default_factory=dict)  # the merged households that pass
    changes: dict[str, Changes] = field(default_factory=dict)  # of those, the ones the file changes
    unchanged: set[str] = field(default_factory=set)  # and the ones already as the file says


def check_updates(
    session: Session,
    actor: Actor,
    groups: list[RowGroup],
    to_merge: dict[str, HouseholdInput],
    stored_ids: dict[str, uuid.UUID],
    *,
    mapping: dict[str, str],
    ctx: RegistryContext,
    progress: Progress,
    abort: threading.Event,
) -> Updates:
    """Lay each registered household of the file on what is stored and check the whole: its problems go
    on its rows like any household's."""
    updates = Updates()
    mapped = set(mapping.values())
    by_ref = {g.household_ref: g for g in groups}
    for ref in stored_in_batches(session, stored_ids, list(to_merge), progress=progress, abort=abort):
        group = by_ref[ref]
        try:
            merged, kept = merged_with_stored(
                session,
                actor,
                to_merge[ref],
                household_id=stored_ids[ref],
                ref=ref,
                group=group,
                mapped=mapped,
            )
        except PermissionDenied:  # registered in a village outside the officer's areas
            group.problems.append(
                Problem(
                    "household_ref",
                    _("{ref} is registered in a village outside the areas assigned to you.").format(ref=ref),
                    row=group.rows[0].number,
                )
            )
            continue
        problems, whole = check_household(merged, ctx)
        if kept:  # a rule of the household as a whole: say the members not in the file count too
            problems = [_with_kept_members(p) if _about_roles(p) else p for p in problems]
        add_household_problems(group, problems, village_known=True)
        if whole is None or has_errors(group):
            continue
        updates.clean[ref] = whole
        changes = households.changes_of(session, whole)
        if changes.any:
            updates.changes[ref] = changes
        else:
            updates.unchanged.add(ref)
    return updates


def _about_roles(problem: Problem) -> bool:
    return problem.field == "members" or problem.field.endswith((".relation_to_head", ".recipient_role"))


def _with_kept_members(problem: Problem) -> Problem:
    return dataclasses.replace(
        problem, message=_("With the members registered already: {problem}").format(problem=problem.message)
    )


def merged_with_stored(
    session: Session,
    actor: Actor,
    data: HouseholdInput,
    *,
    household_id: uuid.UUID,
    ref: str,
    group: RowGroup,
    mapped: set[str],
) -> tuple[HouseholdInput, int]:
    """The household as the file gives it (`data`, changed in place), laid on the stored one, and the
    number of stored members the file does not list (kept).

    A file says what it knows: its members update those with the same reference, members it does not list
    are kept, a blank cell or a missing column keeps the stored value (GPS too: the format has no column
    for it), and a document replaces the member's document of the same type only."""
    stored = households.stored_household(session, actor, household_id)
    # Records registered in CashDesk were exported under their own ids (see existing.py): they are
    # matched by them and keep no source id.
    by_ref = {m.source_ref or m.id.hex: m for m in stored.input.members if m.id}
    for m in data.members:
        ref_in_file = m.source_ref or ""
        previous = by_ref.pop(ref_in_file, None) or by_ref.pop(ref_in_file.lower(), None)
        if previous is not None:
            m.id, m.source_ref = previous.id, previous.source_ref
            _keep_member_values(m, previous, recipient_given="recipient" in mapped)
    kept = list(by_ref.values())
    data.members = [*data.members, *kept]
    data.id = stored.id
    before = stored.input
    data.gps_latitude, data.gps_longitude = before.gps_latitude, before.gps_longitude
    data.location_code = data.location_code or before.location_code
    data.address = data.address or before.address
    data.pay_point_code = data.pay_point_code or before.pay_point_code
    data.payment_account = data.payment_account or before.payment_account
    if not group.household.get("payment_method"):  # a blank reads as "cash" for a new household
        data.payment_method = before.payment_method
    data.custom_fields = before.custom_fields | data.custom_fields
    if before.source_ref is None and ref.upper() == stored.code:
        data.source_ref = None
    return data, len(kept)


def _keep_member_values(m: MemberInput, stored: MemberInput, *, recipient_given: bool) -> None:
    """A blank cell of the file keeps the member's stored value; so does a column the file does not have
    (then blank on every row). The recipient column is the one whose blank says something ("not a
    recipient"): only its absence keeps the stored role."""
    for name in ("given_name", "family_name", "other_names", "sex", "relation_to_head", "phone"):
        if not getattr(m, name):
            setattr(m, name, getattr(stored, name))
    if m.date_of_birth is None and m.birth_year is None:
        m.date_of_birth, m.birth_year = stored.date_of_birth, stored.birth_year
    if m.disability is None:
        m.disability = stored.disability
    if not recipient_given:
        m.recipient_role = stored.recipient_role
    given = {document.id_type.strip().lower() for document in m.identifiers}
    m.identifiers = [
        *m.identifiers,
        *(d for d in stored.identifiers if d.id_type.strip().lower() not in given),
    ]
    m.custom_fields = stored.custom_fields | m.custom_fields
