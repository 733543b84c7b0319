"""Importing households from a spreadsheet: preview, import, errors file, undo.

The whole import is one transaction: a cancelled or failed import leaves nothing behind. A household is
written whole or not at all; its rows go to the errors file when any of them is wrong. Rows whose
member_ref is already in the registry update it or are reported, as the user chooses.
"""

from __future__ import annotations

import csv
import hashlib
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from cashdesk.core import bulk
from cashdesk.core.codes import HOUSEHOLD, reserve_codes
from cashdesk.core.database import note_changed
from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.ids import uuid7
from cashdesk.core.jobs import Progress, check_abort, never_abort, no_progress
from cashdesk.models import (
    DuplicateSource,
    Enrolment,
    Household,
    ImportBatch,
    ImportKind,
    ImportProfile,
    ImportStatus,
    Location,
    LocationLevel,
    Member,
    PaymentLine,
)
from cashdesk.models.base import Base, utcnow
from cashdesk.registry import duplicates, households, search
from cashdesk.registry.dedup import Match, PersonRecord, find_duplicates, match_keys
from cashdesk.registry.household_input import (
    CleanHousehold,
    HouseholdInput,
    LocationRef,
    Problem,
    RegistryContext,
    check_household,
    normalise_id_number,
)
from cashdesk.registry.importing.fields import auto_map, known_field, missing_required, normalise_header
from cashdesk.registry.importing.rows import RowGroup, group_rows, parse_row
from cashdesk.registry.importing.tables import TableInfo, iter_rows, open_table
from cashdesk.security import audit
from cashdesk.security.permissions import Actor, Permission

UPDATE, REPORT = "update", "report"
TABLES = Base.metadata.tables
HOUSEHOLD_COLUMNS = households.HOUSEHOLD_VALUE_COLUMNS
MEMBER_COLUMNS = households.MEMBER_VALUE_COLUMNS
_household_items = itemgetter(*HOUSEHOLD_COLUMNS)
_member_items = itemgetter(*MEMBER_COLUMNS)
WRITE_CHUNK = 5_000  # households per bulk insert


@dataclass(frozen=True)
class ImportOptions:
    mapping: dict[str, str] = field(default_factory=dict)  # header -> field, overriding the automatic one
    profile: str | None = None  # a saved mapping to start from
    save_profile: str | None = None  # save the mapping used under this name
    on_existing: str = UPDATE  # or REPORT
    create_locations: bool = False
    sheet: str | None = None


@dataclass
class ImportReport:
    file_name: str
    rows: int = 0
    households_created: int = 0
    members_created: int = 0
    households_updated: int = 0
    members_updated: int = 0
    households_rejected: int = 0
    rows_rejected: int = 0
    rows_already_present: int = 0
    duplicate_candidates: int = 0
    locations_created: int = 0
    warnings: int = 0
    mapping: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # every error and warning, by row
    batch_id: uuid.UUID | None = None
    table_warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.rows_rejected == 0


# --- mapping -----------------------------------------------------------------------------------------


def resolve_mapping(
    session: Session, info: TableInfo, options: ImportOptions, custom: Sequence[str]
) -> dict[str, str]:
    mapping = auto_map(info.headers, custom)
    if options.profile:
        profile = session.execute(
            select(ImportProfile).where(ImportProfile.name == options.profile)
        ).scalar_one_or_none()
        if profile is None:
            raise ValidationError(
                _("There is no saved mapping called {name}.").format(name=options.profile), field="profile"
            )
        mapping.update({h: f for h, f in profile.mapping.items() if h in info.headers})
    by_normalised = {normalise_header(h): h for h in info.headers}
    for source, target in options.mapping.items():
        header = source if source in info.headers else by_normalised.get(normalise_header(source))
        if header is None:
            raise ValidationError(
                _("The file has no column {col} (columns: {cols}).").format(
                    col=source, cols=", ".join(info.headers)
                ),
                field="mapping",
            )
        if target and not known_field(target, custom):
            raise ValidationError(_("{field} is not an import field.").format(field=target), field="mapping")
        mapping = {h: f for h, f in mapping.items() if f != target}
        if target:
            mapping[header] = target
        else:
            mapping.pop(header, None)
    missing = missing_required(mapping)
    if missing:
        raise ValidationError(
            _(
                '{file}: no column for {fields}. Rename the columns or map them (e.g. --map "Surname=family_name").'
            ).format(file=info.path.name, fields=", ".join(missing)),
            field="mapping",
        )
    return mapping


def save_profile(session: Session, name: str, mapping: dict[str, str]) -> None:
    profile = session.execute(select(ImportProfile).where(ImportProfile.name == name)).scalar_one_or_none()
    if profile is None:
        session.add(ImportProfile(name=name, mapping=mapping))
    else:
        profile.mapping = mapping


def list_profiles(session: Session, actor: Actor) -> list[tuple[str, dict[str, str]]]:
    actor.require(Permission.IMPORT_HOUSEHOLDS)
    return [
        (p.name, dict(p.mapping))
        for p in session.execute(select(ImportProfile).order_by(ImportProfile.name)).scalars()
    ]


# --- preparing ---------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    info: TableInfo
    mapping: dict[str, str]
    groups: list[RowGroup]
    clean: dict[str, CleanHousehold]  # by household_ref, valid households only
    existing: dict[str, uuid.UUID]  # household_ref -> stored household id (its members' refs are known)
    report: ImportReport
    actor: Actor | None = None
    new_locations: list[LocationRef] = field(default_factory=list)  # villages to create (--create-locations)


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _resolve_location(value: str, ctx: RegistryContext, by_name: dict[str, list[LocationRef]]) -> str | None:
    """The village code for a code or a unique village name; None when unknown or ambiguous."""
    if value.strip().upper() in ctx.locations:
        return value.strip().upper()
    found = by_name.get(normalise_header(value), [])
    return found[0].code.upper() if len(found) == 1 else None


def _existing_households(session: Session, groups: list[RowGroup]) -> dict[str, uuid.UUID]:
    """household_ref -> household id, for groups with a member_ref already in the registry."""
    refs = {row.member.source_ref: g.household_ref for g in groups for row in g.rows if row.member.source_ref}
    found: dict[str, uuid.UUID] = {}
    ref_list = list(refs)
    for start in range(0, len(ref_list), 900):
        for source_ref, household_id in session.execute(
            select(Member.source_ref, Member.household_id).where(
                Member.source_ref.in_(ref_list[start : start + 900]), Member.deleted_at.is_(None)
            )
        ):
            if source_ref is not None:
                found.setdefault(refs[source_ref], household_id)
    return found


def _prepare(
    session: Session,
    actor: Actor,
    path: Path,
    options: ImportOptions,
    *,
    progress: Progress,
    abort: threading.Event,
) -> _Prepared:
    info = open_table(path, sheet=options.sheet)
    ctx = households.registry_context(session)
    custom = [
        name
        for part in ("household", "member")
        for name in (ctx.custom_fields_schema.get(part) or {}).get("properties", {})
    ]
    mapping = resolve_mapping(session, info, options, custom)
    columns = {target: info.headers.index(header) for header, target in mapping.items()}
    report = ImportReport(file_name=path.name, mapping=mapping, table_warnings=info.warnings)

    def reading(fraction: float, message: str) -> None:
        progress(0.4 * fraction, message)

    parsed = [
        parse_row(row.number, row.values, columns) for row in iter_rows(info, progress=reading, abort=abort)
    ]
    report.rows = len(parsed)
    if not parsed:
        raise ValidationError(_("{file} has a header but no rows to import.").format(file=path.name))
    groups = group_rows(parsed)
    progress(0.45, _("Checking {n:,} households").format(n=len(groups)))
    by_name: dict[str, list[LocationRef]] = {}
    for ref in ctx.locations.values():
        if ref.level == LocationLevel.VILLAGE.value:
            by_name.setdefault(normalise_header(ref.name), []).append(ref)
    prepared = _Prepared(
        info, mapping, groups, {}, _existing_households(session, groups), report, actor=actor
    )
    districts = [ref for ref in ctx.locations.values() if ref.level == LocationLevel.DISTRICT.value]
    for i, group in enumerate(groups):
        if i % 2000 == 0:
            check_abort(abort)
            progress(
                0.45 + 0.15 * i / len(groups),
                _("Checking household {i:,} of {n:,}").format(i=i, n=len(groups)),
            )
        _check_group(group, ctx=ctx, by_name=by_name, options=options, districts=districts, prepared=prepared)
    return prepared


def _check_group(
    group: RowGroup,
    *,
    ctx: RegistryContext,
    by_name: dict[str, list[LocationRef]],
    options: ImportOptions,
    districts: list[LocationRef],
    prepared: _Prepared,
) -> None:
    location_text = group.household.get("location", "")
    code = _resolve_location(location_text, ctx, by_name) if location_text else None
    if code is None and location_text and options.create_locations and len(districts) == 1:
        code = _new_village(location_text, districts[0], ctx, by_name, prepared)
    if code is None and location_text:
        matches = by_name.get(normalise_header(location_text), [])
        message = (
            _("Several villages are called {name}: use the village code ({codes}).").format(
                name=location_text, codes=", ".join(m.code for m in matches)
            )
            if len(matches) > 1
            else _("There is no village {name}. Import locations first, or use --create-locations.").format(
                name=location_text
            )
        )
        group.problems.append(Problem("location", message, row=group.rows[0].number))
    location = ctx.locations.get(code) if code else None
    if (
        location is not None
        and prepared.actor is not None
        and not prepared.actor.covers_location(location.path)
    ):
        group.problems.append(
            Problem(
                "location",
                _("{name} is outside the areas assigned to you.").format(name=location.name),
                row=group.rows[0].number,
            )
        )
    data = HouseholdInput(
        location_code=code or "",
        members=[row.member for row in group.rows],
        address=group.household.get("address", ""),
        pay_point_code=group.household.get("pay_point", ""),
        payment_method=group.household.get("payment_method", "") or "cash",
        payment_account=group.household.get("account_number", ""),
        source_ref=group.household_ref,
    )
    problems, clean = check_household(data, ctx)
    first_row = group.rows[0].number
    # A date that could not be read was reported already; "give a date of birth" would say it twice.
    unreadable = {(p.row, p.field) for row in group.rows for p in row.problems if p.field == "date_of_birth"}
    for problem in problems:
        if problem.field.endswith(".date_of_birth") and (problem.row, "date_of_birth") in unreadable:
            continue
        if problem.member_index is not None or problem.row is not None:
            group.problems.append(problem)
        elif problem.field != "location" or code:  # our own location message is clearer
            group.problems.append(Problem(problem.field, problem.message, problem.severity, row=first_row))
    if (
        clean is not None
        and not any(p.is_error for g in (group.problems,) for p in g)
        and not any(p.is_error for row in group.rows for p in row.problems)
    ):
        prepared.clean[group.household_ref] = clean


def _new_village(
    name: str,
    district: LocationRef,
    ctx: RegistryContext,
    by_name: dict[str, list[LocationRef]],
    prepared: _Prepared,
) -> str:
    """With --create-locations, an unknown village is created in the scheme's only district."""
    number = len(prepared.new_locations) + 1
    code = f"{district.code}-V{number:03d}"
    while code.upper() in ctx.locations:
        number += 1
        code = f"{district.code}-V{number:03d}"
    ref = LocationRef(uuid7(), code, name.strip(), LocationLevel.VILLAGE.value, f"{district.path}{code}/")
    ctx.locations[code.upper()] = ref
    by_name.setdefault(normalise_header(name), []).append(ref)
    prepared.new_locations.append(ref)
    return code.upper()


# --- writing -----------------------------------------------------------------------------------------


def _write_locations(session: Session, prepared: _Prepared) -> None:
    for ref in prepared.new_locations:
        parent_path = ref.path[: ref.path.rstrip("/").rfind("/") + 1]
        parent_id = session.execute(select(Location.id).where(Location.path == parent_path)).scalar_one()
        session.add(
            Location(
                id=ref.id,
                code=ref.code,
                name=ref.name,
                level=LocationLevel.VILLAGE,
                parent_id=parent_id,
                path=ref.path,
            )
        )
    session.flush()
    prepared.report.locations_created = len(prepared.new_locations)


def _insert_new(
    session: Session,
    actor: Actor,
    prepared: _Prepared,
    batch_id: uuid.UUID,
    refs: list[str],
    *,
    progress: Progress,
    abort: threading.Event,
) -> list[PersonRecord]:
    """Bulk-insert the new households; returns their members as PersonRecords for duplicate checks.

    Households are written WRITE_CHUNK at a time and dropped from memory once written.
    """
    codes = reserve_codes(session, HOUSEHOLD, len(refs))
    now = utcnow()
    shared = {"import_batch_id": batch_id, "created_at": now, "updated_at": now}
    people: list[PersonRecord] = []
    members_created = 0
    for start in range(0, len(refs), WRITE_CHUNK):
        check_abort(abort)
        progress(
            0.62 + 0.18 * start / len(refs),
            _("Writing household {i:,} of {n:,}").format(i=start + 1, n=len(refs)),
        )
        chunk = [
            (code, prepared.clean.pop(ref))
            for code, ref in zip(
                codes[start : start + WRITE_CHUNK], refs[start : start + WRITE_CHUNK], strict=True
            )
        ]
        household_rows, member_rows, id_rows = _rows_for(chunk, people)
        bulk.insert_rows(
            session,
            "households",
            ("id", "code", *HOUSEHOLD_COLUMNS),
            household_rows,
            shared=shared | {"registered_by_id": actor.user_id},
        )
        bulk.insert_rows(
            session, "members", ("id", "household_id", *MEMBER_COLUMNS), member_rows, shared=shared
        )
        bulk.insert_rows(session, "member_identifiers", ("id", "member_id", "id_type", "number"), id_rows)
        search.index_households(session, [row[0] for row in household_rows])
        members_created += len(member_rows)
    note_changed(session, "households", "members", "member_identifiers")
    prepared.report.households_created = len(refs)
    prepared.report.members_created = members_created
    return people


def _rows_for(
    chunk: list[tuple[str, CleanHousehold]], people: list[PersonRecord]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Household, member and identifier rows for bulk insertion; the members are added to `people`."""
    household_rows: list[tuple[Any, ...]] = []
    member_rows: list[tuple[Any, ...]] = []
    id_rows: list[tuple[Any, ...]] = []
    for code, clean in chunk:
        household_id = uuid7()
        household_rows.append((household_id, code, *_household_items(households.household_values(clean))))
        member_ids = []
        for m, phone in zip(clean.data.members, clean.member_phones, strict=True):
            member_id = uuid7()
            member_ids.append(member_id)
            member_rows.append((member_id, household_id, *_member_items(households.member_values(m, phone))))
            id_rows.extend(
                (uuid7(), member_id, i.id_type.strip().lower(), normalise_id_number(i.number))
                for i in m.identifiers
                if i.number.strip()
            )
        people.extend(households.person_records(clean, household_id, member_ids))
    return household_rows, member_rows, id_rows


def _update_existing(
    session: Session, actor: Actor, prepared: _Prepared, *, refs: list[str], note: str
) -> None:
    """Apply the file's values to households already imported; members not in the file are kept."""
    for ref in refs:
        clean = prepared.clean[ref]
        stored = households.get_household(session, actor, prepared.existing[ref])
        by_source = {m.source_ref: m for m in stored.input.members if m.source_ref}
        merged = []
        for m in clean.data.members:
            previous = by_source.pop(m.source_ref, None) if m.source_ref else None
            m.id = previous.id if previous else None
            merged.append(m)
        merged.extend(by_source.values())
        merged.extend(m for m in stored.input.members if not m.source_ref)
        data = clean.data
        data.id, data.members = stored.id, merged
        households.update_household(session, actor, data, duplicate_note=note, source=DuplicateSource.IMPORT)
        prepared.report.households_updated += 1
        prepared.report.members_updated += len(clean.data.members)


def _flag_duplicates(
    session: Session,
    actor: Actor,
    people: list[PersonRecord],
    keys: list[set[str]],
    *,
    note: str,
    progress: Progress,
    abort: threading.Event,
) -> int:
    """Duplicates within the file, and between the file and the people registered before it."""
    new_ids = {p.id for p in people}
    found: list[Match] = list(
        find_duplicates(people, abort=abort, excluded_pairs=duplicates.decided_not_same(session), keys=keys)
    )
    for start in range(0, len(people), 2000):
        check_abort(abort)
        progress(0.8 + 0.15 * start / max(1, len(people)), _("Looking for people already registered"))
        chunk = people[start : start + 2000]
        for matches in duplicates.matches_for(session, chunk, keys=keys[start : start + 2000]):
            # Pairs inside the file were found above; keep only matches with earlier registrations.
            found.extend(m for m in matches if not {m.left_id, m.right_id} <= new_ids)
    return duplicates.record_candidates(session, actor, found, source=DuplicateSource.IMPORT, note=note)


def _rejected_rows(prepared: _Prepared) -> dict[int, str]:
    """The reason, by row number, for every row of a household that is not imported."""
    out: dict[int, str] = {}
    for group in prepared.groups:
        if group.household_ref in prepared.clean:
            continue
        own: dict[int, list[str]] = {}
        for problem in group.problems + [p for row in group.rows for p in row.problems]:
            if problem.is_error and problem.row is not None:
                own.setdefault(problem.row, []).append(f"{column_name(problem.field)}: {problem.message}")
        first_bad = min(own) if own else group.rows[0].number
        for row in group.rows:
            out[row.number] = "; ".join(own.get(row.number, [])) or _(
                "household {ref} was not imported because of row {row}"
            ).format(ref=group.household_ref, row=first_bad)
    return out


def column_name(problem_field: str) -> str:
    """'members[2].date_of_birth' -> 'date_of_birth'; the errors file talks in the file's columns."""
    name = problem_field.rsplit(".", 1)[-1] if problem_field.startswith("members[") else problem_field
    return {
        "relation_to_head": "relationship",
        "recipient_role": "recipient",
        "payment_account": "account_number",
    }.get(name, name)


def write_errors_file(
    path: Path, info: TableInfo, reasons: Mapping[int, str], *, abort: threading.Event | None = None
) -> None:
    """The original rows, each followed by its row number and the reason; UTF-8 with BOM so Excel reads it.

    The rows are read again from the source file, which the import did not keep in memory.
    """
    headers = info.headers
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*headers, "row", "error"])
        if not reasons:
            return
        for row in iter_rows(info, abort=abort):
            reason = reasons.get(row.number)
            if reason is not None:
                cells = list(row.values) + [""] * (len(headers) - len(row.values))
                writer.writerow([*cells[: len(headers)], row.number, reason])


def import_households(
    session: Session,
    actor: Actor,
    path: Path,
    *,
    options: ImportOptions = ImportOptions(),
    dry_run: bool = False,
    errors_path: Path | None = None,
    progress: Progress = no_progress,
    abort: threading.Event | None = None,
) -> ImportReport:
    actor.require(Permission.IMPORT_HOUSEHOLDS)
    abort = abort or never_abort()
    prepared = _prepare(session, actor, path, options, progress=progress, abort=abort)
    report = prepared.report
    valid = [g.household_ref for g in prepared.groups if g.household_ref in prepared.clean]
    present = [ref for ref in valid if ref in prepared.existing]
    if options.on_existing == REPORT:
        for group in prepared.groups:
            if group.household_ref in present:
                prepared.clean.pop(group.household_ref)
                for row in group.rows:
                    row.problems.append(
                        Problem("member_ref", _("already in the registry (not changed)"), row=row.number)
                    )
        report.rows_already_present = sum(len(g.rows) for g in prepared.groups if g.household_ref in present)
    for group in prepared.groups:
        all_problems = group.problems + [p for row in group.rows for p in row.problems]
        report.problems.extend(all_problems)
    report.warnings = sum(1 for p in report.problems if not p.is_error)
    rejected = _rejected_rows(prepared)
    report.rows_rejected = sum(1 for reason in rejected.values() if "already in the registry" not in reason)
    report.households_rejected = len({g.household_ref for g in prepared.groups} - set(prepared.clean)) - (
        len(present) if options.on_existing == REPORT else 0
    )
    if errors_path is not None:
        write_errors_file(errors_path, prepared.info, rejected, abort=abort)
    if options.save_profile:
        save_profile(session, options.save_profile, prepared.mapping)
    if dry_run:
        # What a real run would do, so the user can decide before writing anything.
        new_refs = [ref for ref in prepared.clean if ref not in prepared.existing]
        report.households_created = len(new_refs)
        report.members_created = sum(len(prepared.clean[ref].data.members) for ref in new_refs)
        report.households_updated = len(prepared.clean) - len(new_refs)
        report.members_updated = sum(
            len(prepared.clean[ref].data.members) for ref in prepared.existing if ref in prepared.clean
        )
        return report

    batch = ImportBatch(
        kind=ImportKind.HOUSEHOLDS,
        file_name=path.name,
        file_sha256=_file_hash(path),
        user_id=actor.user_id,
        mapping=prepared.mapping,
    )
    session.add(batch)
    session.flush()
    report.batch_id = batch.id
    _write_locations(session, prepared)
    note = _("import of {file}").format(file=path.name)
    new_refs = [ref for ref in prepared.clean if ref not in prepared.existing]
    updated = [ref for ref in prepared.clean if ref in prepared.existing]
    prepared.groups = []  # the report is made: from here on only the clean households are needed
    check_abort(abort)
    people = _insert_new(session, actor, prepared, batch.id, new_refs, progress=progress, abort=abort)
    _update_existing(session, actor, prepared, refs=updated, note=note)
    check_abort(abort)
    # The new people's keys are stored only after this, so the check against the registry sees only the
    # people registered before this file (pairs inside the file come from the in-file scan).
    keys = [match_keys(person) for person in people]  # computed once for the three uses below
    report.duplicate_candidates = _flag_duplicates(
        session, actor, people, keys, note=note, progress=progress, abort=abort
    )
    duplicates.store_keys(session, people, stored="none", keys=keys)
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
    progress(
        1.0, _("Imported {n:,} households").format(n=report.households_created + report.households_updated)
    )
    return report


def _counts(report: ImportReport) -> dict[str, Any]:
    return {
        name: getattr(report, name)
        for name in (
            "rows",
            "households_created",
            "members_created",
            "households_updated",
            "members_updated",
            "households_rejected",
            "rows_rejected",
            "rows_already_present",
            "duplicate_candidates",
            "locations_created",
        )
    }


# --- undo ----------------------------------------------------------------------------------------------


def undo_import(session: Session, actor: Actor, batch_id: uuid.UUID) -> int:
    """Remove what a batch created, while nothing downstream uses it. Returns households removed."""
    actor.require(Permission.IMPORT_HOUSEHOLDS)
    batch = session.get(ImportBatch, batch_id)
    if batch is None or batch.status != ImportStatus.COMPLETED:
        raise ValidationError(_("Only a completed import can be undone."))
    if batch.counts.get("households_updated"):
        raise ValidationError(
            _(
                "This import changed {n} households that were already registered; it cannot be undone "
                "automatically."
            ).format(n=batch.counts["households_updated"])
        )
    created = select(Household.id).where(Household.import_batch_id == batch_id)
    used = (
        session.execute(
            select(func.count()).select_from(Enrolment).where(Enrolment.household_id.in_(created))
        ).scalar_one()
        + session.execute(
            select(func.count()).select_from(PaymentLine).where(PaymentLine.household_id.in_(created))
        ).scalar_one()
    )
    if used:
        raise ValidationError(
            _("Households from this import are enrolled in a plan or on a payroll; it cannot be undone.")
        )
    now = utcnow()
    removed = session.execute(
        update(Household)
        .where(Household.import_batch_id == batch_id, Household.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now, dirty=True, version=Household.version + 1)
    )
    assert isinstance(removed, CursorResult)
    session.execute(
        update(Member)
        .where(Member.import_batch_id == batch_id, Member.deleted_at.is_(None))
        .values(deleted_at=now, updated_at=now, dirty=True, version=Member.version + 1)
    )
    session.execute(
        TABLES["member_match_keys"]
        .delete()
        .where(
            TABLES["member_match_keys"].c.member_id.in_(
                select(Member.id).where(Member.import_batch_id == batch_id)
            )
        )
    )
    search.index_households(session, list(session.execute(created).scalars()))
    batch.status = ImportStatus.UNDONE
    note_changed(session, "households", "members", "import_batches")
    audit.record(
        session,
        actor,
        action="import.undone",
        entity_type="import_batch",
        entity_id=batch.id,
        summary=batch.file_name,
        after={"households_removed": removed.rowcount},
    )
    return int(removed.rowcount)


@dataclass(frozen=True)
class BatchInfo:
    id: uuid.UUID
    file_name: str
    started_at: datetime
    status: str
    counts: dict[str, Any]


def list_batches(session: Session, actor: Actor) -> list[BatchInfo]:
    actor.require(Permission.IMPORT_HOUSEHOLDS)
    return [
        BatchInfo(b.id, b.file_name, b.started_at, b.status.value, dict(b.counts))
        for b in session.execute(select(ImportBatch).order_by(ImportBatch.started_at.desc())).scalars()
    ]
