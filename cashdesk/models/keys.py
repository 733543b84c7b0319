"""Row ids: UUIDv7 (RFC 9562), the primary key of every model and the record's FHIR id.

Random enough never to collide between laptops working offline, and ordered by time so that bulk inserts
append to the end of SQLite's b-tree instead of scattering pages. They live with the models (the bottom
layer, which imports nothing else of CashDesk) because every model's key default needs them.
"""

from __future__ import annotations

import array
import os
import threading
import time
import uuid

_lock = threading.Lock()
# The last id's millisecond and counter as one number (milliseconds << 12 | counter): adding 1 moves
# the counter on, and into the next millisecond when the counter's 12 bits are used up.
_last_stamp = 0

_VERSION_AND_VARIANT = 0x7 << 76 | 0b10 << 62  # version 7, RFC 4122 variant
_RANDOM_BITS = (1 << 62) - 1
_new_uuid = object.__new__
_set_field = object.__setattr__


def uuid7() -> uuid.UUID:
    """A time-ordered UUID, monotonic within this process."""
    return uuid7s(1)[0]


def uuid7s(count: int) -> list[uuid.UUID]:
    """`count` time-ordered UUIDs in increasing order, monotonic with every other id of this process.

    An import needs a million ids: one clock reading, one call for all the random bits and no per-id
    argument checking make that several times cheaper than a million uuid7() calls.
    """
    ids = []
    for value in uuid7_ints(count):
        # uuid.UUID(int=...) checks its arguments on every call; these values are valid by construction.
        made = _new_uuid(uuid.UUID)
        _set_field(made, "int", value)
        _set_field(made, "is_safe", uuid.SafeUUID.unknown)
        ids.append(made)
    return ids


def uuid7_ints(count: int) -> list[int]:
    """The same ids as their 128-bit integers, for callers that only store them (as `f"{i:032x}"`, what
    SQLAlchemy stores for a UUID on SQLite) or send them to another process: no UUID object is made."""
    global _last_stamp  # noqa: PLW0603 - the monotonic counter is process-wide by design
    with _lock:
        # A new millisecond starts its counter at 0; within the same one (or if the clock stepped back)
        # the counter goes on from the last id.
        first = max((time.time_ns() // 1_000_000) << 12, _last_stamp + 1)
        _last_stamp = first + count - 1
    randoms = array.array("Q", os.urandom(8 * count)).tolist()
    return [
        (stamp >> 12) << 80 | (stamp & 0xFFF) << 64 | _VERSION_AND_VARIANT | random_part & _RANDOM_BITS
        for stamp, random_part in zip(range(first, first + count), randoms, strict=True)
    ]
