"""The matcher on its own: each kind of duplicate the scheme must catch, and what it must not flag."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from datetime import date

import pytest

from cashdesk.core.errors import Cancelled
from cashdesk.registry.dedup import PersonRecord, find_duplicates, match_keys, score_pair

VILLAGE, OTHER_VILLAGE, OTHER_DISTRICT = "/R01/D01/V001/", "/R01/D01/V002/", "/R01/D02/V100/"


def person(**changes: object) -> PersonRecord:
    base = PersonRecord(
        id=uuid.uuid4(),
        household_id=uuid.uuid4(),
        given_name="Chikondi",
        family_name="Banda",
        other_names=None,
        sex="F",
        date_of_birth=date(1980, 5, 17),
        birth_year=1980,
        phone=None,
        id_numbers=("12345678",),
        location_path=VILLAGE,
    )
    return dataclasses.replace(base, **({"id": uuid.uuid4(), "household_id": uuid.uuid4()} | changes))


ORIGINAL = person()

MUST_CATCH = {
    "typo in the family name": person(family_name="Bandah"),
    "letters swapped in the given name": person(given_name="Chikodni"),
    "given and family names swapped": person(given_name="Banda", family_name="Chikondi"),
    "missing middle name": dataclasses.replace(
        ORIGINAL, id=uuid.uuid4(), household_id=uuid.uuid4(), other_names="Grace"
    ),
    "only the year of birth": person(date_of_birth=None, birth_year=1980, id_numbers=()),
    "ID number one digit wrong": person(id_numbers=("12345679",), given_name="Chikonde"),
    "ID number one digit missing": person(id_numbers=("1234578",)),
    "same phone, similar name": person(phone="+265881234567", family_name="Bnada", id_numbers=()),
    "spelling variant (ph/f)": person(family_name="Phiri", given_name="Mercy"),
}


def _original_for(kind: str) -> PersonRecord:
    if kind == "same phone, similar name":
        return dataclasses.replace(ORIGINAL, phone="+265881234567")
    if kind == "spelling variant (ph/f)":
        return dataclasses.replace(ORIGINAL, family_name="Firi", given_name="Mercy")
    return ORIGINAL


def test_day_and_month_swapped_is_a_real_swap() -> None:
    original = person(date_of_birth=date(1980, 3, 7), birth_year=1980, id_numbers=())
    copy = person(date_of_birth=date(1980, 7, 3), birth_year=1980, id_numbers=())
    match = score_pair(original, copy)
    assert match is not None and match.score >= 75
    assert "date of birth with day and month swapped" in match.reasons


@pytest.mark.parametrize("kind", list(MUST_CATCH))
def test_each_kind_of_duplicate_is_caught_and_shares_a_key(kind: str) -> None:
    original, copy = _original_for(kind), MUST_CATCH[kind]
    match = score_pair(original, copy)
    assert match is not None and match.score >= 75, (kind, match)
    assert match_keys(original) & match_keys(copy), kind
    assert find_duplicates([original, copy]) == [match]


def test_transliterations_one_name_but_not_another() -> None:
    from cashdesk.registry.dedup.scoring import name_similarity

    mohamed = person(given_name="Mohamed", id_numbers=())
    assert name_similarity(mohamed, person(given_name="Mohammed"))[0] == 1.0  # one name, two spellings
    assert name_similarity(mohamed, person(given_name="Muhammad"))[0] >= 0.85
    mamadou = person(given_name="Mamadou", id_numbers=(), date_of_birth=date(1983, 2, 9), birth_year=1983)
    assert name_similarity(mohamed, mamadou)[0] < 0.85  # another name: never reported as "similar name"
    assert score_pair(mohamed, mamadou) is None


def test_twins_in_one_household_are_not_duplicates() -> None:
    home = uuid.uuid4()
    first = person(household_id=home, given_name="Kettie", id_numbers=())
    second = dataclasses.replace(first, id=uuid.uuid4(), given_name="Kondwani", sex="M")
    sister = dataclasses.replace(first, id=uuid.uuid4(), given_name="Chimwemwe")
    assert score_pair(first, second) is None
    assert score_pair(first, sister) is None
    assert find_duplicates([first, second, sister]) == []


def test_common_names_born_apart_in_other_villages_are_not_flagged() -> None:
    people = [
        person(
            given_name="Mary",
            family_name="Phiri",
            date_of_birth=date(year, 1 + year % 12, 1),
            birth_year=year,
            id_numbers=(),
            location_path=path,
        )
        for year, path in ((1950, VILLAGE), (1962, OTHER_VILLAGE), (1975, OTHER_DISTRICT), (1990, VILLAGE))
    ]
    assert find_duplicates(people) == []


def test_same_phone_alone_does_not_decide() -> None:
    mother = person(phone="+265881234567", id_numbers=())
    son = person(
        given_name="Yohane",
        sex="M",
        date_of_birth=date(2001, 2, 3),
        birth_year=2001,
        id_numbers=(),
        phone="+265881234567",
    )
    assert score_pair(mother, son) is None


def test_excluded_pairs_and_order() -> None:
    a, b = ORIGINAL, MUST_CATCH["typo in the family name"]
    (match,) = find_duplicates([a, b])
    assert match.left_id.hex < match.right_id.hex
    assert find_duplicates([a, b], excluded_pairs=frozenset({(match.left_id, match.right_id)})) == []


def test_abort_stops_the_scan() -> None:
    abort = threading.Event()
    abort.set()
    with pytest.raises(Cancelled):
        find_duplicates([ORIGINAL, MUST_CATCH["typo in the family name"]], abort=abort)


def test_the_reason_says_whose_birth_is_only_a_year() -> None:
    one = score_pair(ORIGINAL, person(date_of_birth=None, birth_year=1980, id_numbers=()))
    both = score_pair(
        person(date_of_birth=None, birth_year=1980, id_numbers=()),
        person(date_of_birth=None, birth_year=1980, id_numbers=()),
    )
    assert one is not None and "same year of birth (only the year is known for one)" in one.reasons
    assert both is not None and "same year of birth (only the years are known)" in both.reasons
