"""From spreadsheet rows to households: parse each row's values and group members by household_ref."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from operator import itemgetter

from cashdesk.core.i18n import _
from cashdesk.registry.household_input import ERROR, WARNING, IdentifierInput, MemberInput, Problem
from cashdesk.registry.importing.fields import MORE_ID_PAIRS, auto_map, missing_required

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
HOUSEHOLD_FIELDS = ("location", "address", "payment_method", "account_number", "pay_point")


@dataclass(slots=True)
class ParsedRow:
    # The original cells are not kept: the errors file reads the rows it needs again from the file,
    # so that a large import holds one copy of its data, not two.
    number: int
    household_ref: str
    member: MemberInput
    household: tuple[str, ...]  # the row's cells of HOUSEHOLD_FIELDS, in that order
    problems: list[Problem] = field(default_factory=list)


def names_required_columns(cells: Sequence[str]) -> bool:
    """Whether a row, taken as the header, names every required column (without a mapping by hand): how
    the import finds the header below a title, and the sheet with the households in a workbook."""
    return not missing_required(auto_map(cells))


def parse_birth(text: str) -> tuple[date | None, int | None, str | None, str]:
    """(date, year, message, severity) for YYYY-MM-DD, DD/MM/YYYY (with a warning) or a year alone."""
    text = text.strip()
    value, year, reading = _read_birth(text)
    if reading == _READ_AS_DMY and value is not None:
        message = _("{text} was read as day/month/year ({iso}).").format(text=text, iso=value.isoformat())
        return value, year, message, WARNING
    if reading == _NOT_REAL:
        return None, None, _("{text} is not a real date.").format(text=text), ERROR
    if reading == _UNREADABLE:
        message = _("{text} is not a date: use YYYY-MM-DD, DD/MM/YYYY or a year.").format(text=text)
        return None, None, message, ERROR
    return value, year, None, ""


_READ, _READ_AS_DMY, _NOT_REAL, _UNREADABLE = range(4)


@lru_cache(maxsize=100_000)
def _read_birth(text: str) -> tuple[date | None, int | None, int]:
    """The value and how it was read. Cached: a file of 450,000 people has a few tens of thousands of
    different birth dates, and reading one costs two regular expressions and a date."""
    if not text:
        return None, None, _READ
    for pattern, order, reading in ((_ISO, (0, 1, 2), _READ), (_DMY, (2, 1, 0), _READ_AS_DMY)):
        found = pattern.match(text)
        if found:
            parts = found.groups()
            year, month, day = (int(parts[i]) for i in order)
            try:
                return date(year, month, day), year, reading
            except ValueError:
                return None, None, _NOT_REAL
    found = _YEAR.match(text)
    if found:
        return None, int(found.group(1)), _READ
    return None, None, _UNREADABLE


def _boolean(text: str) -> bool | None:
    value = text.strip().lower()
    if value in ("", "0", "no", "n", "false", "non", "f"):
        return False if value else None
    if value in ("1", "yes", "y", "true", "oui", "o", "t"):
        return True
    return None


class RowParser:
    """Turns the cells of one row into a ParsedRow; made once per import, used for every row.

    `columns` maps field name -> column index (custom fields as "custom.NAME"); the cells come from
    cashdesk.core.tables already stripped. Every field's position is looked up once here:
    this runs for each of hundreds of thousands of rows.

    `cells` is the number of columns the header names. The reader gives a row more cells than that only
    when the cells beyond the header are not empty (iter_rows(..., extra_cells=True)): usually a comma in
    a value that is not in quotes, which shifts every later cell. Such a row is an error of its own.
    """

    def __init__(self, columns: Mapping[str, int], *, cells: int | None = None) -> None:
        at = dict(columns)
        # Without a header width no row is too long (a tuple is never longer than this).
        self._cells = cells if cells is not None else sys.maxsize
        # Rows are padded to one cell past the widest column; a field the file does not have reads that
        # last, empty cell. Every cell is then one index, with no test and no call.
        self._width = max(at.values(), default=-1) + 2
        blank = self._width - 1
        self._padding = ("",) * self._width
        self._positions = tuple(at.get(name, blank) for name in _MEMBER_FIELDS)
        self._more_ids = [
            (at.get(f"id_type_{k}", blank), at[f"id_number_{k}"], (f"id_type_{k}", f"id_number_{k}"))
            for k in MORE_ID_PAIRS
            if f"id_number_{k}" in at
        ]
        self._custom = [(name[7:], index) for name, index in at.items() if name.startswith("custom.")]
        self._household = itemgetter(*(at.get(name, blank) for name in HOUSEHOLD_FIELDS))

    def parse(self, number: int, values: tuple[str, ...]) -> ParsedRow:
        if len(values) > self._cells:  # the one test a well-formed row pays for
            return self._too_long(number, values)
        # Cut to the mapped columns (a cell of a column nobody mapped must not be read as the blank one).
        values = (values[: self._width - 1] + self._padding)[: self._width]
        (
            birth_at,
            disability_at,
            id_number_at,
            id_type_at,
            given_at,
            family_at,
            other_at,
            sex_at,
            relationship_at,
            recipient_at,
            phone_at,
            member_ref_at,
            household_ref_at,
        ) = self._positions
        problems: list[Problem] = []
        dob, year, message, severity = parse_birth(values[birth_at])
        if message:
            problems.append(Problem("date_of_birth", message, severity, row=number))
        disability_text = values[disability_at]
        disability = _boolean(disability_text) if disability_text else None  # mostly a blank column
        if disability is None and disability_text:
            problems.append(Problem("disability", _("Disability must be yes or no."), ERROR, row=number))
        identifiers = []
        if id_number := values[id_number_at]:
            identifiers.append(
                IdentifierInput(values[id_type_at] or "national_id", id_number, ("id_type", "id_number"))
            )
        for type_index, number_index, columns in self._more_ids:  # further documents must say their type
            if more := values[number_index]:
                identifiers.append(IdentifierInput(values[type_index], more, columns))
        member = MemberInput(
            given_name=values[given_at],
            family_name=values[family_at],
            other_names=values[other_at],
            sex=values[sex_at],
            relation_to_head=values[relationship_at],
            date_of_birth=dob,
            birth_year=year,
            recipient_role=values[recipient_at] or None,
            phone=values[phone_at],
            disability=disability,  # None for a blank cell: an update keeps the stored value
            identifiers=identifiers,
            custom_fields={name: value for name, index in self._custom if (value := values[index])}
            if self._custom
            else {},
            source_ref=values[member_ref_at] or None,
            row=number,
        )
        if not member.source_ref:
            problems.append(
                Problem(
                    "member_ref",
                    _("member_ref is empty: every member needs the source system's id."),
                    ERROR,
                    row=number,
                )
            )
        ref = values[household_ref_at]
        if not ref:
            problems.append(
                Problem(
                    "household_ref",
                    _("household_ref is empty: say which household this member belongs to."),
                    ERROR,
                    row=number,
                )
            )
        return ParsedRow(number, ref, member, self._household(values), problems)

    def _too_long(self, number: int, values: tuple[str, ...]) -> ParsedRow:
        """A row with cells beyond the header: its cells after the stray separator are in the wrong
        columns, so what they say is not checked and its household's cells are left to its other rows
        (otherwise they would be blamed for disagreeing with it). The household is rejected."""
        row = self.parse(number, values[: self._cells])
        row.household = ("",) * len(HOUSEHOLD_FIELDS)
        row.problems = [
            Problem(
                "cells",
                _(
                    "Row {row} has {n} cells, the header has {width}: a comma or semicolon inside a value "
                    "that is not in quotes?"
                ).format(row=number, n=len(values), width=self._cells),
                ERROR,
                row=number,
            )
        ]
        return row


# The member's fields in the order RowParser.parse unpacks their positions.
_MEMBER_FIELDS = (
    "date_of_birth",
    "disability",
    "id_number",
    "id_type",
    "given_name",
    "family_name",
    "other_names",
    "sex",
    "relationship",
    "recipient",
    "phone",
    "member_ref",
    "household_ref",
)


@dataclass
class RowGroup:
    """The rows of one household, in file order."""

    household_ref: str
    rows: list[ParsedRow]
    household: dict[str, str]
    problems: list[Problem] = field(default_factory=list)


def group_rows(rows: Iterable[ParsedRow]) -> list[RowGroup]:
    """Group by household_ref (rows of one household need not be next to each other).

    Household columns are taken from the first row that fills them; a later row that disagrees is an
    error on that row (a household cannot be in two villages). A row without a household_ref (an error
    already) is a group of its own, so that it is counted and reported, not lost, and blamed for nothing
    else.
    """
    groups: dict[str, RowGroup] = {}
    without_ref: list[RowGroup] = []
    first_values: dict[str, tuple[str, ...]] = {}  # the household's cells on its first row
    seen_members: dict[str, int] = {}
    for row in rows:
        if not row.household_ref:
            row.household = ()
            without_ref.append(RowGroup("", [row], {}))
            continue
        group = groups.get(row.household_ref)
        cells, row.household = row.household, ()  # the group keeps the household's values
        if group is None:
            group = groups[row.household_ref] = RowGroup(row.household_ref, [], {})
            first_values[row.household_ref] = cells
        elif cells == first_values[row.household_ref]:
            cells = ()  # the usual case: each row repeats the household's cells, nothing to merge
        group.rows.append(row)
        for name, value in zip(HOUSEHOLD_FIELDS, cells, strict=False):  # no cells: nothing to merge
            if value and not group.household.get(name):
                group.household[name] = value
            elif value and value.casefold() != group.household[name].casefold():  # "CASH" is "cash"
                row.problems.append(
                    Problem(
                        name,
                        _("{field} is {value} here but {first} on an earlier row of household {ref}.").format(
                            field=name, value=value, first=group.household[name], ref=row.household_ref
                        ),
                        ERROR,
                        row=row.number,
                    )
                )
        ref = row.member.source_ref
        if ref:
            if len(ref) == 32:  # CashDesk's own member ids (export writes them) in any case are one
                ref = ref.lower()
            if ref in seen_members:
                row.problems.append(
                    Problem(
                        "member_ref",
                        _("member_ref {ref} is also on row {other}.").format(
                            ref=ref, other=seen_members[ref]
                        ),
                        ERROR,
                        row=row.number,
                    )
                )
            else:
                seen_members[ref] = row.number
    return [*groups.values(), *without_ref]


def add_household_problems(group: RowGroup, problems: list[Problem], *, village_known: bool) -> None:
    """The household checks' problems, on the rows they concern (the household's first row when they
    concern no member of the file). Said once: a date that could not be read was reported already, and
    without a known village the import's own location message is the clearer one."""
    first_row = group.rows[0].number
    unreadable = {(p.row, p.field) for row in group.rows for p in row.problems if p.field == "date_of_birth"}
    for problem in problems:
        if problem.field.endswith(".date_of_birth") and (problem.row, "date_of_birth") in unreadable:
            continue
        if problem.row is not None:
            group.problems.append(problem)
        elif problem.field != "location" or village_known:
            group.problems.append(Problem(problem.field, problem.message, problem.severity, row=first_row))


def has_errors(group: RowGroup) -> bool:
    return any(p.is_error for p in group.problems) or any(
        p.is_error for row in group.rows for p in row.problems
    )
