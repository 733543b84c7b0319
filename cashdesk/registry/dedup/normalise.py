"""Making two spellings of one name look alike, and keeping different names different.

`simplify` folds case, accents and the spelling variants common when African and Arabic names are written
in Latin letters (ph/f, kh/k, ou/u, double letters...), so Mohamed and Mohammed become one string.
`skeleton` keeps only the consonants: a short code used for blocking, in which Mohammed (mhmd) and
Mamadou (mmd -> md) stay apart.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPELLINGS = (
    ("ph", "f"),
    ("kh", "k"),
    ("gh", "g"),
    ("th", "t"),
    ("dh", "d"),
    ("ck", "k"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("ie", "i"),
    ("y", "i"),
    ("q", "k"),
    ("c", "k"),
    ("w", "u"),
)
_VOWELS = set("aeiou")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower case, no accents, letters and single spaces only."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.findall(r"[a-z]+", plain))


@lru_cache(maxsize=200_000)
def simplify(text: str) -> str:
    word = fold(text)
    for old, new in _SPELLINGS:
        word = word.replace(old, new)
    # Doubled letters carry no meaning across spellings (Mohammed / Mohamed, Phirri / Phiri).
    return re.sub(r"(.)\1+", r"\1", word)


@lru_cache(maxsize=200_000)
def skeleton(text: str) -> str:
    """First letter plus the following consonants, at most 4 characters: a Soundex-like block code."""
    word = simplify(text).replace(" ", "")
    if not word:
        return ""
    rest = re.sub(r"(.)\1+", r"\1", "".join(ch for ch in word[1:] if ch not in _VOWELS and ch != "h"))
    return (word[0] + rest)[:4]
