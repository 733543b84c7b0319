"""The matcher on its own: each kind of duplicate the scheme must catch, and what it must not flag."""

from __future__ import annotations

import dataclasses
import random
import threading
import uuid
from datetime import date

import pytest
from rapidfuzz.distance import OSA

from cashdesk.core.errors import Cancelled
from cashdesk.registry.dedup import PersonRecord, find_duplicates, match_keys, score_pair
from cashdesk.registry.dedup.keys import WINDOWS_FROM, close_id_pairs
from cashdesk.registry.dedup.scoring import FLOOR, IDENTICAL_NAMES, _evidence, widest_year_gap

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


def _random_person(rng: random.Random) -> PersonRecord:
    year = rng.choice((None, *range(1950, 1990)))
    known_date = year is not None and rng.random() < 0.8
    return person(
        given_name=rng.choice(("Chikondi", "Chikonde", "Grace", "Banda")),
        family_name=rng.choice(("Banda", "Bandah", "Phiri", "Chikondi")),
        sex=rng.choice("FM"),
        date_of_birth=date(year, rng.randint(1, 12), rng.randint(1, 12)) if known_date and year else None,
        birth_year=year,
        phone=rng.choice((None, "+265881234567", "+265991234567")),
        id_numbers=tuple(
            rng.sample(("12345678", "12345679", "1234578", "12345687", "99999999"), rng.randint(0, 2))
        ),
        location_path=rng.choice((VILLAGE, OTHER_VILLAGE, OTHER_DISTRICT)),
    )


@pytest.mark.parametrize("at_least", [50.0, 75.0, 90.0])
def test_pairs_born_further_apart_than_the_widest_gap_could_never_score_enough(at_least: float) -> None:
    # widest_year_gap lets the scan skip pairs unscored: it must never skip one that could reach the
    # threshold, whatever the rest of the evidence (checked against the evidence itself, names at best).
    rng = random.Random(7)
    skipped = 0
    for _ in range(20_000):
        a, b = _random_person(rng), _random_person(rng)
        if a.birth_year is None or b.birth_year is None:
            continue
        if abs(a.birth_year - b.birth_year) > widest_year_gap(at_least, a.sex == b.sex):
            skipped += 1
            assert _evidence(a, b)[0] + IDENTICAL_NAMES < max(FLOOR, at_least), (a, b)
    assert skipped > 1_000  # the test saw the rule at work


@pytest.mark.parametrize("block_size", [8, 300])  # compared all with all, and by windows of years
def test_an_id_block_gives_every_close_pair_within_the_years_that_could_score(block_size: int) -> None:
    rng = random.Random(3)
    people = [p for p in (_random_person(rng) for _ in range(block_size * 2)) if p.id_numbers][:block_size]
    members = list(range(len(people)))

    def widest(same_sex: bool) -> int:
        return 3 if same_sex else 1

    def could_score(a: PersonRecord, b: PersonRecord) -> bool:
        if a.birth_year is None or b.birth_year is None:
            return True
        return abs(a.birth_year - b.birth_year) <= widest(a.sex == b.sex)

    expected = {
        (i, j)
        for i in members
        for j in members
        if i < j
        and could_score(people[i], people[j])
        and any(OSA.distance(x, y) <= 1 for x in people[i].id_numbers for y in people[j].id_numbers)
    }
    given = list(close_id_pairs(people, members, widest_gap=widest))
    assert all(i < j for i, j in given)
    assert set(given) == expected
    assert len(expected) < len(members) * (len(members) - 1) / 2  # some pairs are left out by the years
    if block_size > WINDOWS_FROM:
        assert any(people[i].birth_year is None for pair in expected for i in pair)  # unknown years are in
