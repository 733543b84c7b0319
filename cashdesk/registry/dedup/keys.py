"""Blocking keys: two records are compared only when they share a key.

Each kind of duplicate the scheme must catch shares at least one key with its original:
- `n:` both name codes (sorted, so swapped given/family names share it) + a 3-year bucket pair, so
  years one apart always share a bucket: typos that keep the name codes, day/month swaps, a year alone.
- `d:` the full date of birth + one name code (family, and given): name typos that change a code.
- `i:` the first five characters of each ID number (with the sex) and the last five: one wrong or
  missing digit leaves one of the two intact.
- `p:` the phone number.
Keys are short strings stored in member_match_keys; about 4-5 per person.
"""

from __future__ import annotations

from cashdesk.registry.dedup.normalise import skeleton
from cashdesk.registry.dedup.records import PersonRecord

ID_PART = 5


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
            keys.add(f"i:<{number[:ID_PART]}{record.sex}")
            keys.add(f"i:>{number[-ID_PART:]}")
    if record.phone:
        keys.add(f"p:{record.phone}")
    return keys
