"""Every member's blocking keys (cashdesk.registry.dedup.keys), in the member_keys FTS5 index.

member_keys (made by migration 0004) has one row per member: rowid = the member's rowid, as in
member_search, and as text the member's keys separated by spaces. SQLite builds the index in C: for an
import of 450,000 people that is four times faster than a b-tree row per key. The table is contentless
(nothing reads the keys back); its vocabulary, through fts5vocab, answers "which members have this key".

Nothing cascades into an FTS5 table: service code adds and removes keys in the same transaction as the
members they describe, with the functions here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from cashdesk.core import bulk
from cashdesk.core.database import note_changed
from cashdesk.core.i18n import _
from cashdesk.core.jobs import Progress, no_progress

INSERT_CHUNK = 5_000  # members per insert statement
# After storing this many members at once, the index is merged into one segment (0.3 s for 450,000
# people): a lookup in a freshly written index of many small segments is five times slower.
MERGE_AFTER = 10_000
# Looking up one key costs about as much as reading 8 stored (key, member) pairs in a pass over the
# whole index: for a large import, the pass is cheaper than the lookups (measured, docs/benchmarks.md).
LOOKUP_COST_IN_PAIRS = 8
KEYS_PER_MEMBER = 4.5
AUTOMERGE = 4  # FTS5's own default: small stores (the editor's) keep the index merged as they go

_VOCABULARY = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.member_key_terms USING fts5vocab(main, member_keys, instance)"
)
_INSERT = text(
    "INSERT INTO member_keys (rowid, keys) "
    "SELECT m.rowid, j.value FROM json_each(:keys) AS j JOIN members AS m ON m.id = j.key"
)
_AUTOMERGE = text("INSERT INTO member_keys (member_keys, rank) VALUES ('automerge', :merge)")
_INSERT_BY_ROWID = "INSERT INTO member_keys (rowid, keys) VALUES (?, ?)"
_DELETE = text(
    "DELETE FROM member_keys WHERE rowid IN "
    "(SELECT m.rowid FROM json_each(:ids) AS j JOIN members AS m ON m.id = j.value)"
)


def store(
    session: Session,
    keys_by_member: Iterable[tuple[uuid.UUID, str]] | Iterable[tuple[int, str]],
    *,
    total: int,
    progress: Progress = no_progress,
) -> int:
    """Add the keys of members that have none in the index (just created, or after `drop`).

    `keys_by_member`: (member, its keys separated by spaces), `total` of them, each member given by its
    id, or by its rowid when the caller has just written it (an import), which spares the look-up.
    `progress` goes from 0 to 1. Returns the number of members stored.
    """
    stored = 0
    large = total >= MERGE_AFTER
    if large:
        # The index is merged into one segment at the end anyway: merging bits of it as they are written
        # only does the work twice (15 % of storing an import's keys). A failure rolls the setting back
        # with everything else.
        session.execute(_AUTOMERGE, {"merge": 0})
    cursor = bulk.driver_cursor(session)
    try:
        for chunk in bulk.batched(keys_by_member, INSERT_CHUNK):
            if isinstance(chunk[0][0], int):
                cursor.executemany(_INSERT_BY_ROWID, chunk)
            else:
                document = {member.hex: keys for member, keys in chunk if isinstance(member, uuid.UUID)}
                session.execute(_INSERT, {"keys": json.dumps(document)})
            stored += len(chunk)
            progress(stored / max(1, total), _("Matching keys of {n:,} people stored").format(n=stored))
    finally:
        cursor.close()
    if large:
        session.execute(text("INSERT INTO member_keys (member_keys) VALUES ('optimize')"))
        session.execute(_AUTOMERGE, {"merge": AUTOMERGE})
    if stored:
        note_changed(session, "member_keys")
    return stored


def last_member_rowid(session: Session) -> int:
    """The highest rowid a member has (0 for none), instantly: about how many members the registry holds.
    Members are never deleted for good, so no search row or key is left behind under a rowid above it:
    those above it are free for new members."""
    return int(session.execute(text("SELECT coalesce(max(rowid), 0) FROM members")).scalar_one())


def drop(session: Session, member_ids: Sequence[uuid.UUID]) -> None:
    """Remove these members' keys (before storing new ones, or when the members are gone)."""
    if member_ids:
        session.execute(_DELETE, {"ids": json.dumps([member_id.hex for member_id in member_ids])})
        note_changed(session, "member_keys")


def drop_all(session: Session) -> None:
    session.execute(text("INSERT INTO member_keys (member_keys) VALUES ('delete-all')"))
    note_changed(session, "member_keys")


def members_by_key(
    session: Session, keys: set[str] | None, *, whole_pass: bool | None = None
) -> dict[str, list[int]]:
    """The members holding each of these keys (keys nobody holds are left out), each member by its UUID's
    integer: the callers compare members millions of times, and UUID's own hashing and == are Python code.

    `keys` None: every key in the index, read in one pass (an import's worker may read them all before
    the file's people arrive). Otherwise the keys are looked up one by one, or found in one pass over the
    whole index, whichever is cheaper (`whole_pass` forces the choice, for tests).
    """
    if keys is not None and not keys:
        return {}
    cursor = bulk.driver_cursor(session)
    try:
        cursor.execute(_VOCABULARY)
        if keys is None:
            return _every_key(cursor)
        stored_pairs = last_member_rowid(session) * KEYS_PER_MEMBER
        docs_by_key: dict[str, list[int]] = {}
        if whole_pass is None:
            whole_pass = len(keys) * LOOKUP_COST_IN_PAIRS >= stored_pairs
        if not whole_pass:
            # CROSS JOIN keeps SQLite walking the wanted keys and looking each up, not the other way.
            found = cursor.execute(
                "SELECT v.term, v.doc FROM json_each(?) AS w CROSS JOIN temp.member_key_terms AS v "
                "ON v.term = w.value",
                (json.dumps(sorted(keys)),),
            )
            for key, doc in found:
                docs_by_key.setdefault(key, []).append(doc)
        else:
            for key, doc in cursor.execute("SELECT term, doc FROM temp.member_key_terms"):
                if key in keys:
                    docs_by_key.setdefault(key, []).append(doc)
        docs = sorted({doc for found_docs in docs_by_key.values() for doc in found_docs})
        member_of: dict[int, int] = {}
        for chunk in bulk.batched(docs, 100_000):
            rows = cursor.execute(
                "SELECT m.rowid, m.id FROM json_each(?) AS j JOIN members AS m ON m.rowid = j.value",
                (json.dumps(chunk),),
            )
            member_of.update((rowid, int(member_hex, 16)) for rowid, member_hex in rows)
    finally:
        cursor.close()
    return {
        key: [member_of[doc] for doc in dict.fromkeys(found_docs) if doc in member_of]
        for key, found_docs in docs_by_key.items()
    }


def _every_key(cursor: Any) -> dict[str, list[int]]:
    """members_by_key for every key: each member's id is read once, before the pass over the index."""
    member_of = {
        rowid: int(member_hex, 16) for rowid, member_hex in cursor.execute("SELECT rowid, id FROM members")
    }
    members: dict[str, list[int]] = {}
    for key, doc in cursor.execute("SELECT term, doc FROM temp.member_key_terms"):
        member = member_of.get(doc)
        if member is not None:
            members.setdefault(key, []).append(member)
    return members
