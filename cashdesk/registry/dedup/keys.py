"""Blocking keys: two records are compared only when they share a key.

Each kind of duplicate the scheme must catch shares at least one key with its original:
- `n:` both name codes (sorted, so swapped given/family names share it) + a 3-year bucket pair, so
  years one apart always share a bucket: typos that keep the name codes, day/month swaps, a year alone.
- `d:` the full date of birth + one name code (family, and given): name typos that change a code.
- `i:` the first five characters of each ID number (with the sex) and the last five: one wrong or
  missing digit leaves one of the two intact.
- `p:` the phone number.
Keys are short strings in ASCII lower case, stored in the member_keys index (cashdesk.registry.key_index);
about 4-5 per person.

ID keys are there only to bring together documents one mistake apart. Where documents are numbered in
sequence, thousands of people share a prefix, so the people in an ID block are compared only when their
numbers really are one mistake apart (`close_id_pairs`, in C through rapidfuzz); everything else about
them is compared through their name, date and phone keys.
"""

from __future__ import annotations

import string
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from cashdesk.registry.dedup.normalise import skeleton
from cashdesk.registry.dedup.records import PersonRecord

ID_PART = 5
ID_KEY = "i:"
# The index's tokenizer folds ASCII case only (and ID numbers are stored in upper case).
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def is_id_key(key: str) -> bool:
    return key.startswith(ID_KEY)


def ids_close(a: PersonRecord, b: PersonRecord) -> bool:
    """True when some document of one is at most one mistake (OSA distance 1) from a document of the other."""
    return any(OSA.distance(x, y, score_cutoff=1) <= 1 for x in a.id_numbers for y in b.id_numbers)


# Below this many numbers a block's numbers are compared all with all: windows cost more than they save.
WINDOWS_FROM = 32


def close_id_pairs(
    records: Sequence[PersonRecord], members: Sequence[int], *, widest_gap: Callable[[bool], int]
) -> Iterator[tuple[int, int]]:
    """Pairs (i, j), i < j, of the block's members whose ID numbers are at most one mistake apart, and
    whose years of birth are at most `widest_gap(same sex)` apart (scoring.widest_year_gap: pairs born
    further apart could not score enough) or not known.

    Where documents are numbered in sequence, most numbers of a large block are one digit from a dozen
    others, mostly of people born years apart: there each number is compared only with the numbers of
    people born close enough (a window of the block sorted by year), which takes a third off an import's
    in-file scan.
    """
    owners = [i for i in members for _number in records[i].id_numbers]
    numbers = [number for i in members for number in records[i].id_numbers]
    if len(numbers) >= WINDOWS_FROM:
        yield from _close_pairs_by_year(records, owners, numbers, widest_gap)
        return
    for own, number in zip(owners, numbers, strict=True):
        for _choice, _distance, k in process.extract(
            number, numbers, scorer=OSA.distance, score_cutoff=1, limit=None
        ):
            other = owners[k]
            if other > own and _born_close(records[own], records[other], widest_gap):
                yield own, other


def _born_close(a: PersonRecord, b: PersonRecord, widest_gap: Callable[[bool], int]) -> bool:
    if a.birth_year is None or b.birth_year is None:
        return True
    return abs(a.birth_year - b.birth_year) <= widest_gap(a.sex == b.sex)


def _close_pairs_by_year(
    records: Sequence[PersonRecord], owners: list[int], numbers: list[str], widest_gap: Callable[[bool], int]
) -> Iterator[tuple[int, int]]:
    # Groups by (year of birth known, sex); all those with no year are one group, compared with everybody.
    entries: dict[tuple[bool, str], list[tuple[int, int, str]]] = {}
    for own, number in zip(owners, numbers, strict=True):
        year = records[own].birth_year
        place = (False, "") if year is None else (True, records[own].sex)
        entries.setdefault(place, []).append((year or 0, own, number))
    groups = {key: _ByYear(group) for key, group in entries.items()}
    for (known, sex), group in groups.items():
        for year, own, number in zip(group.years, group.owners, group.numbers, strict=True):
            for (other_known, other_sex), others in groups.items():
                if known and other_known:
                    gap = widest_gap(sex == other_sex)
                    start, end = bisect_left(others.years, year - gap), bisect_right(others.years, year + gap)
                else:
                    start, end = 0, len(others.years)
                for _choice, _distance, k in process.extract(
                    number, others.numbers[start:end], scorer=OSA.distance, score_cutoff=1, limit=None
                ):
                    other = others.owners[start + k]
                    if other > own:
                        yield own, other


class _ByYear:
    """Some of a block's ID numbers, with their owners and the owners' years of birth, sorted by year."""

    def __init__(self, entries: list[tuple[int, int, str]]) -> None:
        entries.sort()
        self.years = [year for year, _owner, _number in entries]
        self.owners = [owner for _year, owner, _number in entries]
        self.numbers = [number for _year, _owner, number in entries]


def year_buckets(year: int) -> set[int]:
    return {year // 3, (year + 1) // 3}


def match_keys(record: PersonRecord) -> set[str]:
    keys: set[str] = set()
    given, family = skeleton(record.given_name), skeleton(record.family_name)
    names = ":".join(sorted((given, family)))
    if record.birth_year is not None and (given or family):
        keys.update(f"n:{names}:{bucket}" for bucket in year_buckets(record.birth_year))
    if record.date_of_birth is not None:
        born = record.date_of_birth.isoformat()
        keys.update(f"d:{born}:{code}" for code in (given, family) if code)
    for number in record.id_numbers:
        if len(number) >= 4:
            # Sex splits the prefix blocks, which are large when documents are numbered in sequence.
            keys.add(f"{ID_KEY}<{number[:ID_PART]}{record.sex}".translate(_ASCII_LOWER))
            keys.add(f"{ID_KEY}>{number[-ID_PART:]}".translate(_ASCII_LOWER))
    if record.phone:
        keys.add(f"p:{record.phone}")
    return keys
