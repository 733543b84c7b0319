"""Importing households from a spreadsheet: preview, import, errors file, undo.

The whole import is one transaction: a cancelled or failed import leaves nothing behind. A household is
written whole or not at all; its rows go to the errors file when any of them is wrong. Rows whose
member_ref is already in the registry update it or are reported, as the user chooses.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cashdesk.core import checkpoints
from cashdesk.core.collector import collector_paused
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.models import DuplicateSource, ImportBatch, ImportKind, ImportStatus
from cashdesk.registry import duplicates, key_index
from cashdesk.registry.household_input import Problem
from cashdesk.registry.importing.errors_file import write_errors_file
from cashdesk.registry.importing.mapping import save_profile
from cashdesk.registry.importing.options import REPORT, UPDATE, ImportOptions, ImportReport
from cashdesk.registry.importing.preparing import Prepared, file_hash, prepare, rejected_rows
from cashdesk.registry.importing.writing import (
    NewHouseholdPlan,
    NewRows,
    insert_new,
    update_existing,
    write_locations,
)
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

__all__ = ["REPORT", "UPDATE", "ImportOptions", "ImportReport", "import_households"]

# From this many new people, the import's log is copied into the database file after its commit, by a
# thread, rather than in the commit (cashdesk.core.checkpoints): about 20 MB of log and more.
CHECKPOINT_AFTER_FROM = checkpoints.LARGE_WRITE_ROWS


# A large file makes millions of objects that live until the end: the collector's walks over them would
# take a third of the import (see cashdesk.core.collector).
@collector_paused()
def import_households(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    options: ImportOptions | None = None,
    dry_run: bool = False,
    errors_path: Path | None = None,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> ImportReport:
    actor.require(Permission.IMPORT_HOUSEHOLDS)
    options = options or ImportOptions()
    abort = abort or never_abort()
    # New households go to the duplicate check as soon as they pass the file's checks (not in a dry run).
    plan = None if dry_run else NewHouseholdPlan(session, duplicates.decided_not_same(session))
    try:
        return _import(session, actor, path, options, plan, errors_path, progress, abort)
    finally:
        if plan is not None:
            plan.close()


def _import(  # noqa: PLR0917 - import_households' arguments, passed on
    session: Session,
    actor: Actor,
    path: Path,
    options: ImportOptions,
    plan: NewHouseholdPlan | None,  # None in a dry run
    errors_path: Path | None,
    progress: Progress,
    abort: threading.Event,
) -> ImportReport:
    prepared = prepare(session, actor, path, options, progress=progress, abort=abort, new_households=plan)
    report = prepared.report
    rejected = _summarise(prepared)
    if errors_path is not None:
        write_errors_file(errors_path, prepared.info, rejected, abort=abort)
    if plan is None:  # a dry run: what a real run would do, so the user can decide before writing anything
        _predict(prepared)
        return report
    if options.save_profile:
        save_profile(session, options.save_profile, prepared.mapping)

    batch = ImportBatch(
        kind=ImportKind.HOUSEHOLDS,
        file_name=path.name,
        file_sha256=file_hash(path),
        user_id=actor.user_id,
        mapping=prepared.mapping,
    )
    session.add(batch)
    session.flush()
    report.batch_id = batch.id
    write_locations(session, actor, prepared)
    note = _("import of {file}").format(file=path.name)
    prepared.groups = []  # the report is made: from here on only the clean households are needed
    check_abort(abort)
    # The file's people are being checked for duplicates (on the other core for a large file) since they
    # passed the file's checks; their rows are written meanwhile.
    new = plan.finish()
    if len(new.members) >= CHECKPOINT_AFTER_FROM:
        checkpoints.checkpoint_after_commit(session)
    with plan.check as check:
        insert_new(session, actor, prepared, batch.id, new, progress=progress, abort=abort)
        # The new households' rows took the bar to 80 %; a file of updates only moves it from 60 %.
        updates_from = 0.8 if new.members else 0.6
        update_existing(
            session,
            actor,
            prepared,
            note=note,
            progress=_part(progress, updates_from, 0.8, abort),
            abort=abort,
        )
        count_updates(prepared)
        check_abort(abort)
        if check.in_background:
            # The worker reads the registry as last committed: the file's keys can be stored meanwhile.
            _store_keys(session, new, check.keys(abort), progress=_part(progress, 0.8, 0.95, abort))
            found = check.result(abort, _part(progress, 0.95, 0.99, abort))
        else:
            # Checked in this session: the file's keys must not be stored before, or the check would
            # see the file's people among those registered before it.
            found = check.result(abort, _part(progress, 0.8, 0.9, abort))
            _store_keys(session, new, check.keys(abort), progress=_part(progress, 0.9, 0.99, abort))
    report.duplicate_candidates = duplicates.record_candidates(
        session, actor, found, source=DuplicateSource.IMPORT, note=note
    )
    batch.status = ImportStatus.COMPLETED
    batch.finished_at = datetime.now(UTC)
    batch.counts = _counts(report)
    audit.record(
        session,
        actor,
        action="import.households",
        entity_type="import_batch",
        entity_id=batch.id,
        summary=path.name,
        after=batch.counts,
    )
    check_abort(abort)  # the last moment a cancel takes effect: after this the caller commits
    progress(
        1.0, _("Imported {n:,} households").format(n=report.households_created + report.households_updated)
    )
    return report


def _store_keys(session: Session, new: NewRows, keys: list[str], *, progress: Progress) -> None:
    """The blocking keys of the file's new people (separated by spaces), so that later checks find them.
    They come in the order the people were given to the check, which is the order of their rowids."""
    rowids = range(new.first_rowid, new.first_rowid + new.members_written)
    key_index.store(session, zip(rowids, keys, strict=True), total=len(keys), progress=progress)


def _part(progress: Progress, start: float, end: float, abort: threading.Event) -> Progress:
    """A step's own progress (0 to 1) shown as the part of the whole import from `start` to `end`;
    each report is also a point where a cancel takes effect."""

    def part(fraction: float, message: str) -> None:
        check_abort(abort)
        progress(start + (end - start) * fraction, message)

    return part


def _summarise(prepared: Prepared) -> dict[int, str]:
    """Fill in the report's problems and rejection counts; returns the rejected rows' reasons by number."""
    report = prepared.report
    present = prepared.reported  # registered households, only reported (--existing report)
    if present:
        for group in prepared.groups:
            if group.household_ref in present:
                for row in group.rows:
                    row.problems.append(
                        Problem(
                            "member_ref",
                            _("household {ref} is already in the registry (not changed)").format(
                                ref=group.household_ref
                            ),
                            row=row.number,
                        )
                    )
        report.rows_already_present = sum(len(g.rows) for g in prepared.groups if g.household_ref in present)
    for group in prepared.groups:
        all_problems = group.problems + [p for row in group.rows for p in row.problems]
        report.problems.extend(all_problems)
    report.warnings = sum(1 for p in report.problems if not p.is_error)
    rejected = rejected_rows(prepared)
    report.rows_rejected = len(rejected) - report.rows_already_present
    households = {g.household_ref for g in prepared.groups if g.household_ref}  # rows without one: rows only
    report.households_rejected = len(households - set(prepared.clean) - present)
    return rejected


def _predict(prepared: Prepared) -> None:
    """A dry run's counts: what a real run would create, update, leave as it is, and add as villages."""
    report = prepared.report
    new_refs = [ref for ref in prepared.clean if ref not in prepared.existing]
    report.households_created = len(new_refs)
    report.members_created = sum(len(prepared.clean[ref].data.members) for ref in new_refs)
    report.locations_created = len(prepared.villages_to_create())
    count_updates(prepared)


def count_updates(prepared: Prepared) -> None:
    """The registered households the file changes, and the people in them it changes and adds."""
    report = prepared.report
    report.households_updated = len(prepared.changes)
    report.members_updated = sum(c.members_changed for c in prepared.changes.values())
    report.members_added = sum(c.members_added for c in prepared.changes.values())
    report.households_unchanged = len(prepared.unchanged)


def _counts(report: ImportReport) -> dict[str, Any]:
    return {
        name: getattr(report, name)
        for name in (
            "rows",
            "households_created",
            "members_created",
            "households_updated",
            "members_updated",
            "members_added",
            "households_unchanged",
            "households_rejected",
            "rows_rejected",
            "rows_already_present",
            "duplicate_candidates",
            "locations_created",
        )
    }
