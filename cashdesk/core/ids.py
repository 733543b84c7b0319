"""Identifiers that stay unique across offline devices.

- Row ids are UUIDv7 (RFC 9562): random enough to never collide between laptops, and ordered by
  time so that bulk inserts append to the end of SQLite's b-tree instead of scattering pages.
- Human-readable codes (household and payment numbers) are `<device>-<kind><sequence><check>`: the
  device prefix is unique per laptop, the sequence is local, and a check character catches typos.
"""

from __future__ import annotations

import array
import os
import secrets
import threading
import time
import uuid

_lock = threading.Lock()
# The last id's millisecond and counter as one number (milliseconds << 12 | counter): adding 1 moves
# the counter on, and into the next millisecond when the counter's 12 bits are used up.
_last_stamp = 0

# Crockford base32: no I, L, O, U, so a code read aloud or handwritten is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

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


def new_device_code() -> str:
    """Four characters: about a million prefixes, drawn when a scheme database is created."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))


def _times_two(value: int) -> int:
    """Multiply by x in GF(32) (polynomial x^5 + x^2 + 1)."""
    value <<= 1
    return value ^ 0b100101 if value & 0b100000 else value


# Tables for _damm_interim: an import gives 100,000 household codes, a dozen characters each.
_DOUBLED = tuple(_times_two(value) for value in range(len(CODE_ALPHABET)))
_DIGIT = {char: value for value, char in enumerate(CODE_ALPHABET)}


def _damm_interim(body: str) -> int:
    """Callers make sure every character but "-" is in CODE_ALPHABET."""
    interim = 0
    for char in body.upper():
        if char != "-":
            interim = _DOUBLED[interim] ^ _DIGIT[char]
    return interim


def check_character(body: str) -> str:
    """Damm check character over GF(32), with the quasigroup x*y = 2x + y.

    That operation is totally anti-symmetric, so the check catches every single-character mistake
    and every swap of two neighbouring characters (the code's own test tries them all).
    """
    return CODE_ALPHABET[_times_two(_damm_interim(body))]


def format_code(device: str, kind: str, sequence: int) -> str:
    """E.g. format_code("K7QX", "H", 42) -> "K7QX-H000042" followed by its check character."""
    body = f"{device}-{kind}{sequence:06d}"
    return body + check_character(body)


def is_valid_code(code: str) -> bool:
    code = code.strip().upper()
    if len(code) < 3 or any(c not in CODE_ALPHABET + "-" for c in code):
        return False
    return _damm_interim(code) == 0
