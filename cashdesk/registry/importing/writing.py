"""Writing the checked households: new ones in bulk, known ones as updates, then the duplicate flags."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.core import bulk
from cashdesk.core.codes import HOUSEHOLD, CodeIssuer
from cashdesk.core.database import note_changed
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, check_abort
from cashdesk.models import DuplicateSource, Location, LocationLevel
from cashdesk.models.base import utcnow
from cashdesk.models.keys import uuid7_ints
from cashdesk.registry import households, key_index, search
from cashdesk.registry.household_input import CleanHousehold
from cashdesk.registry.importing.duplicate_check import DuplicateCheck, PackedPerson, packed
from cashdesk.registry.importing.merging import stored_in_batches
from cashdesk.registry.importing.preparing import Prepared
from cashdesk.registry.locations import add_location
from cashdesk.security.permissions import Actor

HOUSEHOLD_COLUMNS = households.HOUSEHOLD_VALUE_COLUMNS
MEMBER_COLUMNS = households.MEMBER_VALUE_COLUMNS
_household_items = itemgetter(*HOUSEHOLD_COLUMNS)
PEOPLE_PER_MESSAGE = 20_000  # people sent to the duplicate check at a time
IDS_AT_A_TIME = 10_000


def write_locations(session: Session, actor: Actor, prepared: Prepared) -> None:
    """The villages --create-locations made up, those of households that are imported only."""
    prepared.new_locations = prepared.villages_to_create()
    for ref in prepared.new_locations:
        parent_path = ref.path[: ref.path.rstrip("/").rfind("/") + 1]
        parent_id = session.execute(select(Location.id).where(Location.path == parent_path)).scalar_one()
        village = Location(
            id=ref.id,
            code=ref.code,
            name=ref.name,
            level=LocationLevel.VILLAGE,
            parent_id=parent_id,
            path=ref.path,
        )
        add_location(session, actor, village)
    prepared.report.locations_created = len(prepared.new_locations)


@dataclass
class NewRows:
    """The rows of the households an import creates, ready for the driver. They are made once, as each
    household passes the file's checks (NewHouseholdPlan), so that its people can go to the duplicate
    check at once, and written after the checks (insert_new)."""

    first_rowid: int  # the members' rowids follow on from it, in the order of `members`
    codes: CodeIssuer
    refs: list[str] = field(default_factory=list)  # the households' references in the file
    households: list[list[Any]] = field(default_factory=list)  # id, code, *HOUSEHOLD_COLUMNS
    members: list[list[Any]] = field(default_factory=list)  # rowid, id, household_id, *MEMBER_COLUMNS
    identifiers: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, member_id, type, number
    search: list[tuple[int, str]] = field(default_factory=list)  # member_search's rows
    members_written: int = 0  # by insert_new, which empties the lists as it writes them


class NewHouseholdPlan:
    """Gives each new household and its members their ids, code and rowids as soon as the household
    passes the checks of `prepare`, makes its rows, and sends its people to the duplicate check a chunk at
    a time: the check (in a second process for a large file) starts while the rest of the file is still
    being checked.

    The import holds the database's write lock from its first statement (BEGIN IMMEDIATE), so nobody else
    can take these codes or rowids meanwhile; insert_new makes sure of it before writing."""

    def __init__(self, session: Session, excluded_pairs: frozenset[tuple[uuid.UUID, uuid.UUID]]) -> None:
        self._session = session
        self._excluded_pairs = excluded_pairs
        self._check: DuplicateCheck | None = None
        self._rows: NewRows | None = None
        self._people: list[PackedPerson] = []  # not yet sent
        self._ids: list[int] = []  # made in advance; those from _unused on are not given yet
        self._unused = 0
        self._national = search.national_start(session)
        # The plan gives ids and codes as text already; every other value goes through SQLAlchemy's own
        # conversion, so that rows are stored as the ORM stores them.
        self._household_row = bulk.RowConverter(
            session, "households", HOUSEHOLD_ROW, ready=("id", "code")
        ).row
        self._member_row = bulk.RowConverter(session, "members", MEMBER_ROW, ready=("id", "household_id")).row

    def start(self, rows: int) -> None:
        """The file has `rows` rows (about one person each): the check starts, in a worker if large."""
        session = self._session
        self._check = DuplicateCheck(session, rows, excluded_pairs=self._excluded_pairs)
        self._rows = NewRows(key_index.last_member_rowid(session) + 1, CodeIssuer(session, HOUSEHOLD))

    def add(self, ref: str, clean: CleanHousehold) -> None:
        new = self.rows
        documents_of = [households.identifier_values(m) for m in clean.data.members]
        count = len(documents_of)
        household, *ids = self._take_ids(1 + count + sum(map(len, documents_of)))
        members, document_ids = ids[:count], iter(ids[count:])
        household_id = f"{household:032x}"  # how SQLAlchemy stores a UUID on SQLite (bulk.RowConverter)
        code = new.codes.next()
        new.refs.append(ref)
        new.households.append(
            self._household_row((household_id, code, *_household_items(households.household_values(clean))))
        )
        path = clean.location.path
        rowid = new.first_rowid + len(new.members)
        for m, phone, member, documents in zip(
            clean.data.members, clean.member_phones, members, documents_of, strict=True
        ):
            row = households.member_row(m, phone)
            member_id = f"{member:032x}"
            new.members.append(self._member_row((rowid, member_id, household_id, *row)))
            if documents:
                new.identifiers.extend(
                    (f"{next(document_ids):032x}", member_id, id_type, number)
                    for id_type, number in documents
                )
            numbers = tuple(number for _type, number in documents)
            fields = households.person_fields(row, numbers, m.sex)
            self._people.append(packed(member, household, fields, path))
            given, family, other = row[:3]
            text = search.search_text(
                given,
                family,
                other,
                code,
                phone,
                m.source_ref,
                ref,
                " ".join(numbers),
                national=self._national,
            )
            new.search.append((rowid, text))
            rowid += 1
        if len(self._people) >= PEOPLE_PER_MESSAGE:
            self.check.add(self._people)
            self._people = []

    def _take_ids(self, count: int) -> list[int]:
        """`count` fresh ids as integers; they are made in bulk, thousands at a time (see uuid7_ints)."""
        if self._unused + count > len(self._ids):
            self._ids, self._unused = uuid7_ints(max(count, IDS_AT_A_TIME)), 0
        taken = self._ids[self._unused : self._unused + count]
        self._unused += count
        return taken

    @property
    def check(self) -> DuplicateCheck:
        if self._check is None:
            raise RuntimeError("NewHouseholdPlan.start was not called")
        return self._check

    @property
    def rows(self) -> NewRows:
        if self._rows is None:
            raise RuntimeError("NewHouseholdPlan.start was not called")
        return self._rows

    def finish(self) -> NewRows:
        """All households are checked: the last people go to the check, which can then finish."""
        self.check.add(self._people)
        self._people = []
        self.check.no_more_people()
        return self.rows

    def close(self) -> None:
        if self._check is not None:
            self._check.close()


HOUSEHOLD_ROW = ("id", "code", *HOUSEHOLD_COLUMNS)
MEMBER_ROW = ("rowid", "id", "household_id", *MEMBER_COLUMNS)
IDENTIFIER_ROW = ("id", "member_id", "id_type", "number")


def insert_new(
    session: Session,
    actor: Actor,
    prepared: Prepared,
    batch_id: uuid.UUID,
    new: NewRows,
    *,
    progress: Progress,
    abort: threading.Event,
) -> None:
    """Write the new households' rows, table by table, each list dropped from memory once written."""
    if key_index.last_member_rowid(session) + 1 != new.first_rowid:
        raise RuntimeError("members were written during the import's checks: their rowids are taken")
    new.codes.close()  # refuses if codes were taken meanwhile
    for ref in new.refs:
        prepared.clean.pop(ref)  # the rows are made: the checked households are no longer needed
    prepared.report.households_created = len(new.households)
    prepared.report.members_created = new.members_written = len(new.members)
    now = utcnow()
    shared = {"import_batch_id": batch_id, "created_at": now, "updated_at": now}
    writing = _WritingProgress(
        len(new.households) + len(new.members) + len(new.identifiers) + len(new.search), progress, abort
    )
    for table, columns, rows, common, what in (
        (
            "households",
            HOUSEHOLD_ROW,
            new.households,
            shared | {"registered_by_id": actor.user_id},
            _("households"),
        ),
        ("members", MEMBER_ROW, new.members, shared, _("members")),
        ("member_identifiers", IDENTIFIER_ROW, new.identifiers, {}, _("ID documents")),
    ):
        bulk.insert_converted(session, table, columns, rows, shared=common, done=writing.of(what))
        writing.finished(len(rows))
        rows.clear()
    bulk.executemany_in_chunks(
        session, search.INSERT_SEARCH_ROW, new.search, done=writing.of(_("search rows"))
    )
    new.search.clear()
    note_changed(session, "households", "members", "member_identifiers")


class _WritingProgress:
    """The writing's share of the import's progress bar (62 % to 80 %), by rows written of all tables;
    each report is also a point where a cancel takes effect."""

    def __init__(self, total: int, progress: Progress, abort: threading.Event) -> None:
        self._total = max(1, total)
        self._written = 0
        self._progress = progress
        self._abort = abort

    def of(self, what: str) -> Callable[[int], None]:
        """The report for the rows of one table: called with the number of them written so far."""

        def done(rows: int) -> None:
            check_abort(self._abort)
            written = self._written + rows
            self._progress(
                0.62 + 0.18 * written / self._total,
                _("Writing {what}: {n:,} rows of {total:,}").format(what=what, n=written, total=self._total),
            )

        return done

    def finished(self, rows: int) -> None:
        self._written += rows


def update_existing(
    session: Session,
    actor: Actor,
    prepared: Prepared,
    *,
    note: str,
    progress: Progress,
    abort: threading.Event,
) -> None:
    """Write the registered households the file changes, merged with what is stored (merging.py)."""
    refs = list(prepared.changes)
    for ref in stored_in_batches(session, prepared.existing, refs, progress=progress, abort=abort):
        households.update_household(
            session,
            actor,
            prepared.clean[ref].data,
            duplicate_note=note,
            source=DuplicateSource.IMPORT,
            ctx=prepared.ctx,
        )
