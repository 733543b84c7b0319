"""Human-readable codes that stay unique across offline devices (row ids: cashdesk.models.keys).

- Human-readable codes (household and payment numbers) are `<device>-<kind><sequence><check>`: the
  device prefix is unique per laptop, the sequence is local, and a check character catches typos.
"""

from __future__ import annotations

import secrets

# Crockford base32: no I, L, O, U, so a code read aloud or handwritten is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


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
