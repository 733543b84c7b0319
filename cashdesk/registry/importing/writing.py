"""Writing the checked households: new ones in bulk, known ones as updates, then the duplicate flags."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cashdesk.core import bulk
from cashdesk.core.codes import HOUSEHOLD, reserve_codes
from cashdesk.core.database import note_changed
from cashdesk.core.i18n import _
from cashdesk.core.ids import uuid7s
from cashdesk.core.jobs import Progress, check_abort
from cashdesk.models import DuplicateSource, Location, LocationLevel
from cashdesk.models.base import utcnow
from cashdesk.registry import households, search
from cashdesk.registry.household_input import CleanHousehold
from cashdesk.registry.importing.duplicate_check import DuplicateCheck, PersonValues
from cashdesk.registry.importing.preparing import Prepared
from cashdesk.security.permissions import Actor

HOUSEHOLD_COLUMNS = households.HOUSEHOLD_VALUE_COLUMNS
MEMBER_COLUMNS = households.MEMBER_VALUE_COLUMNS
_household_items = itemgetter(*HOUSEHOLD_COLUMNS)
_member_items = itemgetter(*MEMBER_COLUMNS)
WRITE_CHUNK = 5_000  # households per bulk insert
PEOPLE_PER_MESSAGE = 20_000  # people sent to the duplicate check at a time
IDS_AT_A_TIME = 10_000


def write_locations(session: Session, prepared: Prepared) -> None:
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


@dataclass
class NewHouseholds:
    """The households an import creates, with their ids given before anything is written, so that the
    duplicate checks can start on their people while the rows are being inserted."""

    refs: list[str]
    ids: list[tuple[uuid.UUID, list[uuid.UUID]]]  # (household id, member ids) by ref
    member_ids: list[uuid.UUID]  # all of them, in the order their people were given to the checks
    first_rowid: int = 0  # the members' rowids follow on from it in that order (given by insert_new)


class NewHouseholdPlan:
    """Gives each new household and its members their ids as soon as the household passes the checks of
    `prepare`, and sends its people to the duplicate check a chunk at a time: the check (in a second
    process for a large file) starts while the rest of the file is still being checked."""

    def __init__(self, session: Session, excluded_pairs: frozenset[tuple[uuid.UUID, uuid.UUID]]) -> None:
        self._session = session
        self._excluded_pairs = excluded_pairs
        self._check: DuplicateCheck | None = None
        self._new = NewHouseholds([], [], [])
        self._people: list[PersonValues] = []  # not yet sent
        self._ids: list[uuid.UUID] = []  # made in advance; those from _unused on are not given yet
        self._unused = 0

    def start(self, rows: int) -> None:
        """The file has `rows` rows (about one person each): the check starts, in a worker if large."""
        self._check = DuplicateCheck(self._session, rows, excluded_pairs=self._excluded_pairs)

    def add(self, ref: str, clean: CleanHousehold) -> None:
        household_id, *members = self._take_ids(1 + len(clean.data.members))
        self._new.refs.append(ref)
        self._new.ids.append((household_id, members))
        self._new.member_ids.extend(members)
        self._people.extend(households.person_values(clean, household_id, members))
        if len(self._people) >= PEOPLE_PER_MESSAGE:
            self.check.add(self._people)
            self._people = []

    def _take_ids(self, count: int) -> list[uuid.UUID]:
        """`count` fresh ids; they are made in bulk, thousands at a time (see uuid7s)."""
        if self._unused + count > len(self._ids):
            self._ids, self._unused = uuid7s(max(count, IDS_AT_A_TIME)), 0
        taken = self._ids[self._unused : self._unused + count]
        self._unused += count
        return taken

    @property
    def check(self) -> DuplicateCheck:
        if self._check is None:
            raise RuntimeError("NewHouseholdPlan.start was not called")
        return self._check

    def finish(self) -> NewHouseholds:
        """All households are checked: the last people go to the check, which can then finish."""
        self.check.add(self._people)
        self._people = []
        self.check.no_more_people()
        return self._new

    def close(self) -> None:
        if self._check is not None:
            self._check.close()


def insert_new(
    session: Session,
    actor: Actor,
    prepared: Prepared,
    batch_id: uuid.UUID,
    new: NewHouseholds,
    *,
    progress: Progress,
    abort: threading.Event,
) -> None:
    """Bulk-insert the new households, WRITE_CHUNK at a time, each dropped from memory once written.

    Members are given their rowids here (after the registry's last, in the order of `new.member_ids`),
    so that their search rows are written with them, and their keys later, without looking them up."""
    refs = new.refs
    codes = reserve_codes(session, HOUSEHOLD, len(refs))
    now = utcnow()
    shared = {"import_batch_id": batch_id, "created_at": now, "updated_at": now}
    national = search.national_start(session)
    # The import holds the database's write lock since its batch row was written: no other writer can
    # take these rowids meanwhile. Members are never deleted for good, so no search row or key is left
    # behind under a rowid above the last member's.
    new.first_rowid = (
        bulk.driver_cursor(session).execute("SELECT coalesce(max(rowid), 0) + 1 FROM members").fetchone()[0]
    )
    rowids = count(new.first_rowid)
    members_created = 0
    for start in range(0, len(refs), WRITE_CHUNK):
        check_abort(abort)
        progress(
            0.62 + 0.18 * start / len(refs),
            _("Writing household {i:,} of {n:,}").format(i=start + 1, n=len(refs)),
        )
        end = start + WRITE_CHUNK
        chunk = [
            (code, prepared.clean.pop(ref), ids)
            for code, ref, ids in zip(codes[start:end], refs[start:end], new.ids[start:end], strict=True)
        ]
        rows = _rows_for(chunk, rowids, national)
        bulk.insert_rows(
            session,
            "households",
            ("id", "code", *HOUSEHOLD_COLUMNS),
            rows.households,
            shared=shared | {"registered_by_id": actor.user_id},
        )
        bulk.insert_rows(
            session, "members", ("rowid", "id", "household_id", *MEMBER_COLUMNS), rows.members, shared=shared
        )
        bulk.insert_rows(
            session, "member_identifiers", ("id", "member_id", "id_type", "number"), rows.identifiers
        )
        cursor = bulk.driver_cursor(session)
        try:
            cursor.executemany(search.INSERT_SEARCH_ROW, rows.search)
        finally:
            cursor.close()
        members_created += len(rows.members)
    note_changed(session, "households", "members", "member_identifiers")
    prepared.report.households_created = len(refs)
    prepared.report.members_created = members_created


@dataclass
class _Rows:
    households: list[tuple[Any, ...]] = field(default_factory=list)
    members: list[tuple[Any, ...]] = field(default_factory=list)
    identifiers: list[tuple[Any, ...]] = field(default_factory=list)
    search: list[tuple[int, str]] = field(default_factory=list)  # member_search's rows


def _rows_for(
    chunk: list[tuple[str, CleanHousehold, tuple[uuid.UUID, list[uuid.UUID]]]],
    rowids: Iterator[int],
    national: int,
) -> _Rows:
    """Household, member, identifier and search rows for bulk insertion."""
    rows = _Rows()
    fresh = iter(uuid7s(sum(len(m.identifiers) for _c, clean, _i in chunk for m in clean.data.members)))
    for code, clean, (household_id, member_ids) in chunk:
        rows.households.append((household_id, code, *_household_items(households.household_values(clean))))
        household_ref = clean.data.source_ref
        for m, phone, member_id in zip(clean.data.members, clean.member_phones, member_ids, strict=True):
            rowid = next(rowids)
            values = households.member_values(m, phone)
            rows.members.append((rowid, member_id, household_id, *_member_items(values)))
            numbers = households.identifier_values(m)
            rows.identifiers.extend((next(fresh), member_id, id_type, number) for id_type, number in numbers)
            rows.search.append(
                (
                    rowid,
                    search.search_text(
                        values["given_name"],
                        values["family_name"],
                        values["other_names"],
                        code,
                        phone,
                        values["source_ref"],
                        household_ref,
                        " ".join(number for _type, number in numbers),
                        national=national,
                    ),
                )
            )
    return rows


def update_existing(
    session: Session, actor: Actor, prepared: Prepared, *, refs: list[str], note: str
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
