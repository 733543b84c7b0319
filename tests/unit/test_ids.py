from __future__ import annotations

import itertools
import random
import uuid

from cashdesk.core.ids import CODE_ALPHABET, check_character, format_code, is_valid_code
from cashdesk.models.keys import uuid7, uuid7_ints, uuid7s


def test_uuid7_is_version_7_and_increases_within_a_process() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert all(u.version == 7 for u in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_code_has_device_kind_and_sequence() -> None:
    code = format_code("K7QX", "H", 42)
    assert code.startswith("K7QX-H000042")
    assert is_valid_code(code)


def test_check_character_catches_every_single_typo_and_neighbour_swap() -> None:
    rng = random.Random(7)
    for _ in range(200):
        code = format_code("".join(rng.choice(CODE_ALPHABET) for _ in range(4)), "P", rng.randint(0, 999_999))
        chars = list(code)
        positions = [i for i, c in enumerate(chars) if c != "-"]
        for i in positions:
            for replacement in CODE_ALPHABET:
                if replacement != chars[i]:
                    typo = chars.copy()
                    typo[i] = replacement
                    assert not is_valid_code("".join(typo)), (code, "".join(typo))
        for a, b in itertools.pairwise(positions):
            if chars[a] != chars[b]:
                swapped = chars.copy()
                swapped[a], swapped[b] = swapped[b], swapped[a]
                assert not is_valid_code("".join(swapped)), (code, "".join(swapped))


def test_check_character_is_one_alphabet_character() -> None:
    assert check_character("ABCD-H000001") in CODE_ALPHABET


def test_ids_made_in_bulk_are_distinct_and_keep_increasing_with_single_ones() -> None:
    before = uuid7()
    many = uuid7s(20_000)  # more than one millisecond's 4,096 counter values
    after = uuid7()
    together = [before, *many, after]
    assert together == sorted(together)
    assert len(set(together)) == len(together)
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in together)
    assert uuid7s(0) == []


def test_ids_made_as_integers_are_uuid7s_in_order_with_the_others() -> None:
    before = uuid7()
    numbers = uuid7_ints(5_000)
    after = uuid7()
    made = [uuid.UUID(int=n) for n in numbers]
    assert [before, *made, after] == sorted([before, *made, after])
    assert len(set(numbers)) == len(numbers)
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in made)
    assert f"{numbers[0]:032x}" == made[0].hex  # the form the import stores them in
