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
  place     same village +10; different district -10.
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


def _birth_points(a: PersonRecord, b: PersonRecord) -> tuple[float, str | None]:  # noqa: PLR0911 - a rule a line
    if a.birth_year is None or b.birth_year is None:
        return 0.0, None
    if a.date_of_birth and b.date_of_birth:
        if a.date_of_birth == b.date_of_birth:
            return 30.0, "same date of birth"
        if _swapped(a.date_of_birth) == b.date_of_birth:
            return 22.0, "date of birth with day and month swapped"
    gap = abs(a.birth_year - b.birth_year)
    if gap == 0:
        if a.date_of_birth is None and b.date_of_birth is None:
            return 3.0, "same year of birth (only the years are known)"
        if a.date_of_birth is None or b.date_of_birth is None:
            return 3.0, "same year of birth (only the year is known for one)"
        return -8.0, None
    if gap == 1:
        return -10.0, None
    return -30.0 - 5.0 * (gap - 2), None


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


def _id_points(a: PersonRecord, b: PersonRecord) -> tuple[float, str | None]:
    if not a.id_numbers or not b.id_numbers:
        return 0.0, None
    # OSA counts two neighbouring digits swapped as one mistake, as a clerk copying a card makes it.
    best = min(OSA.distance(x, y) for x in a.id_numbers for y in b.id_numbers)
    if best == 0:
        return 45.0, "same ID number"
    if best == 1:
        return 30.0, "ID number one digit off"
    return -25.0, None


@lru_cache(maxsize=10_000)
def _district(path: str) -> str:
    return "/".join(path.split("/")[:3])


def score_pair(a: PersonRecord, b: PersonRecord, *, at_least: float = FLOOR) -> Match | None:
    """The pair's Match, or None when it scores under `at_least` (never under FLOOR).

    The cheap evidence (birth, documents, phone, sex, place) is added up first; when even identical names
    (+30) could not lift the pair to `at_least`, the string comparisons are skipped. Most pairs that
    share a blocking key are ruled out that way, which keeps the full scan near-linear in practice.
    """
    if a.id == b.id:
        return None
    reasons: list[str] = []
    score = 40.0
    for points, reason in (_birth_points(a, b), _id_points(a, b)):
        score += points
        if reason:
            reasons.append(reason)
    if a.phone and a.phone == b.phone:
        score += 15.0
        reasons.append("same phone number")
    if a.sex != b.sex:
        score -= 40.0
    if a.location_path == b.location_path:
        score += 10.0
        reasons.append("same village")
    elif _district(a.location_path) != _district(b.location_path):
        score -= 10.0
    threshold = max(FLOOR, at_least)
    if score + 30.0 < threshold:
        return None
    names, swapped = name_similarity(a, b)
    if a.household_id == b.household_id and _given_similarity(a, b) < 0.92 and not swapped:
        return None  # twins and siblings live together; a household never holds one person twice by name
    score += (names - 0.85) * 200.0
    if names >= 0.85:
        reasons.insert(
            0, "given and family names swapped" if swapped else f"similar name ({names * 100:.0f})"
        )
    score = max(0.0, min(100.0, score))
    if score < threshold:
        return None
    left, right = (a, b) if a.id.hex < b.id.hex else (b, a)
    return Match(left.id, right.id, round(score, 1), tuple(reasons))
