"""Search with typos: "Fatoumata Jalow" finds the household of "Fatoumatta Jallow".

Used when what was typed matches no one (cashdesk.registry.search), so that an exact search stays exact.
Each name-like word typed (letters only, four or more) may then also match the words of the index that
are within a small edit distance of it: one edit for words up to 7 letters, two beyond (a doubled or
dropped letter, a swapped vowel). The index's own list of words (SQLite FTS5's fts5vocab) is read for
the words that start with the same letter: a typo seldom falls on the first letter, and the range is
read from the index in order, without a scan of the members.
"""

from __future__ import annotations

import unicodedata

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy import text
from sqlalchemy.orm import Session

MAX_ALTERNATIVES = 12  # per word: enough for the spellings of a name, not a flood


def folded(word: str) -> str:
    """As the index's tokenizer (unicode61 remove_diacritics 2) keeps it: lower case, no accents."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def close_terms(session: Session, word: str) -> list[str]:
    word = folded(word)
    session.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.member_search_terms USING fts5vocab(main, member_search, row)"
        )
    )
    first = word[0]
    candidates = [
        term
        for term in session.execute(
            text("SELECT term FROM temp.member_search_terms WHERE term >= :low AND term < :high"),
            {"low": first, "high": chr(ord(first) + 1)},
        ).scalars()
        if term.isalpha() and abs(len(term) - len(word)) <= 2
    ]
    allowed = 1 if len(word) <= 7 else 2
    found = process.extract(
        word, candidates, scorer=Levenshtein.distance, score_cutoff=allowed, limit=MAX_ALTERNATIVES
    )
    return [term for term, _distance, _index in found if term != word]


def typo_tolerant_query(session: Session, terms: list[tuple[str, str]]) -> str | None:
    """The FTS5 query where each name-like word matches itself or a word close to it."""
    parts = []
    for word, term in terms:
        close = close_terms(session, word) if word.isalpha() and len(word) >= 4 else []
        alternatives = [term, *(f'"{c}"' for c in close)]
        parts.append(f"({' OR '.join(alternatives)})" if close else term)
    return " AND ".join(parts) or None
