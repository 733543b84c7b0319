"""How alike two records are, 0 to 100, with the reasons a reviewer reads.

Start from 40 (nothing known either way) and add evidence:
  names     (similarity - 0.85) x 200: +30 when identical after simplification, 0 at 0.85, -30 at 0.70.
            Similarity is the mean of the given-name and family-name similarities (Jaro-Winkler on simplified
            spellings; given names also by shared tokens, so a missing middle name costs nothing), pulled down
            halfway towards the worse of the two, so one very different name is not hidden by a perfect one.
            Swapped given/family names are compared too; the better reading counts.
  birth     same date +30; day and month swapped +22; a year alone on one side and the same year +3
            (namesakes born the same year are common, so a bare year proves little);
            same year, other day -8; one year apart -10; further apart -30 and -5 a year more.
  ID        same number +45; one digit wrong, missing or swapped with its neighbour +30; both documented and clearly different -25.
  phone     same number +15 (families share phones, so it never decides alone).
  sex       different -40.
  place     same village +10; different district -5 (the same person enrolled in two places is the leak).
Twins rule: in the same household, people whose given names differ are never duplicates.
Scores are clamped to 0..100; pairs under 50 are not reported at all.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import token_set_ratio

from cashdesk.registry.dedup.normalise import simplify
from cashdesk.registry.dedup.records import Match, PersonRecord

FLOOR = 50.0
START = 40.0
SAME_DATE = 30.0
SAME_ID = 45.0
ID_ONE_OFF = 30.0
SAME_PHONE = 15.0
SEX_DIFFERS = -40.0
SAME_VILLAGE = 10.0
OTHER_DISTRICT = -5.0
NAME_PIVOT, NAME_WEIGHT = 0.85, 200.0  # names add (similarity - NAME_PIVOT) x NAME_WEIGHT
IDENTICAL_NAMES = (1.0 - NAME_PIVOT) * NAME_WEIGHT
# The most that the documents, the phone, the place and the names can add to a pair.
_MOST_FROM_THE_REST = SAME_ID + SAME_PHONE + SAME_VILLAGE + IDENTICAL_NAMES


def _years_apart(gap: int) -> float:
    """The birth points of two years of birth `gap` >= 2 apart (whatever the dates)."""
    return -30.0 - 5.0 * (gap - 2)


@lru_cache(maxsize=64)
def widest_year_gap(at_least: float, same_sex: bool) -> int:
    """The most years of birth apart that two people can be and still score `at_least` (1 at the least).

    Born further apart, a pair's birth points alone (with the sex) rule it out whatever else it shares:
    a scan need not even bring such pairs together, and score_pair turns them down first.
    """
    threshold = max(FLOOR, at_least)
    sex = 0.0 if same_sex else SEX_DIFFERS
    gap = 1
    while START + _years_apart(gap + 1) + sex + _MOST_FROM_THE_REST >= threshold:
        gap += 1
    return gap


def _similar(a: str, b: str) -> float:
    return float(JaroWinkler.similarity(simplify(a), simplify(b)))


def _given_similarity(a: PersonRecord, b: PersonRecord) -> float:
    direct = _similar(a.given_name, b.given_name)
    full_a = simplify(f"{a.given_name} {a.other_names or ''}")
    full_b = simplify(f"{b.given_name} {b.other_names or ''}")
    return max(direct, token_set_ratio(full_a, full_b) / 100.0)


def _combined(given: float, family: float) -> float:
    mean = (given + family) / 2
    return (mean + min(given, family)) / 2


def name_similarity(a: PersonRecord, b: PersonRecord) -> tuple[float, bool]:
    """(similarity, swapped): the better of the straight and the swapped reading."""
    straight = _combined(_given_similarity(a, b), _similar(a.family_name, b.family_name))
    swapped = _combined(_similar(a.given_name, b.family_name), _similar(a.family_name, b.given_name))
    return (swapped, True) if swapped > straight + 0.02 else (straight, False)


@lru_cache(maxsize=100_000)
def _swapped(day: date) -> date | None:
    """The date read with day and month the other way round, when that is a date. Cached: a scan asks for
    the same few tens of thousands of dates millions of times."""
    if day.day > 12:
        return None
    try:
        return day.replace(month=day.day, day=day.month)
    except ValueError:
        return None


@lru_cache(maxsize=10_000)
def _district(path: str) -> str:
    return "/".join(path.split("/")[:3])


def _evidence(a: PersonRecord, b: PersonRecord) -> tuple[float, str | None, str | None, bool, bool]:  # noqa: PLR0912 - the rules of the docstring, one after the other
    """40 plus the points of everything but the names: (score, birth reason, document reason, same phone,
    same village). A scan asks this for millions of pairs, so the rules are written out in one function
    (a call per rule was a third of a scan's time)."""
    score = START
    birth = document = None
    a_year, b_year = a.birth_year, b.birth_year
    if a_year is not None and b_year is not None:
        a_date, b_date = a.date_of_birth, b.date_of_birth
        if a_date is not None and a_date == b_date:
            score += SAME_DATE
            birth = "same date of birth"
        elif a_date is not None and b_date is not None and _swapped(a_date) == b_date:
            score += 22.0
            birth = "date of birth with day and month swapped"
        elif a_year == b_year:
            if a_date is None and b_date is None:
                score += 3.0
                birth = "same year of birth (only the years are known)"
            elif a_date is None or b_date is None:
                score += 3.0
                birth = "same year of birth (only the year is known for one)"
            else:
                score -= 8.0
        elif abs(a_year - b_year) == 1:
            score -= 10.0
        else:
            score += _years_apart(abs(a_year - b_year))
    a_numbers, b_numbers = a.id_numbers, b.id_numbers
    if a_numbers and b_numbers:
        # OSA counts two neighbouring digits swapped as one mistake, as a clerk copying a card makes it.
        if len(a_numbers) == 1 == len(b_numbers):  # most people have one document: no generator needed
            best = OSA.distance(a_numbers[0], b_numbers[0], score_cutoff=2)
        else:
            best = min(OSA.distance(x, y, score_cutoff=2) for x in a_numbers for y in b_numbers)
        if best == 0:
            score += SAME_ID
            document = "same ID number"
        elif best == 1:
            score += ID_ONE_OFF
            document = "ID number one digit off"
        else:
            score -= 25.0
    same_phone = bool(a.phone) and a.phone == b.phone
    if same_phone:
        score += SAME_PHONE
    if a.sex != b.sex:
        score += SEX_DIFFERS
    same_village = a.location_path == b.location_path
    if same_village:
        score += SAME_VILLAGE
    elif _district(a.location_path) != _district(b.location_path):
        score += OTHER_DISTRICT
    return score, birth, document, same_phone, same_village


def score_pair(a: PersonRecord, b: PersonRecord, *, at_least: float = FLOOR) -> Match | None:
    """The pair's Match, or None when it scores under `at_least` (never under FLOOR).

    The cheap evidence (birth, documents, phone, sex, place) is added up first; when even identical names
    (+30) could not lift the pair to `at_least`, the string comparisons are skipped. Most pairs that
    share a blocking key are ruled out that way, which keeps the full scan near-linear in practice.
    """
    if a.id.int == b.id.int:  # UUID's own == is Python code, and a scan asks millions of times
        return None
    threshold = max(FLOOR, at_least)
    a_year, b_year = a.birth_year, b.birth_year
    if (
        a_year is not None
        and b_year is not None
        and not -2 < a_year - b_year < 2
        and abs(a_year - b_year) > widest_year_gap(threshold, a.sex == b.sex)
    ):
        return None  # born too far apart: nothing else is worth comparing
    score, birth, document, same_phone, same_village = _evidence(a, b)
    if score + IDENTICAL_NAMES < threshold:
        return None
    names, swapped = name_similarity(a, b)
    if a.household_id == b.household_id and _given_similarity(a, b) < 0.92 and not swapped:
        return None  # twins and siblings live together; a household never holds one person twice by name
    score = max(0.0, min(100.0, score + (names - NAME_PIVOT) * NAME_WEIGHT))
    if score < threshold:
        return None
    reasons = [reason for reason in (birth, document) if reason]
    if same_phone:
        reasons.append("same phone number")
    if same_village:
        reasons.append("same village")
    if names >= NAME_PIVOT:
        reasons.insert(
            0, "given and family names swapped" if swapped else f"similar name ({names * 100:.0f})"
        )
    left, right = (a, b) if a.id.hex < b.id.hex else (b, a)
    return Match(left.id, right.id, round(score, 1), tuple(reasons))
