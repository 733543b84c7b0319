"""Transaction numbers: short enough to type at a pay point, unique across devices working offline, and
checked so that a typing error is caught before anything is looked up.

A number is the device's registered prefix (four characters, drawn when the scheme database was made),
"T", a counter of this device, and one ISO 7064 Mod 37,36 check character (python-stdnum): "K7QX-T0001234C".
The prefix makes numbers of different laptops differ and the counter makes this laptop's differ, with no
randomness; the check character catches every single wrong character and every swap of two neighbours.
A scanner or a person may type it with or without the hyphen, in any case.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session
from stdnum.iso7064 import mod_37_36

from cashdesk.models.scheme import CodeSequence, Scheme

KIND = "T"
DIGITS = 7  # ten million payments per device before the number grows by a digit


def format_number(device: str, sequence: int) -> str:
    body = f"{device}{KIND}{sequence:0{DIGITS}d}"
    return f"{device}-{KIND}{sequence:0{DIGITS}d}{mod_37_36.calc_check_digit(body)}"


def normalise(text: str) -> str:
    """What was typed or scanned, as stored: upper case, the hyphen after the prefix, no spaces."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    return f"{compact[:4]}-{compact[4:]}" if len(compact) > 4 else compact


def is_valid(text: str) -> bool:
    """True when the check character matches (a typo or a swap of two characters fails)."""
    compact = normalise(text).replace("-", "")
    return len(compact) >= 7 and compact[4:5] == KIND and bool(mod_37_36.is_valid(compact))


def reserve(session: Session, count: int) -> list[str]:
    """`count` new numbers in the caller's transaction: rolled back with it, never issued twice."""
    device = session.execute(select(Scheme.device_code)).scalar_one()
    session.execute(insert(CodeSequence).values(kind=KIND, next_value=1).on_conflict_do_nothing())
    first = session.execute(select(CodeSequence.next_value).where(CodeSequence.kind == KIND)).scalar_one()
    session.execute(update(CodeSequence).where(CodeSequence.kind == KIND).values(next_value=first + count))
    return [format_number(device, n) for n in range(first, first + count)]
