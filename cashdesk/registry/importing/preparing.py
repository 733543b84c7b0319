"""Reading the file, parsing its rows into households and checking every rule, before anything is written."""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy.orm import Session

from cashdesk.core.errors import ValidationError
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort
from cashdesk.core.tables import TableInfo, iter_rows, normalise_header, open_table
from cashdesk.models import LocationLevel
from cashdesk.models.keys import uuid7
from cashdesk.registry import households
from cashdesk.registry.household_input import (
    CleanHousehold,
    HouseholdInput,
    LocationRef,
    Problem,
    RegistryContext,
    check_household,
)
from cashdesk.registry.households import Changes
from cashdesk.registry.importing.custom_values import CustomFields
from cashdesk.registry.importing.errors_file import column_name
from cashdesk.registry.importing.existing import find_existing
from cashdesk.registry.importing.mapping import resolve_mapping
from cashdesk.registry.importing.merging import check_updates
from cashdesk.registry.importing.options import REPORT, ImportOptions, ImportReport
from cashdesk.registry.importing.rows import (
    ParsedRow,
    RowGroup,
    RowParser,
    add_household_problems,
    group_rows,
    has_errors,
    names_required_columns,
)
from cashdesk.security.permissions import Actor

# An import holds its parsed rows in memory until the end of its one transaction: about 2.5 KB a row at the
# peak (1.1 GB for 450,000 rows, docs/benchmarks.md). Beyond this a 4 GB laptop runs out of memory, so a
# larger file is refused with a message instead (whole districts are imported in parts).
MAX_ROWS = 600_000
_LOOKS_LIKE_A_CODE = re.compile(r"(?=[A-Z0-9_-]*[0-9])[A-Z0-9][A-Z0-9_-]{0,23}")


class NewHouseholdSink(Protocol):
    """Told of each new household as soon as it passes every check (see writing.NewHouseholdPlan)."""

    def start(self, rows: int) -> None: ...

    def add(self, ref: str, clean: CleanHousehold) -> None: ...


@dataclass
class Prepared:
    info: TableInfo
    mapping: dict[str, str]
    groups: list[RowGroup]
    clean: dict[str, CleanHousehold]  # by household_ref, valid households only
    existing: dict[str, uuid.UUID]  # household_ref -> stored household id (its members' refs are known)
    report: ImportReport
    ctx: RegistryContext  # the registry's villages (and those the import creates) and pay points
    new_locations: list[LocationRef] = field(default_factory=list)  # villages to create (--create-locations)
    # Registered households of the file, not yet checked: they are checked laid on what is stored.
    to_merge: dict[str, HouseholdInput] = field(default_factory=dict)
    # Those the file changes, and those it leaves as they are; their entries in `clean` are the merged
    # households (see merging.py).
    changes: dict[str, Changes] = field(default_factory=dict)
    unchanged: set[str] = field(default_factory=set)
    # Registered households only reported as they are (--existing report).
    reported: set[str] = field(default_factory=set)

    def villages_to_create(self) -> list[LocationRef]:
        """The villages made up for unknown names that some imported household is in."""
        used = {clean.location.id for clean in self.clean.values()}
        return [ref for ref in self.new_locations if ref.id in used]


def file_hash(path: Path) -> str:
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


def _too_many_rows(path: Path, rows: int, *, about: bool) -> ValidationError:
    counted = (
        _("{file} has about {n:,} rows.") if about else _("{file} has more than {max:,} rows.")
    ).format(file=path.name, n=rows, max=MAX_ROWS)
    return ValidationError(
        counted
        + " "
        + _(
            "One import takes at most {max:,} rows. Split the file into parts, keeping all the rows of a "
            "household in the same part, and import the parts one after the other."
        ).format(max=MAX_ROWS)
    )


def prepare(
    session: Session,
    actor: Actor,
    path: Path,
    options: ImportOptions,
    *,
    progress: Progress,
    abort: threading.Event,
    new_households: NewHouseholdSink | None = None,
) -> Prepared:
    """Read, parse and check the whole file. `new_households` is told of the new households (not those
    already in the registry) that pass, in order, as they pass."""
    # A mapping by hand names columns the automatic one does not know: any header with two names will do.
    by_hand = bool(options.mapping or options.profile)
    info = open_table(path, sheet=options.sheet, is_header=None if by_hand else names_required_columns)
    ctx = households.registry_context(session)
    custom = [
        name
        for part in ("household", "member")
        for name in (ctx.custom_fields_schema.get(part) or {}).get("properties", {})
    ]
    mapping = resolve_mapping(session, info, options, custom)
    columns = {target: info.headers.index(header) for header, target in mapping.items()}
    report = ImportReport(file_name=path.name, mapping=mapping, table_warnings=info.warnings)

    parsed: list[ParsedRow] = []

    def reading(fraction: float, message: str) -> None:
        # A file far beyond the limit is refused early, from the share of it read so far.
        if fraction > 0.01 and len(parsed) / fraction > 1.5 * MAX_ROWS:
            raise _too_many_rows(path, int(len(parsed) / fraction), about=True)
        progress(0.4 * fraction, message)

    parser = RowParser(columns, cells=len(info.headers))
    late: list[str] = []  # what reading found to say (cells right of a workbook's header)
    for row in iter_rows(info, progress=reading, abort=abort, extra_cells=True, warnings=late):
        if len(parsed) == MAX_ROWS:
            raise _too_many_rows(path, MAX_ROWS + 1, about=False)
        parsed.append(parser.parse(row.number, row.values))
    report.rows = len(parsed)
    report.table_warnings = (*report.table_warnings, *late)
    if not parsed:
        raise ValidationError(_("{file} has a header but no rows to import.").format(file=path.name))
    groups = group_rows(parsed)
    if new_households is not None:
        new_households.start(len(parsed))
    progress(0.45, _("Checking {n:,} households").format(n=len(groups)))
    by_name: dict[str, list[LocationRef]] = {}
    for ref in ctx.locations.values():
        if ref.level == LocationLevel.VILLAGE.value:
            by_name.setdefault(normalise_header(ref.name), []).append(ref)
    prepared = Prepared(info, mapping, groups, {}, find_existing(session, groups), report, ctx)
    districts = [ref for ref in ctx.locations.values() if ref.level == LocationLevel.DISTRICT.value]
    covers = functools.cache(actor.covers_location)  # asked for each household, of a few hundred villages
    custom_fields = CustomFields(ctx.custom_fields_schema)
    for i, group in enumerate(groups):
        if i % 2000 == 0:
            check_abort(abort)
            progress(
                0.45 + 0.1 * i / len(groups),
                _("Checking household {i:,} of {n:,}").format(i=i, n=len(groups)),
            )
        if not group.household_ref:  # its row says why; there is no household to check
            continue
        _check_group(
            group,
            ctx=ctx,
            by_name=by_name,
            options=options,
            districts=districts,
            covers=covers,
            custom_fields=custom_fields,
            prepared=prepared,
        )
        if new_households is not None and group.household_ref not in prepared.existing:
            passed = prepared.clean.get(group.household_ref)
            if passed is not None:
                new_households.add(group.household_ref, passed)
    if prepared.to_merge:
        updates = check_updates(
            session,
            actor,
            groups,
            prepared.to_merge,
            prepared.existing,
            mapping=mapping,
            ctx=ctx,
            progress=lambda fraction, message: progress(0.55 + 0.05 * fraction, message),
            abort=abort,
        )
        prepared.clean |= updates.clean
        prepared.changes, prepared.unchanged = updates.changes, updates.unchanged
        prepared.to_merge = {}
    return prepared


def _check_group(
    group: RowGroup,
    *,
    ctx: RegistryContext,
    by_name: dict[str, list[LocationRef]],
    options: ImportOptions,
    districts: list[LocationRef],
    covers: Callable[[str], bool],
    custom_fields: CustomFields,
    prepared: Prepared,
) -> None:
    if any(p.field == "household_ref" for p in group.problems) or any(
        p.field == "cells" for row in group.rows for p in row.problems
    ):
        return  # not a household to check: one of another reference, or a row's cells shifted (RowParser)
    registered = group.household_ref in prepared.existing
    if registered and options.on_existing == REPORT:
        prepared.reported.add(group.household_ref)  # reported as it is, whatever the file says of it
        return
    location_text = group.household.get("location", "")
    if not location_text and not registered:  # a registered household keeps its village
        group.problems.append(
            Problem(
                "location",
                _("The village is missing: give its code or its name in the location column."),
                row=group.rows[0].number,
            )
        )
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
            else _(
                "There is no village {name}. Import locations first, or let the import create unknown "
                "villages (--create-locations)."
            ).format(name=location_text)
        )
        group.problems.append(Problem("location", message, row=group.rows[0].number))
    location = ctx.locations.get(code) if code else None
    if location is not None and not covers(location.path):
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
        custom_fields=custom_fields.apply(group) if custom_fields else {},
        source_ref=group.household_ref,
    )
    if registered:
        # Checked once laid on the stored household (merging.check_updates): a file may list some members.
        if not has_errors(group):
            prepared.to_merge[group.household_ref] = data
        return
    problems, clean = check_household(data, ctx)
    add_household_problems(group, problems, village_known=code is not None)
    if clean is not None and not has_errors(group):
        prepared.clean[group.household_ref] = clean


def _new_village(
    name: str,
    district: LocationRef,
    ctx: RegistryContext,
    by_name: dict[str, list[LocationRef]],
    prepared: Prepared,
) -> str:
    """With --create-locations, an unknown village is created in the scheme's only district. A value that
    looks like a code (one word with a digit, "V104") becomes the village's code; a name gets a new one."""
    code = name.strip().upper()
    if not _LOOKS_LIKE_A_CODE.fullmatch(code):
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


def rejected_rows(prepared: Prepared) -> dict[int, str]:
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
