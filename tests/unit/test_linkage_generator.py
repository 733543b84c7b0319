"""The duplicate-record generator of the linkage benchmarks: its truth must be trustworthy."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from benchmarks import linkage_generator as gen

PERSON_FIELDS = (
    "given_name",
    "family_name",
    "other_names",
    "sex",
    "date_of_birth",
    "birth_year",
    "phone",
    "id_number",
)
NAME_FIELDS = {"given_name", "family_name", "other_names"}
# What a duplicate of each kind may differ in from its original, among the person's own fields.
ALLOWED = {
    gen.NAMES_SWAPPED: NAME_FIELDS,
    gen.NAME_PART_REPLACED: NAME_FIELDS,
    gen.NAME_PART_MISSING: NAME_FIELDS,
    gen.KEYBOARD_TYPO: NAME_FIELDS,
    gen.PHONETIC_SPELLING: NAME_FIELDS,
    gen.DAY_MONTH_SWAPPED: {"date_of_birth"},
    gen.DATE_DIGIT_WRONG: {"date_of_birth", "birth_year"},
    gen.YEAR_OF_BIRTH_ONLY: {"date_of_birth"},
    gen.ID_DIGITS_TRANSPOSED: {"id_number"},
    gen.ID_DIGIT_WRONG: {"id_number"},
    gen.ADDRESS_REWRITTEN: set(),
    gen.PHONE_CHANGED: {"phone"},
}


@pytest.fixture(scope="module")
def people() -> list[gen.Person]:
    return gen.population(4000, seed=11, duplicates_per_kind=40)


def changed(a: gen.Person, b: gen.Person) -> set[str]:
    return {f for f in PERSON_FIELDS if getattr(a, f) != getattr(b, f)}


def one_edit_apart(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance exactly 1 (one key substituted, added, dropped or two swapped)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def test_a_seed_gives_the_same_population_and_another_seed_another() -> None:
    first = gen.population(1500, seed=3, duplicates_per_kind=5)
    assert gen.population(1500, seed=3, duplicates_per_kind=5) == first
    assert gen.population(1500, seed=4, duplicates_per_kind=5) != first


def test_every_kind_is_present_as_often_as_asked(people: list[gen.Person]) -> None:
    counts = Counter(p.kind for p in people)
    assert counts == {gen.ORIGINAL: 4000, **dict.fromkeys(gen.KINDS, 40)}
    assert len({p.key for p in people}) == len(people)
    assert len(gen.pairs(people)) >= 40 * len(gen.KINDS)


def test_without_ids_no_record_has_one_and_the_id_errors_are_left_out() -> None:
    people = gen.population(1500, seed=5, duplicates_per_kind=3, with_ids=False)
    assert all(p.id_number is None for p in people)
    counts = Counter(p.kind for p in people)
    assert not set(gen.ID_KINDS) & set(counts)
    assert counts == {gen.ORIGINAL: 1500, **{k: 3 for k in gen.KINDS if k not in gen.ID_KINDS}}


def test_twins_are_hard_negatives_not_duplicates(people: list[gen.Person]) -> None:
    by_birth: dict[tuple[str, str, date], list[gen.Person]] = {}
    for p in people:
        if p.kind == gen.ORIGINAL and p.date_of_birth is not None:
            by_birth.setdefault((p.household, p.family_name, p.date_of_birth), []).append(p)
    twins = [
        (a.key, b.key)
        for group in by_birth.values()
        for a in group
        for b in group
        if a.key < b.key and a.given_name != b.given_name
    ]
    assert len(twins) >= 10
    assert not set(twins) & gen.pairs(people)


def test_pairs_join_exactly_the_records_of_one_person(people: list[gen.Person]) -> None:
    truth = {p.key: p.truth for p in people}
    found = gen.pairs(people)
    assert all(a < b and truth[a] == truth[b] for a, b in found)
    per_person = Counter(truth.values())
    assert len(found) == sum(n * (n - 1) // 2 for n in per_person.values())


def test_each_duplicate_carries_the_error_it_claims(people: list[gen.Person]) -> None:
    by_key = {p.key: p for p in people}
    for dup in people:
        if dup.kind == gen.ORIGINAL:
            continue
        original = by_key[dup.truth]
        assert original.kind == gen.ORIGINAL
        assert dup.key.startswith(original.key + "-d")
        diff = changed(original, dup)
        if dup.kind == gen.TWO_ERRORS:
            assert diff or dup.address != original.address
            continue
        assert diff <= ALLOWED[dup.kind], (dup.kind, diff)
        if dup.kind == gen.ADDRESS_REWRITTEN:
            assert dup.address and dup.address != original.address
            assert dup.village == original.village
        else:
            assert diff, dup.kind
        match dup.kind:
            case gen.NAMES_SWAPPED:
                assert (dup.given_name, dup.family_name) == (original.family_name, original.given_name)
            case gen.NAME_PART_REPLACED:
                assert dup.given_name and dup.given_name != original.given_name
                assert dup.family_name == original.family_name
            case gen.NAME_PART_MISSING:
                (field,) = diff  # one part left blank, or the second surname left off
                before, after = (getattr(r, field) or "" for r in (original, dup))
                assert not after or (
                    before.split()[: len(after.split())] == after.split() and len(after) < len(before)
                )
            case gen.KEYBOARD_TYPO:
                (field,) = diff
                words = zip(getattr(original, field).split(), getattr(dup, field).split(), strict=True)
                assert sum(one_edit_apart(a, b) for a, b in words if a != b) == 1
            case gen.PHONETIC_SPELLING:
                assert len(diff) == 1 and diff <= {"given_name", "family_name"}
            case gen.DAY_MONTH_SWAPPED:
                before, after = original.date_of_birth, dup.date_of_birth
                assert before is not None and after == date(before.year, before.day, before.month)
            case gen.DATE_DIGIT_WRONG:
                before, after = original.date_of_birth, dup.date_of_birth
                assert before is not None and after is not None and dup.birth_year == after.year
                assert sum(x != y for x, y in zip(f"{before:%Y%m%d}", f"{after:%Y%m%d}", strict=True)) == 1
            case gen.YEAR_OF_BIRTH_ONLY:
                assert dup.date_of_birth is None and dup.birth_year == original.birth_year
            case gen.ID_DIGITS_TRANSPOSED:
                before, after = original.id_number, dup.id_number
                assert before is not None and after is not None and sorted(before) == sorted(after)
                spots = [i for i in range(len(before)) if before[i] != after[i]]
                assert len(spots) == 2 and spots[1] == spots[0] + 1 and before[spots[0]].isdigit()
            case gen.ID_DIGIT_WRONG:
                before, after = original.id_number, dup.id_number
                assert before is not None and after is not None
                assert sum(x != y for x, y in zip(before, after, strict=True)) == 1


def test_records_are_well_formed(people: list[gen.Person]) -> None:
    for p in people:
        assert p.sex in ("F", "M")
        assert p.date_of_birth is None or p.birth_year == p.date_of_birth.year
        assert p.date_of_birth is None or p.date_of_birth <= gen.REFERENCE_DAY
        assert p.phone is None or (p.phone.startswith("+") and p.phone[1:].isdigit())
        assert p.id_number is None or (p.id_number == p.id_number.upper() and " " not in p.id_number)
        assert p.given_name or p.family_name
    originals = [p for p in people if p.kind == gen.ORIGINAL]
    one_name = sum(not p.given_name for p in originals) / len(originals)
    assert 0.003 < one_name < 0.03


def test_concentrated_districts_use_exactly_twenty_given_and_eleven_family_names() -> None:
    people = gen.population(3000, seed=2, duplicates_per_kind=0, names="concentrated")
    assert {p.kind for p in people} == {gen.ORIGINAL}
    given = {p.given_name for p in people}
    assert len(given) == 20
    assert {p.other_names for p in people if p.other_names} <= given
    assert len({p.family_name for p in people}) == 11
    assert gen.pairs(people) == set()


@pytest.mark.skipif(
    not (gen.FEBRL_DIR / "dataset4a.csv").exists(),
    reason="Febrl 4 not fetched (benchmarks/data/febrl/README.md)",
)
def test_febrl4_loads_its_originals_and_duplicates() -> None:
    people = gen.febrl4()
    assert Counter(p.kind for p in people) == {gen.ORIGINAL: 5000, gen.FEBRL_DUPLICATE: 5000}
    keys = {p.key for p in people}
    assert all(p.truth in keys for p in people)
    assert len(gen.pairs(people)) == 5000
